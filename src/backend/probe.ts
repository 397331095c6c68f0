/**
 * Finds training gaps of a tfjs backend: for every op our models train
 * through, computes the loss and the gradients of all inputs on the backend
 * under test and on the reference (cpu) backend from the same seeded inputs,
 * and reports missing kernels, errors and numerical mismatches. This is how
 * the replacement kernels in this folder were found; rerun it after a tfjs
 * upgrade (`npx tsx bench/backend-kernel-probe.ts`).
 *
 * Each loss is Σ y·r with a fixed random r, so the upstream gradient is
 * random too (a plain sum would hide routing errors such as MaxPoolGrad's).
 */
import * as tf from '@tensorflow/tfjs';
import { createRng } from '../core/rng.js';

export interface ProbeCase {
  readonly name: string;
  /** Shapes of the float inputs the gradients are taken with respect to. */
  readonly shapes: readonly (readonly number[])[];
  /** Shift added to the uniform [-2, 2) inputs, e.g. -4 to make every pooling window negative. */
  readonly offset?: number;
  readonly loss: (xs: tf.Tensor[]) => tf.Scalar;
}

export interface ProbeResult {
  readonly name: string;
  readonly ok: boolean;
  /** max |a−b| / (1 + max |b|) over the loss and every gradient; NaN when a side failed. */
  readonly relError: number;
  /** Why it failed on either backend, if it did. */
  readonly error?: string;
}

/** A fixed pseudo-random weighting for `y`, identical on every backend. */
export function randomWeighted(y: tf.Tensor, label = ''): tf.Scalar {
  const rng = createRng(`probe-weights/${label}/${y.shape.join('x')}`);
  const weights = Float32Array.from({ length: y.size }, () => rng() * 2 - 1);
  return tf.sum(tf.mul(y, tf.tensor(weights, y.shape))) as tf.Scalar;
}

const t4 = (t: tf.Tensor) => t as tf.Tensor4D;

/** The ops our NAS models and predictors train through (see docs/PROTOCOLS.md and the task list). */
export function trainingOpCases(): ProbeCase[] {
  const cases: ProbeCase[] = [];
  for (const [k, s, pad] of [
    [3, 1, 'same'], [3, 2, 'same'], [3, 1, 'valid'], [3, 2, 'valid'], [1, 1, 'valid'], [1, 2, 'same'], [3, 1, 1],
  ] as const) {
    cases.push({
      name: `conv2d ${k}x${k} s${s} ${pad}`,
      shapes: [[2, 7, 7, 3], [k, k, 3, 4]],
      loss: ([x, w]) => randomWeighted(tf.conv2d(t4(x!), t4(w!), s, pad)),
    });
  }
  for (const [s, pad, mult] of [[1, 'same', 1], [2, 'same', 1], [1, 'valid', 2], [2, 'valid', 1]] as const) {
    cases.push({
      name: `depthwiseConv2d 3x3 s${s} ${pad} x${mult}`,
      shapes: [[2, 7, 7, 3], [3, 3, 3, mult]],
      loss: ([x, w]) => randomWeighted(tf.depthwiseConv2d(t4(x!), t4(w!), s, pad)),
    });
  }
  cases.push({
    name: 'separableConv2d 3x3 s1 same',
    shapes: [[2, 6, 6, 3], [3, 3, 3, 1], [1, 1, 3, 5]],
    loss: ([x, d, p]) => randomWeighted(tf.separableConv2d(t4(x!), t4(d!), t4(p!), 1, 'same')),
  });
  cases.push({
    name: 'fused conv2d + bias + relu',
    shapes: [[2, 6, 6, 3], [3, 3, 3, 4], [4]],
    loss: ([x, w, b]) =>
      randomWeighted(tf.fused.conv2d({ x: t4(x!), filter: t4(w!), strides: 1, pad: 'same', bias: b!, activation: 'relu' })),
  });
  for (const [k, s, pad, offset] of [[3, 1, 'same', 0], [3, 1, 'same', -4], [2, 2, 'valid', -4], [3, 2, 'same', 0]] as const) {
    cases.push({
      name: `maxPool ${k}x${k} s${s} ${pad}${offset < 0 ? ' (all negative)' : ''}`,
      shapes: [[2, 6, 6, 3]],
      offset,
      loss: ([x]) => randomWeighted(tf.maxPool(t4(x!), k, s, pad)),
    });
  }
  for (const [k, s, pad] of [[3, 1, 'same'], [2, 2, 'valid'], [3, 2, 'same']] as const) {
    cases.push({
      name: `avgPool ${k}x${k} s${s} ${pad}`,
      shapes: [[2, 6, 6, 3]],
      loss: ([x]) => randomWeighted(tf.avgPool(t4(x!), k, s, pad)),
    });
  }
  cases.push({
    name: 'batchNorm (training, moments)',
    shapes: [[4, 3, 3, 5], [5], [5]],
    loss: ([x, gamma, beta]) => {
      const { mean, variance } = tf.moments(x!, [0, 1, 2]);
      return randomWeighted(tf.batchNorm(x!, mean, variance, beta!, gamma!, 1e-3));
    },
  });
  const unary: [string, (x: tf.Tensor) => tf.Tensor, number?][] = [
    ['relu', tf.relu],
    ['relu6', tf.relu6],
    ['leakyRelu', (x) => tf.leakyRelu(x, 0.1)],
    ['elu', tf.elu],
    ['selu', tf.selu],
    ['sigmoid', tf.sigmoid],
    ['tanh', tf.tanh],
    ['softplus', tf.softplus],
    ['mish', (x) => tf.mul(x, tf.tanh(tf.softplus(x)))],
    ['exp', tf.exp],
    ['log', tf.log, 3],
    ['sqrt', tf.sqrt, 3],
    ['rsqrt', tf.rsqrt, 3],
    ['square', tf.square],
    ['abs', tf.abs],
    ['neg', tf.neg],
    ['clipByValue', (x) => tf.clipByValue(x, -1, 1)],
    ['pow', (x) => tf.pow(x, tf.scalar(3))],
    ['softmax', (x) => tf.softmax(x)],
    ['logSoftmax', (x) => tf.logSoftmax(x)],
    ['dropout-free l2 normalize', (x) => tf.div(x, tf.sqrt(tf.sum(tf.square(x), -1, true)))],
  ];
  for (const [name, f, offset] of unary) {
    cases.push({ name, shapes: [[4, 6]], offset: offset ?? 0, loss: ([x]) => randomWeighted(f(x!), name) });
  }
  const binary: [string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor][] = [
    ['add (broadcast)', (a, b) => tf.add(a, tf.slice(b, [0, 0], [1, 6]))],
    ['sub', tf.sub],
    ['mul', tf.mul],
    ['div', (a, b) => tf.div(a, tf.add(tf.abs(b), 1))],
    ['maximum', tf.maximum],
    ['minimum', tf.minimum],
    ['squaredDifference', tf.squaredDifference],
    // The condition is a constant: tfjs has no gradient for comparisons, so tf.greater(a, b) would stop the tape.
    ['where', (a, b) => tf.where(tf.tensor2d([0, 1, 1, 0, 1, 0], [1, 6], 'bool'), a, b)],
  ];
  for (const [name, f] of binary) {
    cases.push({ name, shapes: [[4, 6], [4, 6]], loss: ([a, b]) => randomWeighted(f(a!, b!), name) });
  }
  const labels = () => tf.tensor2d([[1, 0, 1, 0], [0, 1, 0, 1], [1, 1, 0, 0], [0, 0, 1, 1], [1, 0, 0, 1], [0, 1, 1, 0]]);
  cases.push(
    { name: 'sigmoidCrossEntropy', shapes: [[6, 4]], loss: ([x]) => tf.losses.sigmoidCrossEntropy(labels(), x!) as tf.Scalar },
    {
      name: 'softmaxCrossEntropy',
      shapes: [[6, 4]],
      loss: ([x]) => tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d([0, 1, 2, 3, 0, 1], 'int32'), 4), x!) as tf.Scalar,
    },
    { name: 'meanSquaredError', shapes: [[6, 4], [6, 4]], loss: ([a, b]) => tf.losses.meanSquaredError(a!, b!) as tf.Scalar },
    { name: 'huberLoss', shapes: [[6, 4], [6, 4]], loss: ([a, b]) => tf.losses.huberLoss(a!, b!) as tf.Scalar },
    { name: 'matMul', shapes: [[3, 4], [4, 5]], loss: ([a, b]) => randomWeighted(tf.matMul(a!, b!)) },
    { name: 'matMul transposed', shapes: [[4, 3], [5, 4]], loss: ([a, b]) => randomWeighted(tf.matMul(a!, b!, true, true)) },
    { name: 'batched matMul', shapes: [[2, 3, 4], [2, 4, 5]], loss: ([a, b]) => randomWeighted(tf.matMul(a!, b!)) },
    {
      name: 'fused matMul + bias + relu',
      shapes: [[3, 4], [4, 5], [5]],
      loss: ([a, b, c]) => randomWeighted(tf.fused.matMul({ a: a as tf.Tensor2D, b: b as tf.Tensor2D, bias: c!, activation: 'relu' })),
    },
    { name: 'concat axis 3', shapes: [[2, 3, 3, 2], [2, 3, 3, 4]], loss: ([a, b]) => randomWeighted(tf.concat([a!, b!], 3)) },
    { name: 'stack', shapes: [[2, 3], [2, 3]], loss: ([a, b]) => randomWeighted(tf.stack([a!, b!], 1)) },
    { name: 'slice', shapes: [[4, 5, 3]], loss: ([a]) => randomWeighted(tf.slice(a!, [1, 1, 0], [2, 3, 2])) },
    { name: 'split', shapes: [[4, 6]], loss: ([a]) => randomWeighted(tf.split(a!, [2, 4], 1)[1]!) },
    { name: 'gather axis 0', shapes: [[5, 3]], loss: ([a]) => randomWeighted(tf.gather(a!, tf.tensor1d([0, 2, 2, 4], 'int32'))) },
    { name: 'gather axis 1', shapes: [[3, 5]], loss: ([a]) => randomWeighted(tf.gather(a!, tf.tensor1d([4, 1, 1], 'int32'), 1)) },
    {
      name: 'gatherND',
      shapes: [[5, 3]],
      loss: ([a]) => randomWeighted(tf.gatherND(a!, tf.tensor2d([[0, 1], [2, 2], [2, 2], [4, 0]], undefined, 'int32'))),
    },
    { name: 'pad', shapes: [[2, 3]], loss: ([a]) => randomWeighted(tf.pad(a!, [[1, 0], [2, 1]])) },
    { name: 'transpose', shapes: [[2, 3, 4]], loss: ([a]) => randomWeighted(tf.transpose(a!, [2, 0, 1])) },
    { name: 'reshape + tile', shapes: [[2, 3]], loss: ([a]) => randomWeighted(tf.tile(tf.reshape(a!, [3, 2]), [2, 3])) },
    { name: 'reverse', shapes: [[3, 4]], loss: ([a]) => randomWeighted(tf.reverse(a!, 1)) },
    { name: 'mean', shapes: [[2, 3, 4]], loss: ([a]) => randomWeighted(tf.mean(a!, [1, 2])) },
    { name: 'sum', shapes: [[2, 3, 4]], loss: ([a]) => randomWeighted(tf.sum(a!, 1)) },
    { name: 'max', shapes: [[2, 3, 4]], loss: ([a]) => randomWeighted(tf.max(a!, [1, 2])) },
    { name: 'min', shapes: [[2, 3, 4]], loss: ([a]) => randomWeighted(tf.min(a!, 2)) },
    { name: 'cumsum', shapes: [[3, 4]], loss: ([a]) => randomWeighted(tf.cumsum(a!, 1)) },
    { name: 'resizeBilinear', shapes: [[1, 4, 4, 2]], loss: ([a]) => randomWeighted(tf.image.resizeBilinear(t4(a!), [7, 7])) },
  );
  return cases;
}

type Outputs = Float32Array[];

function evaluate(c: ProbeCase, inputs: readonly Float32Array[]): Outputs {
  return tf.tidy(() => {
    const xs = c.shapes.map((shape, i) => tf.tensor(inputs[i]!, shape.slice()));
    const { value, grads } = tf.valueAndGrads((...args: tf.Tensor[]) => c.loss(args))(xs);
    return [value, ...grads].map((t) => Float32Array.from(t.dataSync()));
  });
}

/** max |a−b| / (1 + max |b|) over matching arrays (b is the reference). */
export function relativeError(actual: readonly Float32Array[], expected: readonly Float32Array[]): number {
  let worst = 0;
  expected.forEach((b, i) => {
    const a = actual[i]!;
    if (a.length !== b.length) {
      worst = Infinity;
      return;
    }
    let scale = 0;
    let diff = 0;
    for (let j = 0; j < b.length; j++) {
      scale = Math.max(scale, Math.abs(b[j]!));
      const d = Math.abs(a[j]! - b[j]!);
      diff = Number.isNaN(d) ? Infinity : Math.max(diff, d);
    }
    worst = Math.max(worst, diff / (1 + scale));
  });
  return worst;
}

/**
 * Runs `cases` on `backend` and on `reference`, restoring the current backend
 * afterwards. Both backends must be registered (import their packages first).
 */
export async function probeTrainingOps(
  opts: { backend?: string; reference?: string; cases?: readonly ProbeCase[]; tolerance?: number; seed?: number } = {},
): Promise<ProbeResult[]> {
  const { backend = 'wasm', reference = 'cpu', tolerance = 1e-4, seed = 1 } = opts;
  const cases = opts.cases ?? trainingOpCases();
  const previous = tf.getBackend();
  const results: ProbeResult[] = [];
  try {
    for (const c of cases) {
      const rng = createRng(`probe/${seed}/${c.name}`);
      const inputs = c.shapes.map((shape) =>
        Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng() * 4 - 2 + (c.offset ?? 0)),
      );
      const outputs: Partial<Record<'test' | 'ref', Outputs>> = {};
      const errors: string[] = [];
      for (const [side, name] of [['ref', reference], ['test', backend]] as const) {
        if (!(await tf.setBackend(name))) throw new Error(`probeTrainingOps: backend '${name}' failed to initialise`);
        try {
          outputs[side] = evaluate(c, inputs);
        } catch (err) {
          errors.push(`${name}: ${(err instanceof Error ? err.message : String(err)).split('\n')[0]}`);
        }
      }
      if (outputs.test && outputs.ref) {
        const relError = relativeError(outputs.test, outputs.ref);
        results.push({ name: c.name, ok: relError <= tolerance, relError });
      } else {
        results.push({ name: c.name, ok: false, relError: NaN, error: errors.join('; ') });
      }
    }
  } finally {
    await tf.setBackend(previous);
  }
  return results;
}
