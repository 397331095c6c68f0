/**
 * One run of the FairNAS fairness ablation: train one supernet with one path
 * sampler and one seed, and at each budget of `evalAt` score every sampled
 * architecture by its supernet accuracy and loss on held-out training images.
 * A pure function of its JSON task, so every executor of the run engine (this
 * thread, a worker thread, a queue worker on another machine) gives the same
 * result; the engine caches it.
 *
 * Resumable at two levels: the training checkpoint (written every
 * `checkpointEvery` updates) and, per budget, a snapshot of the supernet and
 * the scores it gave (a side file keyed by the evaluation settings and the
 * architectures). A killed run redoes at most the updates since the last
 * checkpoint and the budget it was scoring; a new architecture sample is
 * scored from the snapshots without retraining.
 */
import { existsSync, readFileSync } from 'node:fs';
import { whenBackendReady } from '../backend.js';
import { writeFileAtomic } from '../core/atomicWrite.js';
import { configKey } from '../core/configKey.js';
import { moveAsideDamaged } from '../core/damagedFile.js';
import type { TaskContext } from '../engine/index.js';
import { loadCifar10, type Cifar10Data } from '../loaders/cifar10.js';
import { nb201FromString } from '../spaces/nb201.js';
import { evaluateArchs, prepareEvalData, type EvalBn } from '../supernet/evaluate.js';
import { splitHoldout } from '../supernet/imageBatches.js';
import { SupernetTrainer, type SupernetTrainConfig } from '../supernet/train.js';

/** The training images and how they are split. */
export interface FairnessDataSpec {
  /** CIFAR-10 archive or folder; undefined: the data folder's checksum-verified file. */
  readonly cifarSource?: string;
  /** Images of the training split held out for measuring supernet accuracy; the rest train the supernet. */
  readonly holdout: number;
  /** Seeds the held-out split (one split per study, shared by every sampler and seed). */
  readonly splitSeed: string;
}

export interface FairnessEvalSpec {
  /** Batch statistics of each held-out batch, or running statistics recalibrated per architecture. */
  readonly bn: EvalBn;
  /** Batches of training images the BN statistics are recalibrated on, per architecture ('recalibrate' only). */
  readonly calibrationBatches: number;
  readonly batchSize: number;
  /** Seeds which training images the calibration batches hold (the same for every architecture and supernet). */
  readonly seed: string;
}

/** Everything that determines one run's result (hashed into its run key). */
export interface FairnessRunConfig {
  readonly study: 'fairnas-ablation';
  /** Bumped when a code change changes results, so stale cached runs are not reused. */
  readonly version: number;
  readonly train: SupernetTrainConfig;
  readonly data: FairnessDataSpec;
  readonly eval: FairnessEvalSpec;
  /** Update counts to score the architectures at (ascending; the last is the budget). */
  readonly evalAt: readonly number[];
  /** Architecture strings to score, in order. */
  readonly archs: readonly string[];
}

/** A run plus where it keeps its checkpoint (not part of the cache key). */
export interface FairnessTask {
  readonly run: FairnessRunConfig;
  /** Supernet checkpoint file (one per training config: a changed arch sample reuses the trained supernet); snapshots and scores go beside it. */
  readonly checkpointPath: string;
  /** e.g. `strict-fair seed 1`, for progress lines. */
  readonly label: string;
  /** The study line the run belongs to (the sampler's name, or e.g. `uniform ×5`); not part of the run key. */
  readonly series: string;
}

/** The scores of every architecture at one budget. */
export interface FairnessCheckpointScores {
  readonly update: number;
  readonly forwardBackwardPasses: number;
  /** Supernet held-out accuracy and mean cross-entropy of each architecture, in `archs` order. */
  readonly accuracy: readonly number[];
  readonly heldOutLoss: readonly number[];
  readonly evalSeconds: number;
}

export interface FairnessRunResult {
  readonly sampler: string;
  readonly seed: number;
  readonly updates: number;
  readonly forwardBackwardPasses: number;
  readonly epochsStarted: number;
  /** Mean path loss of every update. */
  readonly lossHistory: readonly number[];
  /** `counts[edge][op]`: forward/backward passes that trained each choice block. */
  readonly counts: readonly (readonly number[])[];
  /** Supernet held-out accuracy and loss of each architecture at the budget, in `archs` order. */
  readonly accuracy: readonly number[];
  readonly heldOutLoss: readonly number[];
  /** The same at every budget of `evalAt` (the last is the budget). */
  readonly checkpoints: readonly FairnessCheckpointScores[];
  readonly heldOutImages: number;
  /** Updates already done (from a checkpoint) when the run that finished it started. */
  readonly resumedFromUpdate: number;
  /** Wall seconds of training and of evaluation (all budgets) in the call that finished the run. */
  readonly trainSeconds: number;
  readonly evalSeconds: number;
  readonly backend: string;
}

/** Progress of a task, shown beside the run by the engine. */
export interface FairnessProgress {
  readonly label: string;
  readonly phase: 'start' | 'train' | 'eval' | 'done';
  readonly done: number;
  readonly total: number;
  /** Mean loss of the last reported updates (phase 'train'). */
  readonly loss?: number;
}

const cifarByThread = new Map<string, Promise<Cifar10Data>>();

/** CIFAR-10 training images, loaded once per thread. */
function trainingImages(source: string | undefined): Promise<Cifar10Data> {
  const key = source ?? '<data folder>';
  let hit = cifarByThread.get(key);
  if (!hit) {
    hit = loadCifar10({ split: 'train', ...(source ? { source } : {}) });
    // A failed load must not stay cached (e.g. the data folder was fixed).
    hit.catch(() => cifarByThread.delete(key));
    cifarByThread.set(key, hit);
  }
  return hit;
}

/** Progress as the run engine shows it beside the run. */
function describeProgress(p: FairnessProgress): string {
  switch (p.phase) {
    case 'start':
      return `started, ${p.total} updates`;
    case 'train':
      return `update ${p.done}/${p.total}, loss ${p.loss?.toFixed(3)}`;
    case 'eval':
      return `evaluated ${p.done}/${p.total} architectures`;
    case 'done':
      return 'done';
  }
}

/** Where the snapshot of the supernet at an intermediate budget goes (beside the training checkpoint). */
export function snapshotPath(checkpointPath: string, update: number): string {
  return `${checkpointPath.replace(/\.json$/, '')}-at${update}.json`;
}

/** The side file of scores for this evaluation setting and architecture list. */
export function scoresPath(task: FairnessTask): string {
  const { data, eval: evalSpec, archs } = task.run;
  return `${task.checkpointPath.replace(/\.json$/, '')}-scores-${configKey({ data, eval: evalSpec, archs })}.json`;
}

interface ScoresFile {
  readonly format: 'fairnas-scores';
  readonly archs: readonly string[];
  readonly checkpoints: FairnessCheckpointScores[];
}

/** Scores already computed for this task (a damaged file is moved aside, with a warning on stderr, and recomputed). */
function readScores(path: string, archs: readonly string[]): FairnessCheckpointScores[] {
  if (!existsSync(path)) return [];
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as ScoresFile;
    const sameArchs = parsed.format === 'fairnas-scores' && Array.isArray(parsed.checkpoints) && JSON.stringify(parsed.archs) === JSON.stringify(archs);
    if (!sameArchs || !parsed.checkpoints.every((c) => Number.isInteger(c.update) && c.accuracy?.length === archs.length && c.heldOutLoss?.length === archs.length)) {
      throw new Error('not a scores file of this architecture list');
    }
    return parsed.checkpoints;
  } catch (err) {
    moveAsideDamaged(path, (err as Error).message, 'supernet scores file');
    return [];
  }
}

/**
 * Trains (or resumes) the supernet to each budget of `evalAt`, keeps a
 * snapshot at each intermediate one and scores the architectures there; a
 * budget already scored costs nothing, one with a snapshot no training.
 */
export async function runFairnessTask(task: FairnessTask, context?: TaskContext): Promise<FairnessRunResult> {
  const report = context ? (p: FairnessProgress): void => context.progress(describeProgress(p)) : undefined;
  const { train, data: dataSpec, eval: evalSpec, archs, evalAt } = task.run;
  const label = task.label;
  const backend = await whenBackendReady();
  const archList = archs.map((a) => nb201FromString(a));
  const data = await trainingImages(dataSpec.cifarSource);
  const split = splitHoldout(data.n, dataSpec.holdout, dataSpec.splitSeed);
  const total = train.updates;
  if (evalAt[evalAt.length - 1] !== total) throw new Error(`${label}: evalAt must end at the budget ${total}, got ${evalAt.join(', ')}`);
  const scoresFile = scoresPath(task);
  const scores = new Map(readScores(scoresFile, archs).map((c) => [c.update, c] as const));
  const saveScores = (): void => {
    const file: ScoresFile = { format: 'fairnas-scores', archs, checkpoints: [...scores.values()].sort((a, b) => a.update - b.update) };
    writeFileAtomic(scoresFile, JSON.stringify(file));
  };

  const every = Math.max(1, Math.floor(total / 10));
  let windowLoss = 0;
  let windowCount = 0;
  let resumedFrom = -1;
  let trainSeconds = 0;
  let evalSeconds = 0;
  const onStep = (r: { update: number; loss: number }): void => {
    // In this thread an interrupt stops training here; the checkpoint keeps what was done.
    context?.signal.throwIfAborted();
    windowLoss += r.loss;
    windowCount++;
    const done = r.update + 1;
    if (done % every === 0 || done === total) {
      report?.({ label, phase: 'train', done, total, loss: windowLoss / windowCount });
      windowLoss = 0;
      windowCount = 0;
    }
  };
  let trainer: SupernetTrainer | null = null;
  /** The run's trainer at exactly `update` updates: resumed from the checkpoint (restarted when that is past `update`), then trained on. */
  const trainTo = async (update: number): Promise<SupernetTrainer> => {
    if (trainer && trainer.updatesDone > update) {
      trainer.dispose();
      trainer = null;
    }
    if (!trainer) {
      trainer = await SupernetTrainer.openOrCreate(task.checkpointPath, train, data, split.train);
      if (resumedFrom < 0) resumedFrom = trainer.updatesDone;
      // The checkpoint is past this budget and its snapshot is gone: training is deterministic, so start again.
      if (trainer.updatesDone > update) {
        trainer.dispose();
        trainer = SupernetTrainer.create(train, data, split.train);
      }
    }
    const started = performance.now();
    await trainer.run({ untilUpdate: update, checkpointPath: task.checkpointPath, onStep });
    trainSeconds += (performance.now() - started) / 1000;
    return trainer;
  };
  /** The supernet at an intermediate budget: from its snapshot, else trained there and snapshotted. */
  const supernetAt = async (update: number): Promise<{ scorer: SupernetTrainer; own: boolean }> => {
    const snapshot = snapshotPath(task.checkpointPath, update);
    if (update !== total && existsSync(snapshot)) {
      const scorer = await SupernetTrainer.openOrCreate(snapshot, train, data, split.train);
      if (scorer.updatesDone === update) return { scorer, own: true };
      scorer.dispose(); // a damaged snapshot was moved aside
    }
    const scorer = await trainTo(update);
    if (update !== total) await scorer.saveCheckpoint(snapshot);
    return { scorer, own: false };
  };

  report?.({ label, phase: 'start', done: 0, total });
  const evalData = prepareEvalData(data, {
    bn: evalSpec.bn,
    calibrationIndices: split.train,
    heldOutIndices: split.holdout,
    calibrationBatches: evalSpec.calibrationBatches,
    batchSize: evalSpec.batchSize,
    resolution: train.supernet.inputSize,
    normalization: train.normalization,
    seed: evalSpec.seed,
  });
  try {
    for (const update of evalAt) {
      if (scores.has(update) && update !== total) continue;
      const { scorer, own } = await supernetAt(update);
      try {
        if (scores.has(update)) continue;
        const started = performance.now();
        const step = Math.max(1, Math.floor(archList.length / 5));
        const evaluations = await evaluateArchs(scorer.supernet, archList, evalData, (done, n) => {
          context?.signal.throwIfAborted();
          if (done % step === 0 || done === n) report?.({ label: `${label} @${update}`, phase: 'eval', done, total: n });
        });
        const seconds = (performance.now() - started) / 1000;
        evalSeconds += seconds;
        scores.set(update, {
          update,
          forwardBackwardPasses: scorer.forwardBackwardPasses,
          accuracy: evaluations.map((e) => e.accuracy),
          heldOutLoss: evaluations.map((e) => e.loss),
          evalSeconds: seconds,
        });
        saveScores();
      } finally {
        if (own) scorer.dispose();
      }
    }
    // The loop ended on the budget, so the run's trainer is there.
    const done = trainer as SupernetTrainer | null;
    if (!done || done.updatesDone !== total) throw new Error(`${label}: training stopped at update ${done?.updatesDone ?? 0} of ${total}`);
    const checkpoints = evalAt.map((u) => scores.get(u)!);
    const last = checkpoints[checkpoints.length - 1]!;
    const result: FairnessRunResult = {
      sampler: done.sampler.name,
      seed: train.seed,
      updates: done.updatesDone,
      forwardBackwardPasses: done.forwardBackwardPasses,
      epochsStarted: done.epochsStarted,
      lossHistory: done.lossHistory.slice(),
      counts: done.sampler.counts().map((row) => Array.from(row)),
      accuracy: last.accuracy,
      heldOutLoss: last.heldOutLoss,
      checkpoints,
      heldOutImages: split.holdout.length,
      resumedFromUpdate: resumedFrom < 0 ? total : resumedFrom,
      trainSeconds,
      evalSeconds,
      backend: backend.name,
    };
    report?.({ label, phase: 'done', done: archList.length, total: archList.length });
    return result;
  } finally {
    evalData.dispose();
    (trainer as SupernetTrainer | null)?.dispose();
  }
}
