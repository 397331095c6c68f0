import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/backend.js';
import '@tensorflow/tfjs';
import { createRng } from '../src/core/rng.js';
import type { BenchRecord, Predictor, PredictorFactory, SearchResult } from '../src/core/types.js';
import { createGraphEncoder } from '../src/encoders/graphOneHot.js';
import { bestFoundCurve } from '../src/metrics/index.js';
import { gcnPredictorFactory } from '../src/predictors/gcn.js';
import { argsortDescending, type GraphFitOptions, type GrowablePredictor } from '../src/predictors/types.js';
import { btsSchedule, createBtsSearch } from '../src/searchers/bts.js';
import { createPredictorTopKSearch } from '../src/searchers/predictorTopK.js';
import { createRandomSearch } from '../src/searchers/randomSearch.js';
import { SYNTHETIC_NUM_OPS, syntheticGraphBenchmark, syntheticNodeGraph, type SyntheticArch } from './fixtures/syntheticGraphSpace.js';

before(async () => {
  // wasm with the project's training kernels: several times faster than cpu for the 10-node, width-64 real-data runs.
  await initBackend({ prefer: 'wasm' });
});

const bench = syntheticGraphBenchmark(240, 21);
const truth = (r: BenchRecord<SyntheticArch>): number => r.metrics['acc']!;

function assertWellFormed(result: SearchResult, expectedLength: number): void {
  assert.equal(result.queried.length, expectedLength, 'exactly N + K queries');
  assert.equal(result.values.length, expectedLength);
  assert.equal(new Set(result.queried).size, expectedLength, 'no architecture queried twice');
  result.queried.forEach((id, i) => assert.equal(result.values[i], truth(bench.get(id)), `value of query ${i} is the true one`));
}

/** Ranks by the true target (an ideal predictor), and can grow its training set like the graph predictors. */
function oracle(growthPhaseEpochs = 22, trainingSizes: number[] = []): GrowablePredictor<SyntheticArch> {
  const rank = async (rs: readonly BenchRecord<SyntheticArch>[]): Promise<Int32Array> => argsortDescending(rs.map(truth));
  return {
    name: 'oracle',
    requires: [],
    growthPhaseEpochs,
    async fit(records, targets, opts?: GraphFitOptions<SyntheticArch>) {
      assert.equal(targets.length, records.length);
      let size = records.length;
      if (opts?.growth) {
        for (let e = 1; e <= growthPhaseEpochs; e++) {
          const added = await opts.growth.onEpochEnd({ epochInPhase: e, phaseEpochs: growthPhaseEpochs, rank });
          if (added) size += added.records.length;
        }
      }
      trainingSizes.push(size);
      return { epochs: growthPhaseEpochs, lossHistory: [] };
    },
    predict: async (rs) => Float32Array.from(rs.map(truth)),
    rank,
    dispose() {},
  };
}

test('random search: N + K distinct true lookups, reproducible from the rng, monotone best-found curve', async () => {
  const search = createRandomSearch<SyntheticArch>();
  const a = await search.search(bench, 'acc', { trainSamples: 20, topK: 7 }, createRng(1));
  const b = await search.search(bench, 'acc', { trainSamples: 20, topK: 7 }, createRng(1));
  const c = await search.search(bench, 'acc', { trainSamples: 20, topK: 7 }, createRng(2));
  assertWellFormed(a, 27);
  assert.deepEqual(a.queried, b.queried);
  assert.notDeepEqual(a.queried, c.queried);
  const curve = bestFoundCurve(a.values);
  for (let i = 1; i < curve.length; i++) assert.ok(curve[i]! >= curve[i - 1]!, `best-found curve drops at ${i}`);
  assert.equal(curve[curve.length - 1], Math.max(...a.values));
  await assert.rejects(search.search(bench, 'acc', { trainSamples: 200, topK: 41 }, createRng(1)), /exceeds the 240 architectures/);
  await assert.rejects(search.search(bench, 'nope', { trainSamples: 2, topK: 0 }, createRng(1)), /no value for target metric "nope"/);
});

test('predictor top-K: N random, then the K best-ranked unseen; with an ideal predictor those are the best of the rest', async () => {
  const search = createPredictorTopKSearch<SyntheticArch>({ predictorFactory: () => oracle() });
  const result = await search.search(bench, 'acc', { trainSamples: 30, topK: 10 }, createRng(3));
  assertWellFormed(result, 40);
  const trained = new Set(result.queried.slice(0, 30));
  const bestUnseen = bench
    .all()
    .filter((r) => !trained.has(r.id))
    .sort((x, y) => truth(y) - truth(x))
    .slice(0, 10)
    .map((r) => r.id);
  assert.deepEqual(result.queried.slice(30), bestUnseen);
  // The N training archs are the searcher's random draw, the same for the same rng.
  const again = await search.search(bench, 'acc', { trainSamples: 30, topK: 10 }, createRng(3));
  assert.deepEqual(again.queried, result.queried);
});

test('predictor top-K with a real GCN predictor: budget respected, the predictor is disposed', async () => {
  const encoder = createGraphEncoder<SyntheticArch>({ toNodeGraph: syntheticNodeGraph, numOpTypes: SYNTHETIC_NUM_OPS, maxNodes: 7 });
  const factory = gcnPredictorFactory<SyntheticArch>({
    encoder,
    config: { hidden: 8, stepsPerEpoch: 2, phases: [{ epochs: 3, learningRate: 1e-2 }] },
  });
  const before = tf.memory().numTensors;
  const search = createPredictorTopKSearch<SyntheticArch>({ predictorFactory: factory });
  const result = await search.search(bench, 'acc', { trainSamples: 24, topK: 6 }, createRng(4));
  assertWellFormed(result, 30);
  assert.equal(tf.memory().numTensors, before);
  const again = await search.search(bench, 'acc', { trainSamples: 24, topK: 6 }, createRng(4));
  assert.deepEqual(again.queried, result.queried, 'same rng → same search (seeded predictor)');
});

test('BTS schedule: ⌊0.3·N⌋ random, the rest in 10 stages, stage i after epoch ⌊W/11⌋·i', () => {
  const official = btsSchedule(100, { initialFraction: 0.3, stages: 10, growthPhaseEpochs: 100 });
  assert.equal(official.initialCount, 30);
  assert.deepEqual(official.perStage, [7, 7, 7, 7, 7, 7, 7, 7, 7, 7]);
  assert.deepEqual(official.stageEpochs, [9, 18, 27, 36, 45, 54, 63, 72, 81, 90]);
  const odd = btsSchedule(47, { initialFraction: 0.3, stages: 10, growthPhaseEpochs: 22 });
  assert.equal(odd.initialCount, 14);
  assert.deepEqual(odd.perStage, [3, 3, 3, 3, 3, 3, 3, 3, 3, 6]);
  assert.deepEqual(odd.stageEpochs, [2, 4, 6, 8, 10, 12, 14, 16, 18, 20]);
  assert.throws(() => btsSchedule(47, { initialFraction: 0.3, stages: 10, growthPhaseEpochs: 10 }), /too few for 10 stages/);
});

test('BTS: initial random set, 10 stages of top unseen picks from a random share of the space, then top K; N + K distinct', async () => {
  const sizes: number[] = [];
  const search = createBtsSearch<SyntheticArch>({ predictorFactory: () => oracle(22, sizes), stageSearchFraction: 0.2 });
  const budget = { trainSamples: 47, topK: 8 };
  const result = await search.search(bench, 'acc', budget, createRng(5));
  assertWellFormed(result, 55);
  assert.equal(result.initialCount, 14);
  assert.equal(result.stages.length, 10);
  assert.deepEqual(
    result.stages.map((s) => s.added.length),
    [3, 3, 3, 3, 3, 3, 3, 3, 3, 6],
  );
  assert.deepEqual(
    result.stages.map((s) => s.epochInPhase),
    [2, 4, 6, 8, 10, 12, 14, 16, 18, 20],
  );
  result.stages.forEach((s) => assert.equal(s.searched, 48, 'each stage ranks a fifth of the 240 archs here'));
  // Queries come in order: initial, stage additions, top K.
  const stageIds = result.stages.flatMap((s) => s.added);
  assert.deepEqual(result.queried.slice(14, 47), stageIds);
  assert.deepEqual(sizes, [47], 'the predictor ended up trained on all N');
  // With an ideal predictor the final K are the best architectures not yet trained.
  const trained = new Set(result.queried.slice(0, 47));
  const bestUnseen = bench
    .all()
    .filter((r) => !trained.has(r.id))
    .sort((x, y) => truth(y) - truth(x))
    .slice(0, 8)
    .map((r) => r.id);
  assert.deepEqual(result.queried.slice(47), bestUnseen);
  // Stage picks are good ones: an ideal predictor's picks beat the random initial set on average.
  const mean = (ids: readonly string[]): number => ids.reduce((s, id) => s + truth(bench.get(id)), 0) / ids.length;
  assert.ok(mean(stageIds) > mean(result.queried.slice(0, 14)));
});

test('BTS with a real GCN predictor grows its training set during training', async () => {
  const encoder = createGraphEncoder<SyntheticArch>({ toNodeGraph: syntheticNodeGraph, numOpTypes: SYNTHETIC_NUM_OPS, maxNodes: 7 });
  const factory = gcnPredictorFactory<SyntheticArch>({
    encoder,
    config: {
      hidden: 8,
      stepsPerEpoch: 1,
      phases: [
        { epochs: 1, learningRate: 1e-2 },
        { epochs: 11, learningRate: 1e-2 },
        { epochs: 1, learningRate: 1e-3 },
      ],
    },
  });
  const search = createBtsSearch<SyntheticArch>({ predictorFactory: factory, stageSearchFraction: 0.2 });
  const result = await search.search(bench, 'acc', { trainSamples: 40, topK: 5 }, createRng(6));
  assertWellFormed(result, 45);
  assert.equal(result.initialCount, 12);
  assert.deepEqual(
    result.stages.map((s) => s.epochInPhase),
    [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
  );
  assert.equal(result.stages.reduce((s, st) => s + st.added.length, 0), 28);
});

test('BTS refuses a predictor that cannot grow its training set', async () => {
  const plain: PredictorFactory<SyntheticArch> = (): Predictor<SyntheticArch> => ({
    name: 'plain',
    requires: [],
    fit: async () => ({ epochs: 0, lossHistory: [] }),
    predict: async (rs) => new Float32Array(rs.length),
    dispose() {},
  });
  const search = createBtsSearch<SyntheticArch>({ predictorFactory: plain });
  await assert.rejects(search.search(bench, 'acc', { trainSamples: 20, topK: 2 }, createRng(7)), /cannot add training records/);
});
