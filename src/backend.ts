/**
 * Chooses and initialises the tfjs backend once per thread, before any tensor
 * exists. Order: @tensorflow/tfjs-node-gpu, @tensorflow/tfjs-node (native
 * TensorFlow), then wasm with our training kernels (src/backend/); the pure-JS
 * cpu backend (~200× slower for conv training) only when asked for.
 *
 * `NAS_BACKEND=auto|tensorflow|wasm|cpu` overrides the automatic choice.
 * Works in worker threads (each calls initBackend) and under tslab
 * (CommonJS; no import.meta; the wasm package finds its .wasm files itself).
 */
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { registerTrainingKernels } from './backend/index.js';
import { onednn } from './backend/onednn.js';

export const BACKEND_PREFERENCES = ['auto', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendPreference = (typeof BACKEND_PREFERENCES)[number];
export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

/** One candidate considered while choosing, and why it was or was not used. */
export interface BackendAttempt {
  readonly backend: BackendName;
  /** The package that provides it. */
  readonly source: string;
  readonly ok: boolean;
  readonly reason: string;
}

export interface BackendInfo {
  readonly name: BackendName;
  readonly source: string;
  /** What was asked for and where the request came from (option, NAS_BACKEND, default). */
  readonly requested: string;
  /** Every candidate in the order tried, including the one chosen (last). */
  readonly tried: readonly BackendAttempt[];
  /** wasm: SIMD build in use; null where it does not apply. */
  readonly simd: boolean | null;
  /** wasm: worker threads inside the wasm module (1 in Node); null where unknown. */
  readonly threads: number | null;
  readonly gpu: boolean;
  /** tfjs-core version. */
  readonly version: string;
  /** Replacement kernels registered for this backend (see src/backend/). */
  readonly trainingKernels: readonly string[];
  /**
   * wasm: the native kernels (native/: convolutions and average pooling on
   * oneDNN, batch norm in C++) — 'oneDNN x.y.z (path)' when loaded, else why
   * not; null where it does not apply.
   */
  readonly nativeKernels: string | null;
  /** One line for the first output of a notebook or a log. */
  describe(): string;
}

interface Candidate {
  readonly backend: BackendName;
  readonly source: string;
  readonly gpu: boolean;
  /** Loads the backend; returns '' on success or the reason it is unusable. */
  readonly load: () => Promise<string>;
}

let pending: Promise<BackendInfo> | undefined;
let chosen: BackendInfo | undefined;

/**
 * Picks the best backend that loads and makes it current. Idempotent: later
 * calls return the same info; a later call that explicitly asks for a
 * different backend than the one chosen throws instead of silently switching.
 */
export function initBackend(opts: { prefer?: BackendPreference } = {}): Promise<BackendInfo> {
  if (pending !== undefined) {
    const explicit = opts.prefer;
    if (explicit === undefined || explicit === 'auto') return pending;
    checkPreference(explicit, 'initBackend({ prefer })');
    return pending.then((info) => {
      if (info.name !== explicit) {
        throw new Error(
          `initBackend({ prefer: '${explicit}' }): this thread already uses the '${info.name}' backend ` +
            `(${info.requested}); choose the backend once, before creating tensors`,
        );
      }
      return info;
    });
  }
  let request: { preference: BackendPreference; requested: string };
  try {
    request = resolvePreference(opts.prefer);
  } catch (err) {
    return Promise.reject(err);
  }
  pending = chooseBackend(request.preference, request.requested).then(
    (info) => (chosen = info),
    (err: unknown) => {
      // A failed choice may be retried (e.g. after fixing NAS_BACKEND in a notebook).
      pending = undefined;
      throw err;
    },
  );
  return pending;
}

/** For library code that needs a backend but should not pick one: waits for (or starts) the default choice. */
export function whenBackendReady(): Promise<BackendInfo> {
  return pending ?? initBackend();
}

/** The chosen backend; throws if `await initBackend()` has not completed in this thread. */
export function currentBackend(): BackendInfo {
  if (chosen === undefined) {
    throw new Error('No tfjs backend chosen yet in this thread: call `await initBackend()` before creating tensors');
  }
  return chosen;
}

/** What `initBackend` will try: an explicit option wins over `NAS_BACKEND`, which wins over 'auto'. */
export function resolvePreference(
  option?: BackendPreference,
  env: NodeJS.ProcessEnv = process.env,
): { preference: BackendPreference; requested: string } {
  if (option !== undefined && option !== 'auto') {
    checkPreference(option, 'initBackend({ prefer })');
    return { preference: option, requested: `prefer: '${option}'` };
  }
  const fromEnv = env['NAS_BACKEND'];
  if (fromEnv !== undefined && fromEnv !== '') {
    checkPreference(fromEnv, 'NAS_BACKEND');
    return { preference: fromEnv as BackendPreference, requested: `NAS_BACKEND=${fromEnv}` };
  }
  return { preference: 'auto', requested: 'auto' };
}

function checkPreference(value: string, where: string): void {
  if (!(BACKEND_PREFERENCES as readonly string[]).includes(value)) {
    throw new Error(`${where}: ${JSON.stringify(value)} is not a backend; use one of ${BACKEND_PREFERENCES.join(', ')}`);
  }
}

function nativeCandidate(pkg: string, gpu: boolean): Candidate {
  return {
    backend: 'tensorflow',
    source: pkg,
    gpu,
    load: async () => {
      try {
        // A variable specifier keeps TypeScript from requiring the (optional) package at compile time.
        const specifier: string = pkg;
        await import(specifier);
      } catch (err) {
        const code = (err as { code?: unknown } | null)?.code;
        const missing = (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && firstLine(err).includes(pkg);
        return missing ? 'is not installed' : `cannot be loaded (${firstLine(err)})`;
      }
      // Here '@tensorflow/tfjs-node' is an npm alias of plain @tensorflow/tfjs (for danfojs): it imports
      // fine but registers no native backend, so success is judged by the registration alone.
      if (tf.findBackendFactory('tensorflow') == null) {
        return "loads but registers no 'tensorflow' backend (an alias of pure-JS @tensorflow/tfjs, not the native binding)";
      }
      return (await tf.setBackend('tensorflow')) ? '' : "the 'tensorflow' backend failed to initialise";
    },
  };
}

const TFJS_NODE_GPU = nativeCandidate('@tensorflow/tfjs-node-gpu', true);
const TFJS_NODE = nativeCandidate('@tensorflow/tfjs-node', false);
const WASM: Candidate = {
  backend: 'wasm',
  source: '@tensorflow/tfjs-backend-wasm',
  gpu: false,
  load: async () => {
    const restoreHandlers = snapshotProcessHandlers();
    try {
      return (await tf.setBackend('wasm')) ? '' : 'the wasm module failed to initialise';
    } catch (err) {
      return `failed to initialise (${firstLine(err)})`;
    } finally {
      restoreHandlers();
    }
  },
};
const CPU: Candidate = {
  backend: 'cpu',
  source: '@tensorflow/tfjs-backend-cpu',
  gpu: false,
  load: async () => ((await tf.setBackend('cpu')) ? '' : 'the cpu backend failed to initialise'),
};

const CANDIDATES: Record<BackendPreference, readonly Candidate[]> = {
  auto: [TFJS_NODE_GPU, TFJS_NODE, WASM],
  tensorflow: [TFJS_NODE_GPU, TFJS_NODE],
  wasm: [WASM],
  cpu: [CPU],
};

async function chooseBackend(preference: BackendPreference, requested: string): Promise<BackendInfo> {
  silenceCpuBanner();
  // Before any backend initialises, so replaced stock kernels are still set up through ours.
  registerTrainingKernels();
  const tried: BackendAttempt[] = [];
  for (const candidate of CANDIDATES[preference]) {
    let failure: string;
    try {
      failure = await candidate.load();
    } catch (err) {
      failure = `failed (${firstLine(err)})`;
    }
    tried.push({ backend: candidate.backend, source: candidate.source, ok: failure === '', reason: failure || 'loaded' });
    if (failure === '') return describeChoice(candidate, requested, tried);
  }
  const list = tried.map((t) => `${t.source}: ${t.reason}`).join('; ');
  throw new Error(`initBackend (${requested}): no usable tfjs backend. Tried ${list}`);
}

async function describeChoice(candidate: Candidate, requested: string, tried: BackendAttempt[]): Promise<BackendInfo> {
  await tf.ready();
  const isWasm = candidate.backend === 'wasm';
  const simd = isWasm ? Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) : null;
  const threads = isWasm ? getThreadsCount() : candidate.backend === 'cpu' ? 1 : null;
  const trainingKernels = registerTrainingKernels(candidate.backend);
  const native = isWasm ? onednn() : null;
  const version = tf.version_core;
  const info: BackendInfo = {
    name: candidate.backend,
    source: candidate.source,
    requested,
    tried: tried.slice(),
    simd,
    threads,
    gpu: candidate.gpu,
    version,
    trainingKernels,
    nativeKernels: native === null ? null : native.reason,
    describe: () => {
      const details = [
        candidate.gpu ? 'GPU' : null,
        simd === null ? null : simd ? 'SIMD' : 'no SIMD',
        threads === null ? null : `${threads} thread${threads === 1 ? '' : 's'}`,
        trainingKernels.length > 0
          ? `${trainingKernels.length} training kernel${trainingKernels.length === 1 ? '' : 's'} replaced`
          : null,
        native === null
          ? null
          : native.addon !== null
            ? `native kernels (convolutions and pooling on oneDNN ${native.addon.version()}, batch norm in C++)`
            : `oneDNN kernels not used: ${native.reason}`,
      ].filter((d) => d !== null);
      const notUsed = tried.filter((t) => !t.ok).map((t) => `${t.source} ${t.reason}`);
      return (
        `tfjs ${version} backend=${candidate.backend} (${candidate.source}${details.length ? '; ' + details.join(', ') : ''}) ` +
        `[${requested}]` +
        (notUsed.length ? ` — not used: ${notUsed.join('; ')}` : '')
      );
    },
  };
  return Object.freeze(info);
}

/**
 * The cpu backend prints a "install tfjs-node" banner on its first tensor in
 * Node. The choice here is deliberate (and reported by describe()), so the
 * banner is switched off through the backend's own first-use flag.
 */
function silenceCpuBanner(): void {
  const cpu = tf.findBackend('cpu') as unknown as { firstUse?: boolean } | null;
  if (cpu != null && 'firstUse' in cpu) cpu.firstUse = false;
}

/**
 * The wasm module's Emscripten glue installs process handlers that re-throw
 * every uncaught exception and unhandled rejection from inside its minified
 * source, so Node prints ~300 kB of that one line above the real error. Node's
 * defaults report the same errors legibly; remove whatever the init added.
 */
function snapshotProcessHandlers(): () => void {
  type Listener = (...args: unknown[]) => void;
  const events = ['uncaughtException', 'unhandledRejection'];
  const emitter = process as unknown as {
    listeners(event: string): Listener[];
    removeListener(event: string, listener: Listener): unknown;
  };
  const before = events.map((event) => new Set(emitter.listeners(event)));
  return () => {
    events.forEach((event, i) => {
      for (const listener of emitter.listeners(event)) {
        if (!before[i]!.has(listener)) emitter.removeListener(event, listener);
      }
    });
  };
}

function firstLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n')[0]!.slice(0, 200);
}
