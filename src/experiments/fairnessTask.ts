/**
 * One run of the FairNAS fairness ablation: train one supernet with one path
 * sampler and one seed (checkpointed, so a killed run resumes), then score
 * every sampled architecture by its supernet accuracy on held-out training
 * images (BN recalibrated per architecture). A pure function of its JSON task,
 * so every executor of the run engine (this thread, a worker thread, a queue
 * worker on another machine) gives the same result; the engine caches it.
 */
import { whenBackendReady } from '../backend.js';
import type { TaskContext } from '../engine/index.js';
import { loadCifar10, type Cifar10Data } from '../loaders/cifar10.js';
import { nb201FromString } from '../spaces/nb201.js';
import { evaluateArchs, prepareEvalData, type ArchEvaluation } from '../supernet/evaluate.js';
import { splitHoldout } from '../supernet/imageBatches.js';
import { trainSupernet, type SupernetTrainConfig } from '../supernet/train.js';

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
  /** Batches of training images the BN statistics are recalibrated on, per architecture. */
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
  /** Architecture strings to score, in order. */
  readonly archs: readonly string[];
}

/** A run plus where it keeps its checkpoint (not part of the cache key). */
export interface FairnessTask {
  readonly run: FairnessRunConfig;
  /** Supernet checkpoint file (one per training config: a changed arch sample reuses the trained supernet). */
  readonly checkpointPath: string;
  /** e.g. `strict-fair seed 1`, for progress lines. */
  readonly label: string;
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
  /** Supernet held-out accuracy and loss of each architecture, in `archs` order. */
  readonly accuracy: readonly number[];
  readonly heldOutLoss: readonly number[];
  readonly heldOutImages: number;
  /** Updates already done (from a checkpoint) when the run that finished it started. */
  readonly resumedFromUpdate: number;
  /** Wall seconds of training and of evaluation in the call that finished the run. */
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

/** Trains (or resumes from its checkpoint) the supernet and scores the architectures. */
export async function runFairnessTask(task: FairnessTask, context?: TaskContext): Promise<FairnessRunResult> {
  const report = context ? (p: FairnessProgress): void => context.progress(describeProgress(p)) : undefined;
  const { train, data: dataSpec, eval: evalSpec, archs } = task.run;
  const label = task.label;
  const backend = await whenBackendReady();
  const archList = archs.map((a) => nb201FromString(a));
  const data = await trainingImages(dataSpec.cifarSource);
  const split = splitHoldout(data.n, dataSpec.holdout, dataSpec.splitSeed);

  const total = train.updates;
  const every = Math.max(1, Math.floor(total / 10));
  let windowLoss = 0;
  let windowCount = 0;
  let resumedFrom = -1;
  report?.({ label, phase: 'start', done: 0, total });
  const trainStart = performance.now();
  const trainer = await trainSupernet(train, data, {
    trainIndices: split.train,
    checkpointPath: task.checkpointPath,
    onStep: (r) => {
      // In this thread an interrupt stops training here; the checkpoint keeps what was done.
      context?.signal.throwIfAborted();
      if (resumedFrom < 0) resumedFrom = r.update;
      windowLoss += r.loss;
      windowCount++;
      const done = r.update + 1;
      if (done % every === 0 || done === total) {
        report?.({ label, phase: 'train', done, total, loss: windowLoss / windowCount });
        windowLoss = 0;
        windowCount = 0;
      }
    },
  });
  try {
    const trainSeconds = (performance.now() - trainStart) / 1000;
    if (resumedFrom < 0) resumedFrom = trainer.updatesDone; // the checkpoint was already complete
    if (trainer.updatesDone !== total) throw new Error(`${label}: training stopped at update ${trainer.updatesDone} of ${total}`);

    const evalStart = performance.now();
    const evalData = prepareEvalData(data, {
      calibrationIndices: split.train,
      heldOutIndices: split.holdout,
      calibrationBatches: evalSpec.calibrationBatches,
      batchSize: evalSpec.batchSize,
      resolution: train.supernet.inputSize,
      normalization: train.normalization,
      seed: evalSpec.seed,
    });
    let evaluations: ArchEvaluation[];
    try {
      const step = Math.max(1, Math.floor(archList.length / 5));
      evaluations = await evaluateArchs(trainer.supernet, archList, evalData, (done, n) => {
        if (done % step === 0 || done === n) report?.({ label, phase: 'eval', done, total: n });
      });
    } finally {
      evalData.dispose();
    }
    const result: FairnessRunResult = {
      sampler: trainer.sampler.name,
      seed: train.seed,
      updates: trainer.updatesDone,
      forwardBackwardPasses: trainer.forwardBackwardPasses,
      epochsStarted: trainer.epochsStarted,
      lossHistory: trainer.lossHistory.slice(),
      counts: trainer.sampler.counts().map((row) => Array.from(row)),
      accuracy: evaluations.map((e) => e.accuracy),
      heldOutLoss: evaluations.map((e) => e.loss),
      heldOutImages: split.holdout.length,
      resumedFromUpdate: resumedFrom,
      trainSeconds,
      evalSeconds: (performance.now() - evalStart) / 1000,
      backend: backend.name,
    };
    report?.({ label, phase: 'done', done: archList.length, total: archList.length });
    return result;
  } finally {
    trainer.dispose();
  }
}
