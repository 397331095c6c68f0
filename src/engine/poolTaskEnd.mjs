// Ends a pool task's progress port (used by poolWorker.mjs). The marker tells
// the pool that every progress message has arrived: the 'close' event of a
// port transferred to a worker never reaches the main thread (measured: each
// task then waited for a 2 s fallback).
export const TASK_END_MARKER = 'nas-worker-pool:task-end';

export function endTaskPort(port) {
  if (!port) return;
  port.postMessage(TASK_END_MARKER);
  port.close();
}
