/**
 * The FairNAS fairness ablation's summaries: per sampler (mean ± std over
 * seeds), paired comparisons between samplers (t-test over seeds, bootstrap
 * over architectures) and the tables the notebook shows.
 */
import { meanConfidenceInterval, meanStd } from '../metrics/index.js';
import { pairedTTest, type PairedTTest } from '../metrics/pairedTTest.js';
import { createSampler } from '../supernet/samplers.js';
import { NB201_NUM_EDGES, NB201_NUM_OPS } from '../spaces/nb201.js';
import { bootstrapTauDifference, type BootstrapDifference } from './fairnessStats.js';
import type { FairnessAblationConfig } from './fairnessConfig.js';
import { FAIRNAS_PUBLISHED_TAU, fairnessSeries, samplerLabel } from './fairnessConfig.js';
import type { FairnessAblationResult, FairnessCurvePoint, FairnessRun, SamplerComparison, SamplerSummary } from './fairnessAblation.js';

const seriesNames = (config: FairnessAblationConfig): string[] => fairnessSeries(config).map((s) => s.name);

function runsOf(runs: readonly FairnessRun[], series: string, seeds: readonly number[]): FairnessRun[] {
  return seeds.map((seed) => {
    const run = runs.find((r) => r.series === series && r.seed === seed);
    if (!run) throw new Error(`fairness ablation: no run for ${series} seed ${seed}`);
    return run;
  });
}

/** A series' name as a file-name part (`uniform ×5` → `uniform-x5`). */
export function seriesFileName(series: string): string {
  return series.replace(/×/g, 'x').replace(/[^A-Za-z0-9-]+/g, '-');
}

/** Whether a series is the compute-matched uniform line (named `uniform ×k` by fairnessSeries). */
export function isComputeMatched(series: string): boolean {
  return /×\d+$/.test(series);
}

/** A series' display name: the sampler's (with the paper's name), or the compute-matched line's own. */
export function seriesLabel(series: string): string {
  return isComputeMatched(series) ? `${series} (compute-matched)` : samplerLabel(series);
}

/** Mean ± std over seeds per series (at its budget), with update and pass counts. */
export function summarizeSamplers(runs: readonly FairnessRun[], config: FairnessAblationConfig): SamplerSummary[] {
  return seriesNames(config).map((sampler) => {
    const rs = runsOf(runs, sampler, config.seeds);
    const tau = meanStd(rs.map((r) => r.kendallTau));
    const tauLoss = meanStdOrNaN(rs.map((r) => r.kendallTauLoss));
    const tau12 = meanStdOrNaN(rs.map((r) => r.kendallTau12));
    const rho = meanStd(rs.map((r) => r.spearmanRho));
    const countsMean = Array.from({ length: NB201_NUM_EDGES }, (_, e) =>
      Array.from({ length: NB201_NUM_OPS }, (_, o) => rs.reduce((s, r) => s + r.counts[e]![o]!, 0) / rs.length),
    );
    let countSpread = 0;
    for (const r of rs) {
      for (const row of r.counts) {
        const mean = row.reduce((s, v) => s + v, 0) / row.length;
        if (mean > 0) countSpread = Math.max(countSpread, (Math.max(...row) - Math.min(...row)) / mean);
      }
    }
    const avg = (f: (r: FairnessRun) => number): number => rs.reduce((s, r) => s + f(r), 0) / rs.length;
    return {
      sampler,
      label: seriesLabel(sampler),
      seeds: rs.length,
      tauMean: tau.mean,
      tauStd: tau.std,
      tauLossMean: tauLoss.mean,
      tauLossStd: tauLoss.std,
      tau12Mean: tau12.mean,
      tau12Std: tau12.std,
      rhoMean: rho.mean,
      rhoStd: rho.std,
      tauVsParamsMean: avg((r) => r.kendallTauVsParams),
      updates: rs[0]!.updates,
      passesPerUpdate: rs[0]!.forwardBackwardPasses / rs[0]!.updates,
      passesMean: avg((r) => r.forwardBackwardPasses),
      countsMean,
      countSpread,
      meanSupernetAccuracy: avg((r) => r.accuracy.reduce((s, a) => s + a, 0) / r.accuracy.length),
      trainSecondsMean: avg((r) => r.trainSeconds),
      evalSecondsMean: avg((r) => r.evalSeconds),
    };
  });
}

/** mean ± std, or NaNs when a value is missing (e.g. no 12-epoch ground truth for these architectures). */
function meanStdOrNaN(values: readonly number[]): { mean: number; std: number } {
  return values.every(Number.isFinite) ? meanStd(values) : { mean: NaN, std: NaN };
}

const fmt = (v: number, digits = 3): string => (Number.isFinite(v) ? v.toFixed(digits) : '–');

/** One sentence: the difference, the t-test over seeds, the bootstrap interval over architectures, and the verdict. */
export function significanceStatement(a: string, b: string, t: PairedTTest, boot: BootstrapDifference): string {
  const diff = `${a} − ${b}: Δτ = ${t.meanDifference >= 0 ? '+' : ''}${fmt(t.meanDifference)}`;
  const tPart = Number.isNaN(t.p)
    ? `no t-test (${t.n < 2 ? `${t.n} seed: needs ≥ 2` : 'no spread between seeds'})`
    : `paired t-test over ${t.n} seeds: t = ${fmt(t.t, 2)}, df = ${t.df}, p = ${t.p < 0.001 ? t.p.toExponential(1) : fmt(t.p)}, 95 % CI [${fmt(t.lower)}, ${fmt(t.upper)}]`;
  const bPart = `bootstrap over architectures (${boot.resamples} resamples): ${Math.round(boot.level * 100)} % CI [${fmt(boot.lower)}, ${fmt(boot.upper)}]`;
  const tSig = !Number.isNaN(t.p) && t.p < 0.05;
  const bSig = boot.lower > 0 || boot.upper < 0;
  const verdict = tSig && bSig
    ? 'significant at 5 % by both tests'
    : tSig
      ? 'significant over seeds (p < 0.05) but the architecture bootstrap interval includes 0'
      : bSig
        ? 'the architecture bootstrap interval excludes 0, but the seed-to-seed variation does not support a difference (p ≥ 0.05 or too few seeds)'
        : 'not significant at 5 %';
  return `${diff}; ${tPart}; ${bPart} → ${verdict}.`;
}

/**
 * The pairs of series compared, most telling first: each sampler against the
 * ones before it in the config (strict-fair − EF-5, strict-fair − uniform,
 * EF-5 − uniform), then each sampler against the compute-matched uniform
 * (equal passes), then that line against uniform.
 */
export function comparisonPairs(config: Pick<FairnessAblationConfig, 'samplers' | 'computeMatched'>): [string, string][] {
  const series = fairnessSeries(config);
  const samplers = series.filter((s) => s.updatesFactor === 1).map((s) => s.name);
  const matched = series.filter((s) => s.updatesFactor > 1).map((s) => s.name);
  const pairs: [string, string][] = [];
  for (let i = samplers.length - 1; i >= 0; i--) for (let j = i - 1; j >= 0; j--) pairs.push([samplers[i]!, samplers[j]!]);
  for (const m of matched) {
    for (let i = samplers.length - 1; i >= 0; i--) if (samplers[i] !== 'uniform') pairs.push([samplers[i]!, m]);
    if (samplers.includes('uniform')) pairs.push([m, 'uniform']);
  }
  return pairs;
}

/** Every pair of series: paired t-test of tau over seeds and the bootstrap of the tau difference over architectures. */
export function compareSamplers(runs: readonly FairnessRun[], truth: readonly number[], config: FairnessAblationConfig): SamplerComparison[] {
  return comparisonPairs(config).map(([a, b]) => {
    const ra = runsOf(runs, a, config.seeds);
    const rb = runsOf(runs, b, config.seeds);
    const tTest = pairedTTest(
      ra.map((r) => r.kendallTau),
      rb.map((r) => r.kendallTau),
    );
    const bootstrap = bootstrapTauDifference(
      truth,
      ra.map((r) => r.accuracy),
      rb.map((r) => r.accuracy),
      { resamples: config.bootstrapResamples, seed: `${config.archSeed}/${a}-vs-${b}` },
    );
    return { a, b, tTest, bootstrap, statement: significanceStatement(a, b, tTest, bootstrap) };
  });
}

/** Which ranking of a run a comparison or curve uses. */
export type CurveMeasure = 'tau' | 'tauLoss' | 'tau12' | 'tau12Loss';
export const CURVE_MEASURES: readonly { readonly key: CurveMeasure; readonly label: string }[] = [
  { key: 'tau', label: 'accuracy vs 200-epoch truth' },
  { key: 'tauLoss', label: 'held-out loss vs 200-epoch truth' },
  { key: 'tau12', label: 'accuracy vs 12-epoch truth' },
  { key: 'tau12Loss', label: 'held-out loss vs 12-epoch truth' },
];

/** Two series at the same checkpoint index, paired by seed. */
export interface BudgetComparison {
  readonly a: string;
  readonly b: string;
  /** Index into `evalAt` and the updates / passes each series had there. */
  readonly index: number;
  readonly updatesA: number;
  readonly updatesB: number;
  readonly passesA: number;
  readonly passesB: number;
  /** 'equal updates', 'equal passes' or neither. */
  readonly matched: string;
  readonly measure: CurveMeasure;
  readonly test: PairedTTest;
  /** The test resolves the difference: its 95 % interval excludes 0. */
  readonly resolved: boolean;
}

/**
 * Paired differences over seeds at every budget, for the pairs that answer
 * the study's questions: strict-fair against EF-5 (fairness alone, same
 * passes and updates), each 5-path sampler against uniform at equal updates,
 * and each against the compute-matched uniform at equal passes.
 */
export function compareAtBudgets(runs: readonly FairnessRun[], config: FairnessAblationConfig, measures: readonly CurveMeasure[] = ['tau', 'tauLoss', 'tau12']): BudgetComparison[] {
  const out: BudgetComparison[] = [];
  for (const [a, b] of comparisonPairs(config)) {
    const ra = runsOf(runs, a, config.seeds);
    const rb = runsOf(runs, b, config.seeds);
    for (let index = 0; index < config.evalAt.length; index++) {
      const pa = ra.map((r) => r.curve[index]!);
      const pb = rb.map((r) => r.curve[index]!);
      const [ua, ub, fa, fb] = [pa[0]!.update, pb[0]!.update, pa[0]!.forwardBackwardPasses, pb[0]!.forwardBackwardPasses];
      const matched = ua === ub && fa === fb ? 'equal updates and passes' : ua === ub ? 'equal updates' : fa === fb ? 'equal passes' : `${(ua / ub).toFixed(1)}× the updates`;
      for (const measure of measures) {
        const [xa, xb] = [pa.map((p) => p[measure]), pb.map((p) => p[measure])];
        if (![...xa, ...xb].every(Number.isFinite)) continue; // a ground truth these architectures lack
        const test = pairedTTest(xa, xb);
        out.push({ a, b, index, updatesA: ua, updatesB: ub, passesA: fa, passesB: fb, matched, measure, test, resolved: test.lower > 0 || test.upper < 0 });
      }
    }
  }
  return out;
}

/** Mean and 95 % t half-width over seeds of one measure of a series at every budget. */
export function curveSummary(runs: readonly FairnessRun[], series: string, seeds: readonly number[], measure: CurveMeasure): { point: FairnessCurvePoint; mean: number; halfWidth: number; n: number }[] {
  const rs = runsOf(runs, series, seeds);
  return rs[0]!.curve.map((point, i) => {
    const values = rs.map((r) => r.curve[i]![measure]);
    if (!values.every(Number.isFinite)) return { point, mean: NaN, halfWidth: NaN, n: values.length };
    const ci = meanConfidenceInterval(values);
    return { point, mean: ci.mean, halfWidth: ci.halfWidth, n: ci.n };
  });
}

/** τ of every series at every budget (mean ± 95 % CI over seeds), both ground truths, both scores: the table under the curve figure. */
export function fairnessCurveRows(result: FairnessAblationResult): Record<string, string | number>[] {
  const rows: Record<string, string | number>[] = [];
  const ci = (m: number, h: number): string => (Number.isFinite(h) ? `${fmt(m)} ± ${fmt(h)}` : fmt(m));
  for (const series of seriesNames(result.config)) {
    const columns = CURVE_MEASURES.map((m) => curveSummary(result.runs, series, result.config.seeds, m.key));
    columns[0]!.forEach((c, i) => {
      const row: Record<string, string | number> = { series: seriesLabel(series), updates: c.point.update, 'fwd/bwd passes': c.point.forwardBackwardPasses };
      CURVE_MEASURES.forEach((m, k) => (row[`τ ${m.label}`] = ci(columns[k]![i]!.mean, columns[k]![i]!.halfWidth)));
      rows.push(row);
    });
  }
  return rows;
}

/** The baselines on this sample as rows. */
export function baselineRows(result: FairnessAblationResult): Record<string, string | number>[] {
  const b = result.baselines;
  return [
    { baseline: 'parameter count (no training at all)', 'τ vs 200-epoch truth': fmt(b.paramsVsTruth), 'τ vs 12-epoch truth': fmt(b.paramsVsTruth12) },
    { baseline: '12-epoch NB201 schedule (stand-alone training)', 'τ vs 200-epoch truth': fmt(b.truth12VsTruth), 'τ vs 12-epoch truth': '1 (itself)' },
    { baseline: `null: independent ranking of ${result.archs.length} archs (± 1 standard error)`, 'τ vs 200-epoch truth': `0 ± ${fmt(b.nullTauSe)}`, 'τ vs 12-epoch truth': `0 ± ${fmt(b.nullTauSe)}` },
  ];
}

/**
 * In words: what this run can and cannot resolve — the null standard error
 * for its n, then per budget the paired differences that matter and whether
 * their interval excludes 0, with the smallest difference it would resolve.
 */
export function resolutionStatements(result: FairnessAblationResult, measure: CurveMeasure = 'tau'): string[] {
  const n = result.archs.length;
  const seeds = result.config.seeds.length;
  const lines = [
    `${n} architectures: a ranking unrelated to the truth gives τ = 0 ± ${fmt(result.baselines.nullTauSe)} (1 SE), so a single τ is distinguishable from chance above ≈ ${fmt(2 * result.baselines.nullTauSe)}; differences between samplers are paired over ${seeds} seed${seeds === 1 ? '' : 's'} (same weights, batches and architectures), so they are limited by seed-to-seed variation instead.`,
  ];
  const focus = result.budgetComparisons.filter((c) => c.measure === measure);
  for (const c of focus) {
    const t = c.test;
    const half = (t.upper - t.lower) / 2;
    const what = `${seriesLabel(c.a)} − ${seriesLabel(c.b)} at ${c.updatesA === c.updatesB ? `${c.updatesA} updates` : `${c.updatesA} vs ${c.updatesB} updates`} (${c.matched})`;
    lines.push(
      Number.isFinite(half)
        ? `${what}: Δτ = ${t.meanDifference >= 0 ? '+' : ''}${fmt(t.meanDifference)}, 95 % CI [${fmt(t.lower)}, ${fmt(t.upper)}] → ${c.resolved ? 'resolved (the interval excludes 0)' : `not resolved: this run cannot tell differences smaller than about ±${fmt(half)} from 0`}.`
        : `${what}: Δτ = ${fmt(t.meanDifference)}; ${t.n < 2 ? 'one seed: no interval' : 'no spread between seeds'}.`,
    );
  }
  return lines;
}

/** The summary as plain rows (notebook tables, CLI). */
export function fairnessSummaryRows(result: FairnessAblationResult): Record<string, string | number>[] {
  return result.summary.map((s) => ({
    sampler: s.label,
    seeds: s.seeds,
    'Kendall τ': `${fmt(s.tauMean)} ± ${fmt(s.tauStd)}`,
    'τ by loss': `${fmt(s.tauLossMean)} ± ${fmt(s.tauLossStd)}`,
    'τ vs 12-epoch': `${fmt(s.tau12Mean)} ± ${fmt(s.tau12Std)}`,
    'Spearman ρ': `${fmt(s.rhoMean)} ± ${fmt(s.rhoStd)}`,
    'τ vs params': fmt(s.tauVsParamsMean),
    updates: s.updates,
    'passes/update': s.passesPerUpdate,
    'fwd/bwd passes': Math.round(s.passesMean),
    'count spread': fmt(s.countSpread, 2),
    'mean supernet acc (%)': fmt(100 * s.meanSupernetAccuracy, 1),
    'train s': fmt(s.trainSecondsMean, 0),
    'eval s': fmt(s.evalSecondsMean, 0),
  }));
}

/** Our tau beside the published ImageNet numbers. */
export function publishedComparisonRows(result: FairnessAblationResult): Record<string, string | number>[] {
  return FAIRNAS_PUBLISHED_TAU.map((p) => {
    const ours = result.summary.find((s) => s.sampler === p.sampler);
    return {
      method: p.method,
      'published τ (ImageNet, 13 models)': p.tau,
      'ours τ (NB201 CIFAR-10)': ours ? `${fmt(ours.tauMean)} ± ${fmt(ours.tauStd)}` : 'not run',
      'ours archs × seeds': ours ? `${result.archs.length} × ${ours.seeds}` : '',
    };
  });
}

/** The ground-truth bins the architectures were drawn from, as rows. */
export function strataRows(result: FairnessAblationResult): Record<string, string | number>[] {
  return result.strata.map((s, bin) => ({
    bin,
    'test_acc_200 from (%)': fmt(100 * s.lower, 2),
    'to (%)': fmt(100 * s.upper, 2),
    candidates: s.candidates,
    sampled: s.picked,
  }));
}

/**
 * Published rank correlations of weight-sharing supernets on NAS-Bench-201
 * CIFAR-10 (connected cells, against the 200-epoch ground truth), from the
 * released per-architecture results (docs/PROTOCOLS.md §7): the anchors a
 * longer run of this study would be expected to approach.
 */
export const NB201_SUPERNET_ANCHORS: readonly { readonly source: string; readonly supernet: string; readonly budget: string; readonly tau: string }[] = [
  { source: 'EFS-NAS logs (25k split, batch 64)', supernet: 'C=16, N=5, uniform single path', budget: '250 epochs (≈ 98k updates)', tau: '0.573' },
  { source: 'EFS-NAS logs', supernet: 'C=16, N=5', budget: '1,000 epochs', tau: '0.652' },
  { source: 'EFS-NAS logs', supernet: 'C=5, N=5', budget: '250 epochs', tau: '0.597' },
  { source: 'EFS-NAS logs', supernet: 'C=5, N=5, batch 128', budget: '1,000 epochs', tau: '0.701' },
  { source: 'few-shot-NAS one-shot supernet (released)', supernet: 'C=16, N=5', budget: '600 epochs of 50k', tau: '0.465–0.485 (maintainer: 0.502)' },
];

/** The anchors, then this study's τ at its largest budget for every series, in one table. */
export function anchorRows(result: FairnessAblationResult): Record<string, string>[] {
  const c = result.config;
  const epochs = (updates: number): string => ((updates * c.batchSize) / (10_000 - c.holdout)).toFixed(1);
  const ours = result.summary.map((s) => ({
    source: 'this study',
    supernet: `C=${c.supernet.channels}, N=${c.supernet.cellsPerStage}, ${c.supernet.inputSize}×${c.supernet.inputSize}, ${seriesLabel(s.sampler)}`,
    budget: `${s.updates.toLocaleString('en-US')} updates (≈ ${epochs(s.updates)} epochs of ${10_000 - c.holdout} images)`,
    tau: `${fmt(s.tauMean)} ± ${fmt(s.tauStd)} (${s.seeds} seeds)`,
  }));
  return [...NB201_SUPERNET_ANCHORS.map((a) => ({ ...a })), ...ours];
}

/**
 * The discussion's findings, computed from this run (so they hold whatever
 * the result): each series against the baselines at the largest budget,
 * strict fairness against EF-5 and against the compute-matched uniform at
 * every budget, the trend with budget, and loss against accuracy scoring.
 */
export function fairnessFindings(result: FairnessAblationResult): string[] {
  const b = result.baselines;
  const last = result.config.evalAt.length - 1;
  const lines: string[] = [];
  const signed = (v: number): string => `${v >= 0 ? '+' : ''}${fmt(v)}`;
  const seriesTau = (name: string, measure: CurveMeasure, i: number): number => curveSummary(result.runs, name, result.config.seeds, measure)[i]!.mean;
  const names = result.summary.map((s) => s.sampler);
  for (const name of names) {
    const t = seriesTau(name, 'tau', last);
    const first = seriesTau(name, 'tau', 0);
    const versus = Number.isFinite(b.paramsVsTruth) ? `; ${t > b.paramsVsTruth ? 'above' : 'below'} the parameter count (${fmt(b.paramsVsTruth)}) by ${fmt(Math.abs(t - b.paramsVsTruth))}` : '';
    const proxy = Number.isFinite(b.truth12VsTruth) ? ` and ${t > b.truth12VsTruth ? 'above' : 'below'} the 12-epoch training (${fmt(b.truth12VsTruth)})` : '';
    lines.push(`${seriesLabel(name)}: τ ${fmt(first)} at the smallest budget → ${fmt(t)} at the largest (${signed(t - first)})${versus}${proxy}.`);
  }
  const pick = (a: string, bName: string): BudgetComparison[] => result.budgetComparisons.filter((c) => c.a === a && c.b === bName && c.measure === 'tau');
  const describe = (title: string, cs: BudgetComparison[]): void => {
    if (cs.length === 0) return;
    const parts = cs.map((c) => `${c.updatesA.toLocaleString('en-US')}: ${signed(c.test.meanDifference)}${Number.isFinite(c.test.lower) ? ` [${fmt(c.test.lower)}, ${fmt(c.test.upper)}]${c.resolved ? ' resolved' : ''}` : ''}`);
    const resolved = cs.filter((c) => c.resolved).length;
    lines.push(`${title} (Δτ by updates, 95 % CI over seeds): ${parts.join('; ')} — ${resolved === 0 ? 'no budget resolves a difference' : `${resolved} of ${cs.length} budgets resolve one`}.`);
  };
  describe('Strict fairness alone, strict-fair − EF-5 at equal updates and passes', pick('strict-fair', 'ef-5'));
  const matched = names.find(isComputeMatched);
  if (matched) describe(`Strict-fair − ${matched} at equal forward/backward passes (updates of strict-fair shown)`, pick('strict-fair', matched));
  describe('Strict-fair − uniform at equal updates (5× the passes)', pick('strict-fair', 'uniform'));
  const lossGain = names.map((n) => seriesTau(n, 'tauLoss', last) - seriesTau(n, 'tau', last));
  if (lossGain.every(Number.isFinite)) {
    lines.push(`Scoring by held-out loss instead of accuracy changes τ at the largest budget by ${lossGain.map((g, i) => `${signed(g)} (${names[i]})`).join(', ')}.`);
  }
  return lines;
}

