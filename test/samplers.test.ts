import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng } from '../src/core/rng.js';
import { NB201_NUM_EDGES, NB201_NUM_OPS, type Nb201Arch } from '../src/spaces/nb201.js';
import {
  ExpectationFairSampler,
  StrictFairSampler,
  UniformSampler,
  createSampler,
  type Sampler,
  type SamplerState,
} from '../src/supernet/samplers.js';
import { restoreRng } from '../src/core/rng.js';

/** Runs `steps` updates, recording each; calls `check(counts, step)` after each. */
function drive(sampler: Sampler, steps: number, check?: (counts: Int32Array[], step: number, paths: Nb201Arch[]) => void): Nb201Arch[][] {
  const all: Nb201Arch[][] = [];
  const first = sampler.state().nextStep;
  for (let s = 0; s < steps; s++) {
    const paths = sampler.next(first + s);
    sampler.recordUpdate(paths);
    all.push(paths);
    check?.(sampler.counts(), s, paths);
  }
  return all;
}

const flat = (counts: Int32Array[]): number[] => counts.flatMap((row) => Array.from(row));

test('strict fairness: every (edge, op) has the same count after every step', () => {
  for (const seed of [0, 1, 7, 'abc']) {
    const sampler = new StrictFairSampler(seed);
    assert.equal(sampler.pathsPerStep, 5);
    drive(sampler, 300, (counts, step, paths) => {
      assert.equal(paths.length, NB201_NUM_OPS);
      // Each edge's ops across the 5 paths are a permutation of 0..4.
      for (let e = 0; e < NB201_NUM_EDGES; e++) {
        assert.deepEqual(paths.map((p) => p[e]).sort(), [0, 1, 2, 3, 4], `seed ${seed} step ${step} edge ${e}`);
      }
      for (const c of flat(counts)) assert.equal(c, step + 1, `seed ${seed} step ${step}`);
    });
  }
});

test('strict fairness: the permutations differ between edges and steps (not a fixed schedule)', () => {
  const paths = drive(new StrictFairSampler(3), 50);
  const firstPaths = new Set(paths.map((p) => JSON.stringify(p[0])));
  assert.ok(firstPaths.size > 40, `the first path of a step should vary; saw only ${firstPaths.size} distinct in 50 steps`);
  const edgeColumns = new Set(Array.from({ length: NB201_NUM_EDGES }, (_, e) => JSON.stringify(paths[0]!.map((p) => p[e]))));
  assert.ok(edgeColumns.size > 1, 'edges should draw independent permutations');
});

test('uniform (SPOS) is fair only in expectation: unequal after a few steps, inside a binomial band after many', () => {
  const few = new UniformSampler(11);
  drive(few, 5);
  const fewCounts = flat(few.counts());
  assert.notEqual(Math.min(...fewCounts), Math.max(...fewCounts), 'after 5 uniform steps the counts should not all be equal');

  for (const seed of [1, 2, 3]) {
    const sampler = new UniformSampler(seed);
    const n = 5000;
    drive(sampler, n);
    const p = 1 / NB201_NUM_OPS;
    const sd = Math.sqrt(n * p * (1 - p));
    const counts = sampler.counts();
    for (let e = 0; e < NB201_NUM_EDGES; e++) {
      assert.equal(counts[e]!.reduce((a, b) => a + b, 0), n, 'one op per edge per step');
      for (let o = 0; o < NB201_NUM_OPS; o++) {
        const z = (counts[e]![o]! - n * p) / sd;
        assert.ok(Math.abs(z) < 4.5, `seed ${seed} edge ${e} op ${o}: count ${counts[e]![o]} is ${z.toFixed(2)} sd from ${n * p}`);
      }
    }
    const all = flat(counts);
    assert.ok(Math.max(...all) > Math.min(...all), 'uniform counts are not exactly equal');
  }
});

test('EF-k: k uniform paths per step; counts sum to k per edge per step and are fair in expectation only', () => {
  const k = 3;
  const sampler = new ExpectationFairSampler({ k }, 5);
  assert.equal(sampler.name, 'ef-3');
  assert.equal(sampler.pathsPerStep, k);
  const n = 2000;
  let sawUnequal = false;
  drive(sampler, n, (counts, step, paths) => {
    assert.equal(paths.length, k);
    for (const row of counts) assert.equal(row.reduce((a, b) => a + b, 0), k * (step + 1));
    const f = flat(counts);
    if (Math.max(...f) !== Math.min(...f)) sawUnequal = true;
  });
  assert.ok(sawUnequal);
  const draws = k * n;
  const sd = Math.sqrt(draws * 0.2 * 0.8);
  for (const c of flat(sampler.counts())) assert.ok(Math.abs(c - draws / 5) < 4.5 * sd, `count ${c} vs ${draws / 5}`);

  // Even k = 5 (same number of paths as strict fairness) is not strictly fair.
  const ef5 = new ExpectationFairSampler({ k: 5 }, 9);
  let unequalSteps = 0;
  drive(ef5, 20, (counts) => {
    const f = flat(counts);
    if (Math.max(...f) !== Math.min(...f)) unequalSteps++;
  });
  assert.ok(unequalSteps > 15, `EF-5 should be unequal at most steps, was at ${unequalSteps} of 20`);
});

test('sampler state save/restore (through JSON) reproduces the rest of the sequence and the counts', () => {
  const makers: [string, (seed: number) => Sampler][] = [
    ['uniform', (s) => new UniformSampler(s)],
    ['ef-4', (s) => new ExpectationFairSampler({ k: 4 }, s)],
    ['strict-fair', (s) => new StrictFairSampler(s)],
  ];
  for (const [name, make] of makers) {
    const original = make(42);
    drive(original, 13);
    const saved = JSON.parse(JSON.stringify(original.state())) as SamplerState;
    const continued = drive(original, 10);
    const restored = make(999); // a different seed: everything must come from the state
    restored.restore(saved);
    const replayed = drive(restored, 10);
    assert.deepEqual(replayed, continued, `${name}: sequence after restore`);
    assert.deepEqual(flat(restored.counts()), flat(original.counts()), `${name}: counts after restore`);
    // Different seeds really differ (the check above is not vacuous).
    assert.notDeepEqual(drive(make(999), 10), drive(make(42), 10), `${name}: seeds should matter`);
  }
});

test('samplers reject out-of-order steps, foreign states and bad k', () => {
  const s = new UniformSampler(0);
  s.next(0);
  assert.throws(() => s.next(5), /asked for step 5 but the next step is 1/);
  assert.throws(() => s.restore(new StrictFairSampler(0).state()), /cannot restore a state saved by sampler "strict-fair"/);
  assert.throws(() => new ExpectationFairSampler({ k: 0 }, 0), /ExpectationFairSampler: k is 0, expected an integer ≥ 1/);
  assert.throws(() => s.recordUpdate([[0, 1, 2]]), /must have 6 edge ops/);
  assert.throws(() => createSampler({ kind: 'nope' } as never, 0), /unknown sampler kind "nope"/);
  assert.equal(createSampler({ kind: 'ef', k: 2 }, 0).name, 'ef-2');
  assert.equal(createSampler({ kind: 'strict-fair' }, 0).name, 'strict-fair');
  assert.equal(createSampler({ kind: 'uniform' }, 0).name, 'uniform');
});

test('counts() returns a copy', () => {
  const s = new StrictFairSampler(0);
  drive(s, 1);
  s.counts()[0]![0] = 99;
  assert.equal(s.counts()[0]![0], 1);
});

test('stateful RNG: same stream as createRng, and state() resumes it exactly', () => {
  const a = createRng('seed-x');
  const b = createRng('seed-x');
  for (let i = 0; i < 20; i++) assert.equal(b(), a());
  assert.deepEqual(b.shuffle([1, 2, 3, 4, 5, 6]), a.shuffle([1, 2, 3, 4, 5, 6]));
  assert.deepEqual(Array.from(b.sampleIndices(100, 7)), Array.from(a.sampleIndices(100, 7)));
  assert.equal(b.fork('w')(), a.fork('w')());
  const saved = JSON.parse(JSON.stringify(b.state()));
  const next = [b(), b.int(10), b()];
  const c = restoreRng(saved);
  assert.deepEqual([c(), c.int(10), c()], next);
  assert.equal(c.seed, 'seed-x');
  assert.throws(() => restoreRng({ seed: 'x' } as never), /not an RNG state/);
});
