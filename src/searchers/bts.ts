/**
 * Siamese-NAS batch top sampling (BTS, official `BatchTopSampler` with
 * `TrainSiamsPredictor(bts=True)`): only ⌊0.3·N⌋ of the N training
 * architectures are drawn at random; the other N − ⌊0.3·N⌋ are added in 10
 * stages WHILE the predictor trains. At each stage a random tenth of the space
 * is ranked by the predictor as it is then (siamese ranking with the fine
 * branch re-ranking the top 30) and its best not-yet-trained architectures
 * are trained and join the training set. Stage i (1-based) happens after
 * epoch ⌊W/11⌋·i of the predictor's growth phase (W epochs; 9, 18, …, 90 of
 * the official 100); stages add ⌊M/10⌋ each and the last one the remainder.
 * Then, as in top-K search, the whole space is ranked (re-ranking the top 60)
 * and the K best unseen are trained. Cost N + K.
 *
 * Needs a predictor that can take in records during training
 * (`GrowablePredictor`: the GCN and siamese predictors here).
 */
import { tableOf, type Benchmark, type BenchRecord, type PredictorFactory, type Rng, type SearchBudget, type SearchResult, type Searcher } from '../core/types.js';
import { isGrowablePredictor, rankRecords, type GrowthBatch, type GrowthContext } from '../predictors/types.js';
import { QueryLog, checkBudget, predictorSeed, rankingHead, targetOf, topUnseen } from './common.js';
import { checkField, POSITIVE_INTEGER } from '../core/checks.js';

export interface BtsOptions<A> {
  readonly predictorFactory: PredictorFactory<A>;
  /** Share of N drawn at random before training (official 0.3, truncated). */
  readonly initialFraction?: number;
  /** Number of growth stages (official `update_split` 10). */
  readonly stages?: number;
  /** Share of the space ranked at each stage (official 1 / update_split). */
  readonly stageSearchFraction?: number;
  /** Fine-branch re-ranking depth inside stages (official 30). */
  readonly stageRerankTop?: number;
  /** Fine-branch re-ranking depth of the final ranking (official 60). */
  readonly finalRerankTop?: number;
  readonly name?: string;
}

/** What happened at one stage, for inspection and tests. */
export interface BtsStage {
  /** 1-based epoch of the growth phase after which the stage ran. */
  readonly epochInPhase: number;
  /** Architectures ranked at this stage. */
  readonly searched: number;
  /** Ids added to the training set, best-ranked first. */
  readonly added: readonly string[];
}

export interface BtsSearchResult extends SearchResult {
  /** Queries 0 … initialCount−1 are the random ones. */
  readonly initialCount: number;
  readonly stages: readonly BtsStage[];
}

/** The official stage plan: added per stage and the growth-phase epoch of each stage. */
export function btsSchedule(
  trainSamples: number,
  opts: { initialFraction: number; stages: number; growthPhaseEpochs: number },
): { initialCount: number; perStage: number[]; stageEpochs: number[] } {
  const { initialFraction, stages, growthPhaseEpochs } = opts;
  const initialCount = Math.trunc(trainSamples * initialFraction);
  const rest = trainSamples - initialCount;
  const each = Math.floor(rest / stages);
  const perStage = Array.from({ length: stages }, (_, i) => (i < stages - 1 ? each : rest - each * (stages - 1)));
  const spacing = Math.floor(growthPhaseEpochs / (stages + 1));
  if (spacing < 1) {
    throw new RangeError(
      `BTS: the predictor's growth phase has ${growthPhaseEpochs} epochs, too few for ${stages} stages (needs ≥ ${stages + 1})`,
    );
  }
  const stageEpochs = Array.from({ length: stages }, (_, i) => spacing * (i + 1));
  return { initialCount, perStage, stageEpochs };
}

/** A `Searcher` whose result also tells the BTS stages apart. */
export interface BtsSearcher<A> extends Searcher<A> {
  search(bench: Benchmark<A>, target: string, budget: SearchBudget, rng: Rng): Promise<BtsSearchResult>;
}

export function createBtsSearch<A>(options: BtsOptions<A>): BtsSearcher<A> {
  const name = options.name ?? 'bts';
  const initialFraction = options.initialFraction ?? 0.3;
  const stages = options.stages ?? 10;
  const stageSearchFraction = options.stageSearchFraction ?? 1 / stages;
  const stageRerankTop = options.stageRerankTop ?? 30;
  const finalRerankTop = options.finalRerankTop ?? 60;
  if (!(initialFraction > 0 && initialFraction <= 1)) throw new RangeError(`${name}: initialFraction must be in (0, 1], got ${initialFraction}`);
  checkField(name, 'stages', stages, POSITIVE_INTEGER);
  if (!(stageSearchFraction > 0 && stageSearchFraction <= 1)) {
    throw new RangeError(`${name}: stageSearchFraction must be in (0, 1], got ${stageSearchFraction}`);
  }

  return {
    name,
    async search(bench, target, budget, rng): Promise<BtsSearchResult> {
      tableOf(bench, name);
      checkBudget(budget, bench.size, name);
      const predictor = options.predictorFactory(predictorSeed(rng));
      try {
        if (!isGrowablePredictor(predictor)) {
          throw new Error(`${name}: predictor ${predictor.name} cannot add training records while it trains (BTS needs a GrowablePredictor)`);
        }
        const plan = btsSchedule(budget.trainSamples, {
          initialFraction,
          stages,
          growthPhaseEpochs: predictor.growthPhaseEpochs,
        });
        if (plan.initialCount < 1) {
          throw new RangeError(`${name}: N = ${budget.trainSamples} leaves no random initial sample (⌊${initialFraction}·N⌋ = 0)`);
        }
        const log = new QueryLog<A>(target, name);
        const initial = bench.sample(plan.initialCount, rng.fork('initial'));
        for (const r of initial) log.query(r);
        const searchBatch = Math.max(1, Math.floor(bench.size * stageSearchFraction));
        const stageRng = rng.fork('stages');
        const stageLog: BtsStage[] = [];

        const onEpochEnd = async (ctx: GrowthContext<A>): Promise<GrowthBatch<A> | undefined> => {
          const stage = plan.stageEpochs.indexOf(ctx.epochInPhase);
          if (stage < 0) return undefined;
          const count = plan.perStage[stage]!;
          if (count === 0) {
            // Small N: the official code skips a stage with nothing to add.
            stageLog.push({ epochInPhase: ctx.epochInPhase, searched: 0, added: [] });
            return undefined;
          }
          const pool = bench.sample(searchBatch, stageRng);
          const order = await ctx.rank(pool, { rerankTop: stageRerankTop });
          const picks = topUnseen(pool, order, log, count);
          if (picks.length < count) {
            throw new Error(
              `${name}: stage ${stage + 1} ranked ${pool.length} architectures but only ${picks.length} were untrained, ` +
                `${count} needed (raise stageSearchFraction for this small space)`,
            );
          }
          const targets = picks.map((r) => log.query(r));
          stageLog.push({ epochInPhase: ctx.epochInPhase, searched: pool.length, added: picks.map((r) => r.id) });
          return { records: picks, targets };
        };

        await predictor.fit(
          initial,
          initial.map((r) => targetOf(r, target)),
          { growth: { finalSize: budget.trainSamples, onEpochEnd } },
        );
        if (stageLog.length !== stages || log.size !== budget.trainSamples) {
          throw new Error(
            `${name}: ${stageLog.length} of ${stages} stages ran and ${log.size} of N = ${budget.trainSamples} were trained; ` +
              `the predictor did not call its growth hook at every epoch of its growth phase`,
          );
        }
        const all = bench.all();
        const order = await rankRecords(predictor, all, { rerankTop: finalRerankTop });
        const ranking = rankingHead(all, order, budget.topK, target);
        const picks: BenchRecord<A>[] = topUnseen(all, order, log, budget.topK);
        if (picks.length < budget.topK) throw new Error(`${name}: only ${picks.length} unseen architectures left for K = ${budget.topK}`);
        for (const r of picks) log.query(r);
        return { ...log.result(), ranking, initialCount: plan.initialCount, stages: stageLog };
      } finally {
        predictor.dispose();
      }
    },
  };
}
