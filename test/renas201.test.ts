import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { initBackend } from '../src/backend.js';
import { createRng } from '../src/core/rng.js';
import type { BenchRecord } from '../src/core/types.js';
import { RENAS_FLOPS_SCALE, RENAS_PARAMS_SCALE } from '../src/encoders/renasTensor.js';
import { RENAS201_FEATURES, RENAS201_SHAPE, encodeRenas201Tensor, nb201RenasTensor } from '../src/encoders/renasTensor201.js';
import { parseRenas201Args } from '../src/cli/renas201.js';
import { textTable } from '../src/cli/textTable.js';
import { renasNb201Rows, renasNb201TauFigure } from '../src/experiments/renasFigures.js';
import {
  checkRenasNb201Config,
  renasNb201Config,
  renasNb201TrainSize,
  runRenasNb201,
  summarizeRenasNb201,
  type RenasNb201Config,
  type RenasNb201Row,
} from '../src/experiments/renasNb201.js';
import { renasRunKey } from '../src/experiments/renasRunTask.js';
import { NB201_CELLS_ZIP } from '../src/loaders/cellJson.js';
import { findDataPath } from '../src/loaders/dataFiles.js';
import { kendallTau } from '../src/metrics/kendallTau.js';
import { RenasPredictor } from '../src/predictors/renas.js';
import { RenasNet } from '../src/predictors/renasNet.js';
import { NB201_OPS, nb201FromOrdinal, nb201FromString, type Nb201Arch } from '../src/spaces/nb201.js';
import { nb201CellSites, nb201Cost } from '../src/spaces/nb201Cost.js';

const REAL = findDataPath(NB201_CELLS_ZIP);
const realSkip = REAL ? false : `real data not found: ${NB201_CELLS_ZIP}`;
const tmp = mkdtempSync(join(tmpdir(), 'renas201-test-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
before(async () => {
  await initBackend();
});

const plane = 16;
const at = (t: Float32Array, c: number, i: number, j: number): number => t[c * plane + i * 4 + j]!;
const op = (name: string): number => NB201_OPS.indexOf(name as (typeof NB201_OPS)[number]);

describe('ReNAS tensor of NAS-Bench-201 cells (31x4x4)', () => {
  // The public encoder's own example cell (AlbertiPot/nar, data/nasbench201_vertice_example.json, arch 0).
  const example = nb201FromString('|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|');

  test('type channel: op codes on the edges, as the public encoder writes `cell_adjacency`', () => {
    const t = encodeRenas201Tensor(example, 'cifar10');
    const type = [0, 1, 2, 3].map((i) => [0, 1, 2, 3].map((j) => at(t, 0, i, j)));
    assert.deepEqual(type, [
      [0, 4, 2, 2],
      [0, 0, 1, 1],
      [0, 0, 0, 1],
      [0, 0, 0, 0],
    ]);
  });

  test('parameter channels equal the public encoder’s per-cell values; FLOPs are conv multiply-adds (its files add 2·C·S²)', () => {
    const t = encodeRenas201Tensor(example, 'cifar10');
    // conv1x1 edges 0→2 and 0→3; the public file: 288 / 1,088 / 4,224 parameters in stages 1 / 2 / 3.
    const stageParams = [288, 1088, 4224];
    const stageFlops = [16 * 16 * 32 * 32, 32 * 32 * 16 * 16, 64 * 64 * 8 * 8]; // public file: 294,912 / 278,528 / 270,336
    for (let k = 0; k < 15; k++) {
      const stage = Math.floor(k / 5);
      for (const [i, j] of [
        [0, 2],
        [0, 3],
      ] as const) {
        // float32 storage: equal to 1e-6 relative.
        assert.ok(Math.abs(at(t, 2 + 2 * k, i, j) / RENAS_PARAMS_SCALE / stageParams[stage]! - 1) < 1e-6, `cell ${k} params at ${i}→${j}`);
        assert.ok(Math.abs(at(t, 1 + 2 * k, i, j) / RENAS_FLOPS_SCALE / stageFlops[stage]! - 1) < 1e-6, `cell ${k} FLOPs at ${i}→${j}`);
      }
      // skip and avg-pool edges cost nothing.
      assert.equal(at(t, 1 + 2 * k, 0, 1), 0);
      assert.equal(at(t, 2 + 2 * k, 1, 2), 0);
    }
  });

  test('the cost channels sum to the network cost of the cells (nb201Cost minus the all-none network) on every dataset', () => {
    const rng = createRng('renas201-sums');
    const none = Array(6).fill(op('none')) as Nb201Arch;
    for (const dataset of ['cifar10', 'cifar100', 'imagenet16'] as const) {
      assert.equal(nb201CellSites(dataset).length, 15);
      for (let r = 0; r < 40; r++) {
        const arch = nb201FromOrdinal(rng.int(15625));
        const t = encodeRenas201Tensor(arch, dataset);
        let flops = 0;
        let params = 0;
        for (let k = 0; k < 15; k++) {
          for (let p = 0; p < plane; p++) {
            flops += t[(1 + 2 * k) * plane + p]! / RENAS_FLOPS_SCALE;
            params += t[(2 + 2 * k) * plane + p]! / RENAS_PARAMS_SCALE;
          }
        }
        const whole = nb201Cost(arch, dataset);
        const base = nb201Cost(none, dataset);
        assert.ok(Math.abs(flops - (whole.flopCount - base.flopCount)) <= 1e-4 * whole.flopCount + 1, `${dataset} ${arch}: FLOPs ${flops}`);
        assert.ok(Math.abs(params - (whole.paramCount - base.paramCount)) <= 1e-4 * whole.paramCount + 1, `${dataset} ${arch}: params ${params}`);
      }
    }
  });

  test('every float is written (stale buffers are overwritten) and bad input is refused', () => {
    const out = new Float32Array(2 * RENAS201_FEATURES).fill(7);
    encodeRenas201Tensor(example, 'cifar100', out, RENAS201_FEATURES);
    assert.deepEqual(Array.from(out.subarray(RENAS201_FEATURES)), Array.from(encodeRenas201Tensor(example, 'cifar100')));
    assert.throws(() => encodeRenas201Tensor([0, 1, 2], 'cifar10'), /6/);
    assert.throws(() => encodeRenas201Tensor(example, 'cifar10', new Float32Array(10)), /exceeds the output length/);
    assert.throws(() => nb201RenasTensor('mnist' as 'cifar10'), /unknown dataset "mnist"/);
  });
});

describe('ReNAS predictor on the NAS-Bench-201 tensor', () => {
  test('the network keeps the official layers: conv 31→62→128, flatten 2,048, 345,231 parameters', () => {
    const net = new RenasNet(createRng('p'), { bnMomentum: 0.1, bnEpsilon: 1e-5, conv2Padding: 'same', input: RENAS201_SHAPE });
    // 9·31·62 + 2·62 + 9·62·128 + 2·128 + (2048·120 + 120) + (120·84 + 84) + (84 + 1)
    assert.equal(net.numParams, 17_298 + 124 + 71_424 + 256 + 245_880 + 10_164 + 85);
    net.dispose();
    assert.throws(() => new RenasNet(createRng('p'), { bnMomentum: 0.1, bnEpsilon: 1e-5, conv2Padding: 'valid', input: { channels: 31, side: 2 } }), /side ≥ 3/);
  });

  test('learns a ranking of held-out cells, round-trips its state, and refuses NAS-Bench-101 encoder switches', async () => {
    const rng = createRng('renas201-fit');
    const convs = (a: Nb201Arch): number => a.filter((o) => o === op('nor_conv_3x3')).length + 0.4 * a.filter((o) => o === op('nor_conv_1x1')).length;
    const record = (i: number): BenchRecord<Nb201Arch> => ({ id: String(i), arch: nb201FromOrdinal(i), metrics: {} });
    const ids = Array.from(rng.sampleIndices(15625, 260));
    const train = ids.slice(0, 160).map(record);
    const held = ids.slice(160).map(record);
    const tensor = nb201RenasTensor('cifar10');
    const predictor = new RenasPredictor(0, { epochs: 40 }, tensor);
    const report = await predictor.fit(train, train.map((r) => convs(r.arch) + 0.01 * rng()));
    assert.equal(report.updates, 79);
    const scores = await predictor.predict(held);
    const tau = kendallTau(scores, held.map((r) => convs(r.arch)));
    assert.ok(tau > 0.5, `held-out τ ${tau}`);

    const state = predictor.exportState();
    assert.deepEqual(state.tensor, { name: 'nb201-cifar10', shape: RENAS201_SHAPE });
    const again = RenasPredictor.fromState(state, tensor);
    assert.deepEqual(Array.from(await again.predict(held)), Array.from(scores));
    assert.throws(() => RenasPredictor.fromState(state), /fitted on the nb201-cifar10 tensor; pass that tensor/);
    assert.throws(() => RenasPredictor.fromState(state, nb201RenasTensor('imagenet16')), /not nb201-imagenet16/);
    predictor.dispose();
    again.dispose();
    assert.throws(() => new RenasPredictor(0, { encoding: { orientation: 'source' } }, tensor), /switches the NAS-Bench-101 encoder/);
  });
});

describe('ReNAS NAS-Bench-201 study', () => {
  test('sizes floor the fraction of the 15,625-cell space; bad configs name the field', () => {
    assert.deepEqual([0.001, 0.01, 0.05].map(renasNb201TrainSize), [15, 156, 781]);
    const good = renasNb201Config('paper');
    assert.deepEqual(good.fractions, [0.001, 0.01, 0.05]);
    assert.deepEqual(good.datasets, ['cifar10', 'cifar100', 'imagenet16']);
    checkRenasNb201Config(good);
    const bad = (over: Partial<RenasNb201Config>): RenasNb201Config => ({ ...good, ...over }) as RenasNb201Config;
    assert.throws(() => checkRenasNb201Config(bad({ datasets: ['svhn' as 'cifar10'] })), /datasets\[\] "svhn" is not one of cifar10, cifar100, imagenet16/);
    assert.throws(() => checkRenasNb201Config(bad({ fractions: [1.5] })), /fractions holds 1.5/);
    assert.throws(() => checkRenasNb201Config(bad({ fractions: [0.0001] })), /gives 1 training cells/);
    assert.throws(() => checkRenasNb201Config(bad({ seeds: [] })), /seeds/);
    assert.throws(() => checkRenasNb201Config(bad({ predictor: { encoding: {} } as RenasNb201Config['predictor'] })), /NAS-Bench-201 tensor has no such switches/);
    assert.throws(() => checkRenasNb201Config(bad({ predictor: { conv2Padding: 'full' as 'same' } })), /conv2Padding/);
  });

  test('run keys: the benchmark is part of the key, so NAS-Bench-201 and NAS-Bench-101 runs never share a cache entry', () => {
    const run = { seed: 0, trainSize: 156, lossKind: 'ranking' as const, epochs: 200, predictor: {} };
    const a = renasRunKey('renas-nb201', { target: 'test_acc_200', topK: 10 }, { name: 'nb201-cifar10', size: 15614 }, run);
    const b = renasRunKey('renas-nb201', { target: 'test_acc_200', topK: 10 }, { name: 'nb201-cifar100', size: 15614 }, run);
    assert.notDeepEqual(a, b);
    assert.equal(a.predictor.batchSize, 156); // batch 1,024 is one full batch at N = 156
  });

  test('real data: a CIFAR-10 run ranks held-out cells, searches and caches (a rerun reads the cache)', { skip: realSkip }, async () => {
    const config: RenasNb201Config = { ...renasNb201Config('smoke'), epochs: 30, executor: { kind: 'in-thread' } };
    const cacheDir = join(tmp, 'runs');
    const first = await runRenasNb201(config, { cacheDir, progress: false });
    assert.equal(first.rows.length, 1);
    const row = first.rows[0]!;
    assert.equal(row.trainSize, 156);
    assert.equal(row.updates, 59);
    assert.ok(row.kendallTau > 0.3, `τ ${row.kendallTau}`);
    const optimum = first.optimum.cifar10!;
    assert.ok(optimum > 0.94 && optimum < 0.95, `CIFAR-10 optimum ${optimum}`);
    assert.ok(row.searchBest <= optimum && row.searchBest >= row.searchTopKBest);
    assert.equal(row.cached, false);
    const second = await runRenasNb201(config, { cacheDir, progress: false });
    assert.equal(second.rows[0]!.cached, true);
    assert.equal(second.rows[0]!.kendallTau, row.kendallTau);
    assert.equal(second.summary[0]!.runs, 1);
    assert.equal(second.summary[0]!.optimum, optimum);
  });
});

describe('ReNAS NAS-Bench-201 summary, table, figure and command line', () => {
  const row = (dataset: 'cifar10' | 'imagenet16', trainSize: number, seed: number, lossKind: 'ranking' | 'mse', tau: number): RenasNb201Row =>
    ({
      dataset,
      fraction: trainSize / 15625,
      trainSize,
      seed,
      lossKind,
      kendallTau: tau,
      spearmanRho: tau,
      precisionAtTopK: 0,
      searchTopKBest: 0.9,
      searchBest: 0.91,
      searchBestTopFraction: 0.01,
      randomBest: 0.89,
      randomBestTopFraction: 0.05,
      keptEpoch: 1,
      finalTrainTau: 0.9,
      finalLoss: 0.1,
      batchSize: trainSize,
      stepsPerEpoch: 1,
      updates: 399,
      fitSeconds: 1,
      cached: false,
    }) as RenasNb201Row;
  const rows = [row('cifar10', 156, 0, 'ranking', 0.5), row('cifar10', 156, 1, 'ranking', 0.7), row('cifar10', 15, 0, 'ranking', 0.2), row('cifar10', 15, 1, 'ranking', 0.2), row('imagenet16', 156, 0, 'mse', 0.4)];

  test('summary: mean, std and 95 % t interval per (dataset, N, loss), the optimum per dataset', () => {
    const summary = summarizeRenasNb201(rows, { cifar10: 0.9437, imagenet16: 0.4731 });
    assert.equal(summary.length, 3);
    const first = summary[0]!;
    assert.equal(first.runs, 2);
    assert.ok(Math.abs(first.tauMean - 0.6) < 1e-12);
    // std (n−1) of 0.5, 0.7 = 0.1414; t(0.975, 1) = 12.706 → half-width 12.706 · 0.1414 / √2 = 1.2706.
    assert.ok(Math.abs(first.tauCi95 - 1.2706) < 1e-3, `CI ${first.tauCi95}`);
    assert.equal(summary[1]!.tauStd, 0);
    assert.equal(summary[2]!.optimum, 0.4731);
    assert.ok(Number.isNaN(summary[2]!.tauCi95) || summary[2]!.runs === 1);
  });

  test('table rows and the τ figure (one line per dataset and loss, log x at the sizes)', () => {
    const config = { ...renasNb201Config('paper'), datasets: ['cifar10', 'imagenet16'], lossKinds: ['ranking', 'mse'], seeds: [0, 1] } as RenasNb201Config;
    const result = { config, rows, summary: summarizeRenasNb201(rows, { cifar10: 0.9437, imagenet16: 0.4731 }), optimum: { cifar10: 0.9437, imagenet16: 0.4731 } };
    const table = renasNb201Rows(result);
    assert.equal(table[0]!['dataset'], 'CIFAR-10');
    assert.equal(table[0]!['Kendall τ (95 % CI)'], '0.600 ± 1.271');
    assert.equal(table[0]!['optimum (%)'], '94.37');
    assert.equal(table[0]!['random, N+10 (%)'], '89.00 ± 0.00');
    const fig = renasNb201TauFigure(result);
    const lines = fig.data.filter((t) => !String(t.name).endsWith('± band'));
    assert.deepEqual(
      lines.map((t) => t.name),
      ['CIFAR-10, ranking loss (ReNAS)', 'CIFAR-10, MSE (baseline)', 'ImageNet16-120, ranking loss (ReNAS)', 'ImageNet16-120, MSE (baseline)'],
    );
    assert.deepEqual(lines[0]!.x, [15, 156]);
    assert.deepEqual(lines[3]!.y, [0.4]);
    assert.equal((fig.layout.xaxis as { type: string }).type, 'log');
  });

  test('text tables of the commands: columns padded to the widest cell, a rule under the header, no trailing spaces', () => {
    assert.equal(textTable([{ a: 1, b: 'xy' }, { a: 22, b: 'z' }]), 'a   b\n--  --\n1   xy\n22  z');
    assert.equal(textTable([{ a: 1, b: 2 }], ['b']), 'b\n-\n2');
  });

  test('nas renas201 run: options override the profile; bad values are refused with the option named', () => {
    const parsed = parseRenas201Args(['run', '--profile', 'paper', '--datasets', 'cifar100', '--fractions', '0.01,0.05', '--seeds', '3,4', '--losses', 'ranking', '--epochs', '7', '--json', 'o.json']);
    assert.notEqual(parsed, 'help');
    const { config, json } = parsed as Exclude<typeof parsed, 'help'>;
    assert.deepEqual(config.datasets, ['cifar100']);
    assert.deepEqual(config.fractions, [0.01, 0.05]);
    assert.deepEqual(config.seeds, [3, 4]);
    assert.deepEqual(config.lossKinds, ['ranking']);
    assert.equal(config.epochs, 7);
    assert.equal(json, 'o.json');
    assert.equal(parseRenas201Args(['--help']), 'help');
    assert.throws(() => parseRenas201Args(['run', '--fractions', 'half']), /--fractions: "half" is not a number/);
    assert.throws(() => parseRenas201Args(['go']), /unknown subcommand "go"/);
  });
});
