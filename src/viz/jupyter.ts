/**
 * The bridge to the notebook: rich outputs (PNG, HTML …) for the cell that is
 * running in a tslab kernel, or `null` anywhere else.
 *
 * Detection does not import 'tslab': that would load tslab's bundled
 * TypeScript compiler into every plain script. Inside a kernel, tslab's own
 * `dist/jupyter.js` is already in Node's module cache (the kernel runs from
 * it), and its `lastWriteDisplayData` is the writer for the executing cell:
 * the very function `tslab.display.*` calls. It is used directly so an output
 * can carry several MIME types and metadata (e.g. a 2× PNG shown at 720 px),
 * which `tslab.display.png` cannot.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';

/** MIME type → payload (base64 for binary types, a JSON value for +json types), as in a Jupyter display_data message. */
export type MimeBundle = Record<string, string | Record<string, unknown>>;

export interface NotebookOutput {
  /** Adds one output to the running cell; a front-end shows the richest MIME type it supports. */
  display(data: MimeBundle, metadata?: Record<string, unknown>): void;
}

type WriteDisplayData = (
  msg: { data: MimeBundle; metadata: Record<string, unknown>; transient: Record<string, unknown> },
  update: boolean,
) => void;

const TSLAB_JUPYTER_MODULE = /[\\/]tslab[\\/]dist[\\/]jupyter\.js$/;

let cachedJupyterModule: { lastWriteDisplayData?: unknown } | undefined;

function tslabJupyterModule(): { lastWriteDisplayData?: unknown } | undefined {
  if (cachedJupyterModule) return cachedJupyterModule;
  const cache = createRequire(join(process.cwd(), 'package.json')).cache;
  for (const [file, mod] of Object.entries(cache)) {
    if (TSLAB_JUPYTER_MODULE.test(file) && mod) {
      cachedJupyterModule = mod.exports as { lastWriteDisplayData?: unknown };
      return cachedJupyterModule;
    }
  }
  return undefined;
}

/** True inside a tslab kernel process. */
export function inNotebookKernel(): boolean {
  return tslabJupyterModule() !== undefined;
}

/** The running cell's output, or null when not executing inside a tslab kernel. */
export function notebookOutput(): NotebookOutput | null {
  const write = tslabJupyterModule()?.lastWriteDisplayData;
  if (typeof write !== 'function') return null;
  return {
    display(data, metadata = {}) {
      (write as WriteDisplayData)({ data, metadata, transient: {} }, false);
    },
  };
}

/** One output of the running cell that later calls replace in place (Jupyter display_id / update_display_data). */
export interface UpdatableOutput {
  update(data: MimeBundle): void;
}

/**
 * An output that updates in place, or null outside a tslab kernel. The
 * writer is captured now, so updates go to this cell's output even while a
 * later cell runs (front-ends route update_display_data by display id).
 */
export function updatableOutput(): UpdatableOutput | null {
  const write = tslabJupyterModule()?.lastWriteDisplayData;
  if (typeof write !== 'function') return null;
  const displayId = `nas-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2, 10)}`;
  let shown = false;
  return {
    update(data) {
      (write as WriteDisplayData)({ data, metadata: {}, transient: { display_id: displayId } }, shown);
      shown = true;
    },
  };
}
