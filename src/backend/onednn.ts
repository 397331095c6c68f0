/**
 * Loads the optional native addon (native/, built by environment/setup.sh)
 * that runs convolutions and average pooling with oneDNN, and training batch
 * norm in C++, on tensors on the wasm heap.
 *
 * Why: the wasm backend's XNNPACK convolutions run at 0.1–0.4× PyTorch CPU
 * on the supernet's layer shapes, and PyTorch's CPU convolutions are
 * oneDNN's (bench/conv-ceiling.ts). Everything else stays on wasm, so a
 * machine without the addon trains the same models with the wasm kernels.
 *
 * `NAS_ONEDNN=0` switches it off; `NAS_ONEDNN_ADDON=path` points at a build
 * elsewhere. By default the build is looked for in `native/build/Release`
 * of the working directory or a parent (tests and the CLI run at the
 * repository root, notebooks one level below), then of the running script's
 * folder or a parent (bin/nas.js started from elsewhere).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';

export interface OnednnAddon {
  conv2dForward(params: Int32Array, x: Float32Array, w: Float32Array, y: Float32Array): void;
  conv2dBackwardData(params: Int32Array, dy: Float32Array, w: Float32Array, dx: Float32Array): void;
  conv2dBackwardFilter(params: Int32Array, x: Float32Array, dy: Float32Array, dw: Float32Array): void;
  /** Training batch norm over the rows of [rows, invStd.length]; the same contract as batchNormTraining.ts. */
  batchNormForward(
    x: Float32Array,
    xHat: Float32Array,
    invStd: Float32Array,
    epsilon: number,
    y?: Float32Array,
    gamma?: Float32Array,
    beta?: Float32Array,
  ): void;
  batchNormBackward(
    dy: Float32Array,
    xHat: Float32Array,
    invStd: Float32Array,
    dx: Float32Array,
    gamma?: Float32Array,
    dGamma?: Float32Array,
    dBeta?: Float32Array,
  ): void;
  /** Average pooling without padding in the average; params: N H W C KH KW OH OW sh sw pt pl pb pr. */
  avgPoolForward(params: Int32Array, x: Float32Array, y: Float32Array): void;
  avgPoolBackward(params: Int32Array, dy: Float32Array, dx: Float32Array): void;
  setThreads(n: number): void;
  version(): string;
}

export interface OnednnStatus {
  readonly addon: OnednnAddon | null;
  /** 'oneDNN 2.6.3 (path)' when loaded, else why not. */
  readonly reason: string;
}

const ADDON_RELATIVE = join('native', 'build', 'Release', 'nas_onednn.node');
/** Levels above the working directory searched for the build. */
const SEARCH_DEPTH = 4;

let status: OnednnStatus | undefined;

function findAddon(env: NodeJS.ProcessEnv): string | null {
  const explicit = env['NAS_ONEDNN_ADDON'];
  if (explicit !== undefined && explicit !== '') return resolve(explicit);
  // The working directory, then the running script's folder (bin/nas.js run from elsewhere).
  const starts = [process.cwd(), ...(process.argv[1] ? [dirname(resolve(process.argv[1]))] : [])];
  for (const start of starts) {
    let dir = start;
    for (let i = 0; i <= SEARCH_DEPTH; i++) {
      const candidate = join(dir, ADDON_RELATIVE);
      if (existsSync(candidate)) return candidate;
      const parent = dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
  }
  return null;
}

/**
 * The addon, loaded once per thread, or why it is not used. `fresh` answers
 * for `env` without touching the thread's choice (for tests and diagnostics).
 */
export function onednn(env: NodeJS.ProcessEnv = process.env, opts: { fresh?: boolean } = {}): OnednnStatus {
  if (opts.fresh) return load(env);
  return (status ??= load(env));
}

function load(env: NodeJS.ProcessEnv): OnednnStatus {
  if (env['NAS_ONEDNN'] === '0') return { addon: null, reason: 'switched off (NAS_ONEDNN=0)' };
  const path = findAddon(env);
  if (path === null) {
    return {
      addon: null,
      reason: `not built (no ${ADDON_RELATIVE} under the working directory or its parents; run environment/setup.sh)`,
    };
  }
  if (!existsSync(path)) return { addon: null, reason: `NAS_ONEDNN_ADDON=${path} does not exist` };
  try {
    const addon = createRequire(join(process.cwd(), 'noop.js'))(path) as OnednnAddon;
    addon.setThreads(1);
    return { addon, reason: `oneDNN ${addon.version()} (${path})` };
  } catch (err) {
    const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
    return { addon: null, reason: `cannot be loaded from ${path} (${message}); rebuild with environment/setup.sh` };
  }
}

let enabled = true;

/** Turns the native kernels off (true: on where the addon loads), for tests of the wasm kernels they replace. */
export function setNativeKernels(on: boolean): void {
  enabled = on;
}

/** The addon when kernels should use it, else null (they run their wasm versions). */
export function nativeKernels(): OnednnAddon | null {
  return enabled ? onednn().addon : null;
}
