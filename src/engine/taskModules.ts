/**
 * Finds and calls the function a run's `TaskRef` names. Used wherever a task
 * is computed outside the study's own module graph: pool threads, queue
 * workers, and the in-thread executor when the study gave no local function.
 */
import { isAbsolute, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { TaskContext, TaskFunction, TaskRef } from './types.js';
import { fromWireText, toWireText } from './wire.js';

const loaded = new Map<string, Promise<TaskFunction<unknown, unknown>>>();

/** The function `ref` names; the module is resolved against the repository root (the working directory). */
export function loadTaskFunction(ref: TaskRef): Promise<TaskFunction<unknown, unknown>> {
  const id = `${ref.module}#${ref.export}`;
  let hit = loaded.get(id);
  if (!hit) {
    const path = isAbsolute(ref.module) ? ref.module : join(process.cwd(), ref.module);
    hit = import(pathToFileURL(path).href).then((mod: Record<string, unknown>) => {
      const fn = mod[ref.export];
      if (typeof fn !== 'function') throw new Error(`task module ${path} has no function export ${JSON.stringify(ref.export)}`);
      return fn as TaskFunction<unknown, unknown>;
    });
    hit.catch(() => loaded.delete(id));
    loaded.set(id, hit);
  }
  return hit;
}

/** Runs the task given as wire text and returns its result as wire text (see wire.ts). */
export async function runTaskText(ref: TaskRef, taskText: string, context: TaskContext): Promise<string> {
  const fn = await loadTaskFunction(ref);
  return toWireText(await fn(fromWireText(taskText), context));
}
