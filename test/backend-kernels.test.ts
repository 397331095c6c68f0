/**
 * The tfjs backend choice (src/backend.ts) and the wasm training kernels
 * (src/backend/): every replacement kernel against the cpu backend on seeded
 * random inputs over a grid of shapes, strides, paddings and signs; the
 * AvgPoolGrad fix against the adjoint of tfjs's own forward op; a small conv
 * net trained with Adam on wasm vs cpu; initBackend in-process and in worker
 * threads.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import type { NamedAttrMap } from '@tensorflow/tfjs';
import { currentBackend, initBackend, resolvePreference, whenBackendReady } from '../src/backend.js';
import type { BackendInfo } from '../src/backend.js';
import { TRAINING_KERNELS } from '../src/backend/index.js';
import { nativeKernels, onednn, setNativeKernels } from '../src/backend/onednn.js';
import { probeTrainingOps } from '../src/backend/probe.js';
import { createRng } from '../src/core/rng.js';
import type { Rng } from '../src/core/types.js';

const TOLERANCE = 1e-4;

/** max|a−b| ≤ tol·(1 + max|b|), with b the reference. */
function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, label: string, tol = TOLERANCE): void {
  assert.equal(actual.length, expected.length, `${label}: length ${actual.length} vs ${expected.length}`);
  let scale = 0;
  let diff = 0;
  let worstAt = -1;
  for (let i = 0; i < expected.length; i++) {
    scale = Math.max(scale, Math.abs(expected[i]!));
    const d = Math.abs(actual[i]! - expected[i]!);
    if (!(d <= diff)) {
      diff = Number.isNaN(d) ? Infinity : d;
      worstAt = i;
    }
  }
  assert.ok(
    diff <= tol * (1 + scale),
    `${label}: max |diff| ${diff} at ${worstAt} (got ${actual[worstAt]}, want ${expected[worstAt]}) > ${tol}·(1+${scale})`,
  );
}

function uniform(rng: Rng, shape: readonly number[], lo = -2, hi = 2): Float32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * rng());
}

type InputSpec = { values: Float32Array | Int32Array; shape: number[]; dtype?: 'float32' | 'int32' };

/** Runs one kernel on `backend` from fresh tensors; returns its values and shape, disposing everything. */
async function kernelOn(
  backend: string,
  kernelName: string,
  inputs: Record<string, InputSpec>,
  attrs: object,
  derived?: (ts: Record<string, tf.Tensor>) => Record<string, tf.Tensor>,
): Promise<{ values: Float32Array; shape: number[] }> {
  assert.ok(await tf.setBackend(backend), `backend ${backend} failed to initialise`);
  const tensors: Record<string, tf.Tensor> = {};
  for (const [name, spec] of Object.entries(inputs)) tensors[name] = tf.tensor(spec.values, spec.shape, spec.dtype ?? 'float32');
  Object.assign(tensors, derived?.(tensors) ?? {});
  const out = tf.engine().runKernel(kernelName, tensors as unknown as tf.NamedTensorMap, attrs as NamedAttrMap) as tf.Tensor;
  const result = { values: Float32Array.from(out.dataSync()), shape: out.shape.slice() };
  tf.dispose([out, ...Object.values(tensors)]);
  return result;
}

/** Compares `kernelName` on wasm and cpu, and checks the wasm kernel freed all its intermediates. */
async function compareKernel(
  label: string,
  kernelName: string,
  inputs: Record<string, InputSpec>,
  attrs: object,
  derived?: (ts: Record<string, tf.Tensor>) => Record<string, tf.Tensor>,
): Promise<void> {
  const expected = await kernelOn('cpu', kernelName, inputs, attrs, derived);
  await tf.setBackend('wasm');
  const dataIdsBefore = tf.backend().numDataIds();
  const actual = await kernelOn('wasm', kernelName, inputs, attrs, derived);
  assert.equal(tf.backend().numDataIds(), dataIdsBefore, `${label}: wasm intermediates leaked`);
  assert.deepEqual(actual.shape, expected.shape, `${label}: shape`);
  assertClose(actual.values, expected.values, label);
}

/** Output size of a conv/pool along one axis, as tfjs computes it. */
function outSize(inSize: number, k: number, s: number, pad: unknown, axis: 0 | 1): number {
  if (pad === 'same') return Math.ceil(inSize / s);
  if (pad === 'valid') return Math.ceil((inSize - k + 1) / s);
  if (typeof pad === 'number') return Math.floor((inSize - k + 2 * pad) / s) + 1;
  const [a, b] = (pad as number[][])[axis + 1]!;
  return Math.floor((inSize - k + a! + b!) / s) + 1;
}

const explicitPad = [[0, 0], [1, 0], [2, 1], [0, 0]];
const PADS: unknown[] = ['same', 'valid', 1, explicitPad];
const STRIDES: (number | [number, number])[] = [1, 2, [2, 1]];
const strideOf = (s: number | [number, number], axis: 0 | 1) => (typeof s === 'number' ? s : s[axis]);
/**
 * tfjs sizes outputs of numeric padding with the height stride for both axes
 * (computeOutputShape2D), on every backend: such combinations are not valid
 * layers, so they are left out.
 */
const tfjsSizesConsistently = (strides: number | [number, number], pad: unknown) =>
  typeof pad !== 'number' || typeof strides === 'number' || strides[0] === strides[1];

let info: BackendInfo;
let bannerOutput = '';

before(async () => {
  // Capture what tfjs prints while the backend is chosen and the first cpu tensor is made.
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    bannerOutput += args.join(' ');
  };
  try {
    info = await initBackend();
    await tf.setBackend('cpu');
    tf.tensor([1, 2, 3]).dispose();
  } finally {
    console.warn = warn;
  }
  await tf.setBackend(info.name);
});

after(async () => {
  await tf.setBackend(info.name);
});

describe('initBackend', () => {
  const require = createRequire(import.meta.url);
  const gpuInstalled = (() => {
    try {
      require.resolve('@tensorflow/tfjs-node-gpu');
      return true;
    } catch {
      return false;
    }
  })();
  const nodeIsAlias = (() => {
    try {
      const pkg = JSON.parse(readFileSync(require.resolve('@tensorflow/tfjs-node/package.json'), 'utf8')) as { name: string };
      return pkg.name !== '@tensorflow/tfjs-node';
    } catch {
      return true;
    }
  })();
  const nativeMissing = !gpuInstalled && nodeIsAlias;

  test('picks wasm here and says why tfjs-node(-gpu) were not used', { skip: nativeMissing ? false : 'a native tfjs-node is installed' }, () => {
    assert.equal(info.name, 'wasm');
    assert.equal(info.source, '@tensorflow/tfjs-backend-wasm');
    const gpu = info.tried.find((t) => t.source === '@tensorflow/tfjs-node-gpu');
    const node = info.tried.find((t) => t.source === '@tensorflow/tfjs-node');
    assert.ok(gpu && !gpu.ok && /not installed/.test(gpu.reason), JSON.stringify(gpu));
    assert.ok(node && !node.ok && /registers no 'tensorflow' backend/.test(node.reason), JSON.stringify(node));
    assert.equal(info.tried.at(-1)?.ok, true);
    const line = info.describe();
    assert.match(line, /backend=wasm/);
    assert.match(line, /tfjs-node-gpu is not installed/);
    assert.ok(!line.includes('\n'), 'describe() is one line');
    assert.equal(info.simd, true);
    assert.equal(info.threads, 1);
    assert.equal(info.version, tf.version_core);
    assert.deepEqual(
      [...info.trainingKernels].sort(),
      TRAINING_KERNELS.filter((k) => k.config.backendName === 'wasm').map((k) => k.config.kernelName).sort(),
    );
  });

  test('prints no tfjs-node banner', () => {
    assert.ok(!/tfjs-node/.test(bannerOutput), `unexpected output: ${bannerOutput}`);
  });

  test('is idempotent and rejects a conflicting explicit choice', async () => {
    assert.equal(await initBackend(), info);
    assert.equal(await whenBackendReady(), info);
    assert.equal(currentBackend(), info);
    assert.equal(await initBackend({ prefer: info.name }), info);
    const other = info.name === 'cpu' ? 'wasm' : 'cpu';
    await assert.rejects(initBackend({ prefer: other }), /already uses the '(wasm|cpu|tensorflow)' backend/);
  });

  test('reads NAS_BACKEND and rejects unknown names', () => {
    assert.deepEqual(resolvePreference(undefined, {}), { preference: 'auto', requested: 'auto' });
    assert.equal(resolvePreference(undefined, { NAS_BACKEND: 'cpu' }).preference, 'cpu');
    assert.equal(resolvePreference('wasm', { NAS_BACKEND: 'cpu' }).preference, 'wasm');
    assert.equal(resolvePreference('auto', { NAS_BACKEND: 'wasm' }).preference, 'wasm');
    assert.throws(() => resolvePreference(undefined, { NAS_BACKEND: 'gpu' }), /NAS_BACKEND: "gpu" is not a backend; use one of auto, tensorflow, wasm, cpu/);
  });

  test('works in worker threads: wasm training kernels there, NAS_BACKEND=cpu honoured', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nas-backend-worker-'));
    try {
      const file = join(dir, 'worker.mjs');
      const tsxApi = pathToFileURL(require.resolve('tsx/esm/api')).href;
      const backendUrl = pathToFileURL(join(process.cwd(), 'src/backend.ts')).href;
      const tfjsUrl = pathToFileURL(require.resolve('@tensorflow/tfjs')).href;
      // The worker computes a conv2d filter gradient (a replacement kernel on wasm) and reports it.
      writeFileSync(
        file,
        `import { parentPort } from 'node:worker_threads';
const { register } = await import(${JSON.stringify(tsxApi)});
register();
const { initBackend } = await import(${JSON.stringify(backendUrl)});
const tf = await import(${JSON.stringify(tfjsUrl)});
const info = await initBackend();
const x = tf.tensor4d(Array.from({ length: 2 * 5 * 5 * 3 }, (_, i) => Math.sin(i)), [2, 5, 5, 3]);
const w = tf.tensor4d(Array.from({ length: 3 * 3 * 3 * 2 }, (_, i) => Math.cos(i)), [3, 3, 3, 2]);
const g = tf.grad((f) => tf.sum(tf.square(tf.conv2d(x, f, 2, 'same'))))(w);
parentPort.postMessage({ name: info.name, line: info.describe(), grad: Array.from(g.dataSync()) });
`,
      );
      const runWorker = (env: Record<string, string>) =>
        new Promise<{ name: string; line: string; grad: number[] }>((resolve, reject) => {
          const worker = new Worker(file, { env: { ...process.env, ...env } });
          worker.once('message', (m) => {
            void worker.terminate();
            resolve(m as { name: string; line: string; grad: number[] });
          });
          worker.once('error', reject);
        });
      const [auto, cpu] = await Promise.all([runWorker({ NAS_BACKEND: '' }), runWorker({ NAS_BACKEND: 'cpu' })]);
      assert.equal(auto.name, info.name);
      assert.equal(cpu.name, 'cpu');
      assert.match(cpu.line, /\[NAS_BACKEND=cpu\]/);
      assertClose(auto.grad, cpu.grad, 'conv2d filter gradient, worker wasm vs worker cpu');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the oneDNN addon (native/)', () => {
  // .ci/run sets NAS_REQUIRE_ONEDNN=1 after environment/setup.sh built it, so a broken build fails here.
  const required = process.env['NAS_REQUIRE_ONEDNN'] === '1';
  const status = onednn();
  test('loads where it is built, and says why not where it is not', { skip: required || status.addon !== null ? false : `not loaded: ${status.reason}` }, () => {
    assert.ok(status.addon !== null, `the addon is required (NAS_REQUIRE_ONEDNN=1) but ${status.reason}`);
    assert.match(status.reason, /^oneDNN \d+\.\d+\.\d+ \(/);
    assert.match(currentBackend().describe(), /oneDNN \d+\.\d+/);
  });

  test('rejects tensors whose lengths do not match the shape, naming the argument', { skip: status.addon === null ? 'not loaded' : false }, () => {
    const addon = nativeKernels()!;
    const params = Int32Array.from([1, 4, 4, 2, 3, 3, 2, 4, 4, 1, 1, 1, 1, 1, 1, 1, 1]);
    assert.throws(() => addon.conv2dForward(params, new Float32Array(32), new Float32Array(36), new Float32Array(31)), /out has 31 values, expected 32/);
    assert.throws(() => addon.conv2dForward(params.subarray(1), new Float32Array(32), new Float32Array(36), new Float32Array(32)), /17 entries/);
    assert.throws(() => addon.batchNormForward(new Float32Array(10), new Float32Array(10), new Float32Array(3), 1e-5), /multiple of invStd/);
    assert.throws(() => addon.avgPoolForward(Int32Array.from([1, 4, 4, 2, 2, 2, 2, 2, 2, 2, 0, 0, 0, 0]), new Float32Array(32), new Float32Array(7)), /lengths do not match/);
  });

  test('NAS_ONEDNN=0 switches it off, with the reason', () => {
    const off = onednn({ NAS_ONEDNN: '0' }, { fresh: true });
    assert.equal(off.addon, null);
    assert.match(off.reason, /NAS_ONEDNN=0/);
    const missing = onednn({ NAS_ONEDNN_ADDON: '/nonexistent/nas_onednn.node' }, { fresh: true });
    assert.equal(missing.addon, null);
    assert.match(missing.reason, /nonexistent.*does not exist/);
  });
});

/**
 * Every replacement kernel twice where the oneDNN addon is built: with its
 * native kernels, and with them switched off (the wasm kernels that machines
 * without the addon run).
 */
const KERNEL_MODES = [
  { label: 'native kernels (oneDNN addon)', native: true },
  { label: 'wasm kernels only', native: false },
] as const;

for (const mode of KERNEL_MODES) describe(`replacement kernels match cpu: ${mode.label}`, () => {
  const skip = mode.native && onednn().addon === null ? `the oneDNN addon is not loaded: ${onednn().reason}` : false;
  // Kernels without a native version run once, in the wasm-only pass.
  const wasmOnly = mode.native ? 'no native version (runs in the wasm-only pass)' : false;
  before(() => setNativeKernels(mode.native));
  after(() => setNativeKernels(true));

  test('Conv2D forward: kernel sizes, strides, paddings, dilations', { skip }, async () => {
    const rng = createRng(`conv2d-forward-${mode.native}`);
    let cases = 0;
    for (const k of [1, 3, 5]) {
      for (const strides of STRIDES) {
        for (const pad of PADS) {
          for (const dilations of [1, 2]) {
            if (dilations > 1 && (typeof strides !== 'number' || strides > 1)) continue; // tfjs: dilation needs stride 1
            const [batch, h, w, inC, outC] = [2, 9, 8, 3 + (cases % 3), 2 + (cases % 4)];
            const ek = (k - 1) * dilations + 1;
            const oh = outSize(h, ek, strideOf(strides, 0), pad, 0);
            const ow = outSize(w, ek, strideOf(strides, 1), pad, 1);
            if (oh < 1 || ow < 1 || !tfjsSizesConsistently(strides, pad)) continue;
            cases++;
            await compareKernel(
              `k${k} s${strides} d${dilations} pad ${JSON.stringify(pad)}`,
              'Conv2D',
              { x: { values: uniform(rng, [batch, h, w, inC]), shape: [batch, h, w, inC] }, filter: { values: uniform(rng, [k, k, inC, outC]), shape: [k, k, inC, outC] } },
              { strides, pad, dataFormat: 'NHWC', dilations },
            );
          }
        }
      }
    }
    assert.ok(cases >= 30, `only ${cases} forward cases ran`);
  });

  test('AvgPool forward leaves padding out of the average, as on cpu', { skip }, async () => {
    const rng = createRng(`avgpool-forward-${mode.native}`);
    for (const [k, s] of [[3, 1], [2, 2], [3, 2], [2, 1]] as const) {
      for (const pad of ['same', 'valid', 1]) {
        const xShape = [3, 7, 6, 5];
        await compareKernel(`k${k} s${s} pad ${pad}`, 'AvgPool', { x: { values: uniform(rng, xShape), shape: xShape } }, { filterSize: k, strides: s, pad });
      }
    }
  });

  test('AvgPoolGrad with padding: the exact adjoint, as the cpu replacement', { skip }, async () => {
    const rng = createRng(`avgpool-grad-${mode.native}`);
    for (const [k, s] of [[3, 1], [3, 2]] as const) {
      for (const pad of ['same', 1]) {
        const xShape = [2, 7, 6, 4];
        const oh = outSize(7, k, s, pad, 0);
        const ow = outSize(6, k, s, pad, 1);
        await compareKernel(
          `k${k} s${s} pad ${pad}`,
          'AvgPoolGrad',
          { input: { values: uniform(rng, xShape), shape: xShape }, dy: { values: uniform(rng, [2, oh, ow, 4]), shape: [2, oh, ow, 4] } },
          { filterSize: k, strides: s, pad },
        );
      }
    }
  });

  test('Conv2DBackpropFilter and Conv2DBackpropInput', { skip }, async () => {
    const rng = createRng('conv2d-grads');
    const shapes = [
      { batch: 1, h: 5, w: 5, inC: 1, outC: 1 },
      { batch: 3, h: 6, w: 7, inC: 3, outC: 4 },
      { batch: 2, h: 8, w: 8, inC: 5, outC: 2 },
    ];
    let cases = 0;
    for (const k of [1, 2, 3, 5]) {
      for (const strides of STRIDES) {
        for (const pad of PADS) {
          const { batch, h, w, inC, outC } = shapes[cases % shapes.length]!;
          cases++;
          const oh = outSize(h, k, strideOf(strides, 0), pad, 0);
          const ow = outSize(w, k, strideOf(strides, 1), pad, 1);
          if (oh < 1 || ow < 1 || !tfjsSizesConsistently(strides, pad)) continue;
          const label = `k${k} s${strides} pad ${JSON.stringify(pad)} x[${batch},${h},${w},${inC}]→${outC}`;
          const x = { values: uniform(rng, [batch, h, w, inC]), shape: [batch, h, w, inC] };
          const dy = { values: uniform(rng, [batch, oh, ow, outC]), shape: [batch, oh, ow, outC] };
          const filter = { values: uniform(rng, [k, k, inC, outC]), shape: [k, k, inC, outC] };
          const common = { strides, pad, dataFormat: 'NHWC' };
          await compareKernel(`filter ${label}`, 'Conv2DBackpropFilter', { x, dy }, { ...common, filterShape: [k, k, inC, outC] });
          await compareKernel(`input ${label}`, 'Conv2DBackpropInput', { dy, filter }, { ...common, inputShape: [batch, h, w, inC] });
        }
      }
    }
    assert.ok(cases >= 40, `only ${cases} conv cases ran`);
  });

  test('DepthwiseConv2dNativeBackpropFilter and ...BackpropInput', { skip: wasmOnly }, async () => {
    const rng = createRng('depthwise-grads');
    const shapes = [
      { batch: 1, h: 5, w: 6, c: 1, mult: 1 },
      { batch: 3, h: 7, w: 7, c: 4, mult: 1 },
      { batch: 2, h: 8, w: 8, c: 3, mult: 2 },
    ];
    let cases = 0;
    for (const k of [1, 3, 5]) {
      for (const strides of STRIDES) {
        for (const pad of PADS) {
          const { batch, h, w, c, mult } = shapes[cases % shapes.length]!;
          cases++;
          const oh = outSize(h, k, strideOf(strides, 0), pad, 0);
          const ow = outSize(w, k, strideOf(strides, 1), pad, 1);
          if (oh < 1 || ow < 1 || !tfjsSizesConsistently(strides, pad)) continue;
          const label = `k${k} s${strides} pad ${JSON.stringify(pad)} x[${batch},${h},${w},${c}]×${mult}`;
          const x = { values: uniform(rng, [batch, h, w, c]), shape: [batch, h, w, c] };
          const dy = { values: uniform(rng, [batch, oh, ow, c * mult]), shape: [batch, oh, ow, c * mult] };
          const filter = { values: uniform(rng, [k, k, c, mult]), shape: [k, k, c, mult] };
          const common = { strides, pad, dilations: 1 };
          await compareKernel(`filter ${label}`, 'DepthwiseConv2dNativeBackpropFilter', { x, dy }, { ...common, filterShape: [k, k, c, mult] });
          await compareKernel(`input ${label}`, 'DepthwiseConv2dNativeBackpropInput', { dy, filter }, { ...common, inputShape: [batch, h, w, c] });
        }
      }
    }
  });

  test('MaxPoolGrad, including all-negative windows and ties', { skip: wasmOnly }, async () => {
    const rng = createRng('maxpool-grad');
    const shapes = [
      { batch: 1, h: 5, w: 5, c: 1 },
      { batch: 3, h: 6, w: 7, c: 4 },
      { batch: 2, h: 8, w: 8, c: 3 },
    ];
    let cases = 0;
    for (const k of [2, 3]) {
      for (const strides of STRIDES) {
        for (const pad of ['same', 'valid', 1]) {
          for (const values of ['mixed', 'negative', 'ties'] as const) {
            if (!tfjsSizesConsistently(strides, pad)) continue;
            const { batch, h, w, c } = shapes[cases % shapes.length]!;
            cases++;
            const oh = outSize(h, k, strideOf(strides, 0), pad, 0);
            const ow = outSize(w, k, strideOf(strides, 1), pad, 1);
            const xShape = [batch, h, w, c];
            const raw = uniform(rng, xShape, values === 'negative' ? -9 : -2, values === 'negative' ? -5 : 2);
            // Few distinct values, so windows hold several equal maxima: the first one must win.
            const xs = values === 'ties' ? raw.map((v) => Math.round(v)) : raw;
            const label = `k${k} s${strides} pad ${pad} ${values} x[${xShape}]`;
            const attrs = { filterSize: k, strides, pad };
            await compareKernel(
              label,
              'MaxPoolGrad',
              { input: { values: xs, shape: xShape }, dy: { values: uniform(rng, [batch, oh, ow, c]), shape: [batch, oh, ow, c] } },
              attrs,
              (t) => ({ output: tf.maxPool(t['input'] as tf.Tensor4D, k, strides, pad as 'same') }),
            );
          }
        }
      }
    }
  });

  test('UnsortedSegmentSum (gather gradient): repeated, missing and out-of-range ids, int32', { skip: wasmOnly }, async () => {
    const rng = createRng('segment-sum');
    for (const [rows, rowShape, numSegments] of [[7, [3], 4], [10, [2, 3], 6], [5, [], 3], [1, [4], 1]] as const) {
      const ids = Int32Array.from({ length: rows }, () => rng.int(numSegments + 2) - 1);
      const xShape: number[] = [rows, ...rowShape];
      await compareKernel(
        `float32 rows ${rows} row [${rowShape}] segments ${numSegments} ids ${ids}`,
        'UnsortedSegmentSum',
        { x: { values: uniform(rng, xShape), shape: xShape }, segmentIds: { values: ids, shape: [rows], dtype: 'int32' } },
        { numSegments },
      );
      const ints = Int32Array.from({ length: xShape.reduce((a, b) => a * b, 1) }, () => rng.int(21) - 10);
      await compareKernel(
        `int32 rows ${rows}`,
        'UnsortedSegmentSum',
        { x: { values: ints, shape: xShape, dtype: 'int32' }, segmentIds: { values: ids, shape: [rows], dtype: 'int32' } },
        { numSegments },
      );
    }
  });

  test('Tile: every axis repeated or not, ranks 0-4, float32/int32/bool', { skip: wasmOnly }, async () => {
    const rng = createRng('tile');
    const cases: [number[], number[]][] = [
      [[], []],
      [[5], [3]],
      [[2, 3], [1, 1]],
      [[2, 3], [3, 1]],
      [[2, 3], [1, 4]],
      [[1, 1, 1, 4], [3, 5, 2, 1]],
      [[2, 1, 3, 2], [2, 3, 1, 2]],
      [[3, 2, 2], [1, 2, 3]],
      [[2, 0, 3], [2, 2, 2]],
    ];
    for (const [shape, reps] of cases) {
      const n = shape.reduce((a, b) => a * b, 1);
      await compareKernel(`float32 [${shape}] × [${reps}]`, 'Tile', { x: { values: uniform(rng, shape), shape } }, { reps });
      const ints = Int32Array.from({ length: n }, () => rng.int(100) - 50);
      await compareKernel(`int32 [${shape}] × [${reps}]`, 'Tile', { x: { values: ints, shape, dtype: 'int32' } }, { reps });
    }
    const tileBools = async (backend: string) => {
      await tf.setBackend(backend);
      return tf.tidy(() => tf.tile(tf.tensor([true, false, true, true, false, false], [2, 3], 'bool'), [2, 2]).arraySync());
    };
    assert.deepEqual(await tileBools('wasm'), await tileBools('cpu'));
    await tf.setBackend(info.name);
  });

  test('Sum and Mean: leading, middle, inner and all axes, keepDims, int32', { skip: wasmOnly }, async () => {
    const rng = createRng('reductions');
    const shape = [3, 4, 5, 6];
    const axesList: (number | number[])[] = [[0, 1, 2], [1, 2], [0], [1], [2, 3], [3], [0, 1, 2, 3], -2, [0, 2], [2, 1, 0]];
    for (const axis of axesList) {
      for (const keepDims of [false, true]) {
        const x = { values: uniform(rng, shape), shape };
        await compareKernel(`Sum axis ${JSON.stringify(axis)} keepDims ${keepDims}`, 'Sum', { x }, { axis, keepDims });
        await compareKernel(`Mean axis ${JSON.stringify(axis)} keepDims ${keepDims}`, 'Mean', { x }, { axis, keepDims });
      }
      const ints = { values: Int32Array.from({ length: 360 }, () => rng.int(201) - 100), shape, dtype: 'int32' as const };
      await compareKernel(`Sum int32 axis ${JSON.stringify(axis)}`, 'Sum', { x: ints }, { axis, keepDims: false });
      await compareKernel(`Mean int32 axis ${JSON.stringify(axis)}`, 'Mean', { x: ints }, { axis, keepDims: false });
    }
    // A batch-norm-sized reduction: float64 accumulation keeps it close to cpu over 16k rows.
    const big = [64, 16, 16, 4];
    await compareKernel('Sum of 16384 rows', 'Sum', { x: { values: uniform(rng, big, 0, 1), shape: big } }, { axis: [0, 1, 2], keepDims: false });
  });

  test('BatchMatMul with transposed operands (dense-layer gradients), broadcast batches, untransposed passthrough', { skip: wasmOnly }, async () => {
    const rng = createRng('batch-matmul');
    // [batch a, batch b, M, K, N]
    const cases: [number, number, number, number, number][] = [[1, 1, 5, 7, 3], [3, 3, 4, 2, 6], [1, 4, 3, 5, 2], [2, 1, 1, 9, 4], [1, 1, 64, 33, 17]];
    for (const [ba, bb, M, K, N] of cases) {
      for (const transposeA of [false, true]) {
        for (const transposeB of [false, true]) {
          const aShape = transposeA ? [ba, K, M] : [ba, M, K];
          const bShape = transposeB ? [bb, N, K] : [bb, K, N];
          await compareKernel(
            `BatchMatMul ${JSON.stringify(aShape)}${transposeA ? 'ᵀ' : ''} · ${JSON.stringify(bShape)}${transposeB ? 'ᵀ' : ''}`,
            'BatchMatMul',
            { a: { values: uniform(rng, aShape), shape: aShape }, b: { values: uniform(rng, bShape), shape: bShape } },
            { transposeA, transposeB },
          );
        }
      }
    }
  });

  test('AvgPoolGrad: valid padding matches stock tfjs semantics on cpu', { skip }, async () => {
    const rng = createRng('avgpool-valid');
    for (const [k, s] of [[2, 2], [3, 1], [3, 2], [2, 1]] as const) {
      const xShape = [2, 7, 6, 3];
      const oh = outSize(7, k, s, 'valid', 0);
      const ow = outSize(6, k, s, 'valid', 1);
      await compareKernel(
        `k${k} s${s} valid`,
        'AvgPoolGrad',
        { input: { values: uniform(rng, xShape), shape: xShape }, dy: { values: uniform(rng, [2, oh, ow, 3]), shape: [2, oh, ow, 3] } },
        { filterSize: k, strides: s, pad: 'valid' },
      );
    }
  });
});

describe('AvgPoolGrad is the exact adjoint of tfjs avgPool (padding excluded from the average)', () => {
  // avgPool is linear, so its gradient G must satisfy <avgPool(x), dy> = <x, G(dy)> for every x.
  for (const backend of ['wasm', 'cpu']) {
    test(backend, async () => {
      await tf.setBackend(backend);
      const rng = createRng(`avgpool-adjoint-${backend}`);
      for (const k of [2, 3]) {
        for (const strides of STRIDES) {
          for (const pad of ['same', 'valid', 1]) {
            if (!tfjsSizesConsistently(strides, pad)) continue;
            const xShape: [number, number, number, number] = [2, 7, 6, 3];
            tf.tidy(() => {
              const x = tf.tensor4d(uniform(rng, xShape), xShape);
              const y = tf.avgPool(x, k, strides, pad as 'same');
              const dy = tf.tensor(uniform(rng, y.shape), y.shape);
              const dx = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.avgPool(a as tf.Tensor4D, k, strides, pad as 'same'), dy)))(x);
              const lhs = tf.sum(tf.mul(y, dy)).dataSync()[0]!;
              const rhs = tf.sum(tf.mul(x, dx)).dataSync()[0]!;
              assertClose([rhs], [lhs], `${backend} k${k} s${strides} pad ${pad}: <x, dx> vs <avgPool(x), dy>`);
            });
          }
        }
      }
      await tf.setBackend(info.name);
    });
  }
});

describe('Identity on wasm shares the data instead of copying it', () => {
  test('a clone has the values, outlives its source, and adds no buffer', async () => {
    await tf.setBackend('wasm');
    const x = tf.tensor2d([[1, -2, 3], [4, 5, -6]]);
    const buffers = tf.backend().numDataIds();
    const y = tf.clone(x);
    assert.equal(tf.backend().numDataIds(), buffers, 'no new buffer for the clone');
    x.dispose();
    assert.deepEqual(Array.from(y.dataSync()), [1, -2, 3, 4, 5, -6]);
    assert.deepEqual(y.shape, [2, 3]);
    // Saved-for-gradient clones go through the same kernel: the gradient of x² is 2x.
    const g = tf.grad((a: tf.Tensor) => tf.sum(tf.square(a)))(y);
    assert.deepEqual(Array.from(g.dataSync()), [2, -4, 6, 8, 10, -12]);
    tf.dispose([y, g]);
    assert.equal(tf.backend().numDataIds(), buffers - 1, 'disposing the last reference frees the buffer');
    await tf.setBackend(info.name);
  });
});

describe('gradients through ops', () => {
  test('GatherNd gradient (missing in tfjs) scatters and adds repeated indices', async () => {
    for (const backend of ['wasm', 'cpu']) {
      await tf.setBackend(backend);
      const params = tf.tensor2d([[1, 2, 3], [4, 5, 6], [7, 8, 9]]);
      const indices = tf.tensor2d([[0, 1], [2, 2], [2, 2], [1, 0]], undefined, 'int32');
      const weights = tf.tensor1d([1, 10, 100, 1000]);
      const g = tf.grad((p: tf.Tensor) => tf.sum(tf.mul(tf.gatherND(p, indices), weights)))(params);
      assert.deepEqual(Array.from(g.dataSync()), [0, 1, 0, 1000, 0, 0, 0, 0, 110], backend);
      tf.dispose([params, indices, weights, g]);
    }
    await tf.setBackend(info.name);
  });

  test('dilation > 1 is rejected with a clear message', async () => {
    await tf.setBackend('wasm');
    const x = tf.zeros([1, 6, 6, 2]);
    const dy = tf.zeros([1, 6, 6, 2]);
    const filter = tf.zeros([3, 3, 2, 1]);
    assert.throws(
      () => tf.engine().runKernel('DepthwiseConv2dNativeBackpropFilter', { x, dy }, { strides: 1, pad: 'same', dilations: 2, filterShape: [3, 3, 2, 1] }),
      /dilations 2 are not supported/,
    );
    assert.throws(
      () => tf.engine().runKernel('DepthwiseConv2dNativeBackpropInput', { dy, filter }, { strides: 1, pad: 'same', dilations: [1, 2], inputShape: [1, 6, 6, 2] }),
      /dilations \[1,2\] are not supported/,
    );
    // tfjs itself refuses conv2d gradients with dilation before reaching a kernel.
    assert.throws(() => tf.grad((w: tf.Tensor) => tf.sum(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same', 'NHWC', 2)))(tf.zeros([3, 3, 2, 2])), /dilation/);
    tf.dispose([x, dy, filter]);
    await tf.setBackend(info.name);
  });

  test('the probe finds every training op matching cpu on wasm', async () => {
    const results = await probeTrainingOps();
    const failed = results.filter((r) => !r.ok).map((r) => `${r.name}: ${r.error ?? r.relError}`);
    assert.deepEqual(failed, []);
    assert.ok(results.length >= 60);
  });
});

describe('end to end', () => {
  /** conv3x3+BN+relu → maxPool 3x3 s1 → depthwise 3x3 s2 + relu → avgPool 3x3 s1 same → avgPool 2x2 s2 → dense. */
  async function trainLosses(backend: string, steps: number): Promise<number[]> {
    await tf.setBackend(backend);
    const rng = createRng('e2e-net');
    const batch = 6;
    const x = tf.tensor4d(uniform(rng, [batch, 12, 12, 3]), [batch, 12, 12, 3]);
    const labels = tf.oneHot(tf.tensor1d(Array.from({ length: batch }, () => rng.int(5)), 'int32'), 5);
    const v = (shape: number[], scale: number) => tf.variable(tf.tensor(uniform(rng, shape, -scale, scale), shape));
    const conv = v([3, 3, 3, 8], 0.5);
    const gamma = tf.variable(tf.ones([8]));
    const beta = tf.variable(tf.zeros([8]));
    const depthwise = v([3, 3, 8, 1], 0.5);
    const dense = v([3 * 3 * 8, 5], 0.3);
    const bias = tf.variable(tf.zeros([5]));
    const variables = [conv, gamma, beta, depthwise, dense, bias];
    const optimizer = tf.train.adam(0.01);
    const losses: number[] = [];
    for (let step = 0; step < steps; step++) {
      const loss = optimizer.minimize(
        () => {
          const c = tf.conv2d(x, conv as tf.Tensor4D, 1, 'same');
          const { mean, variance } = tf.moments(c, [0, 1, 2]);
          let h = tf.relu(tf.batchNorm(c, mean, variance, beta, gamma, 1e-3)) as tf.Tensor4D;
          h = tf.maxPool(h, 3, 1, 'same');
          h = tf.relu(tf.depthwiseConv2d(h, depthwise as tf.Tensor4D, 2, 'same'));
          h = tf.avgPool(h, 3, 1, 'same');
          h = tf.avgPool(h, 2, 2, 'valid');
          const logits = tf.add(tf.matMul(tf.reshape(h, [batch, -1]), dense), bias);
          return tf.losses.softmaxCrossEntropy(labels, logits) as tf.Scalar;
        },
        true,
        variables,
      )!;
      losses.push(loss.dataSync()[0]!);
      loss.dispose();
    }
    optimizer.dispose();
    tf.dispose([x, labels, ...variables]);
    return losses;
  }

  test('a small conv net trained with Adam gives the same losses on wasm and cpu', async () => {
    const steps = 4;
    const onWasm = await trainLosses('wasm', steps);
    const onCpu = await trainLosses('cpu', steps);
    await tf.setBackend(info.name);
    assert.ok(onCpu.at(-1)! < onCpu[0]!, `loss should fall: ${onCpu}`);
    assertClose(onWasm, onCpu, `losses wasm ${onWasm} vs cpu ${onCpu}`);
  });
});
