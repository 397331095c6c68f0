// Shared by the worker-pool entries (renasWorker.mjs, fairnessWorker.mjs,
// siameseSweepWorker.mjs): ends a task's progress port. The marker message
// tells WorkerPool.run that every progress message has arrived; the port's
// 'close' event alone does not reach the main thread for a port that was
// transferred to a worker (measured: it never fired, so each task waited for
// the 2 s fallback).
export const TASK_END_MARKER = 'nas-worker-pool:task-end';

export function endTaskPort(port) {
  if (!port) return;
  port.postMessage(TASK_END_MARKER);
  port.close();
}
