/** The run engine: one way for every study to plan, cache, execute (in-thread, pool, queue) and report its runs. */
export { runStudy, RunFailedError, type RunStudyOptions, type StudyOutcome } from './engine.js';
export { checkExecutorConfig, createExecutor } from './executors.js';
export { defaultThreadCount } from './pool.js';
export { defaultProgress, barProgress, formatDuration, formatProgress, lineProgress, notebookProgress } from './progress.js';
export { serveQueue, type QueueWorkerOptions } from './queueWorker.js';
export { DEFAULT_QUEUE } from './redis.js';
export { interruptOnSignals, interruptedExitCode } from './signals.js';
export { RunStore } from './store.js';
export type { ExecutorConfig, ProgressSink, ProgressState, RunOutcome, RunSpec, StudyPlan, TaskContext, TaskFunction, TaskRef } from './types.js';
export { EXECUTOR_KINDS } from './types.js';
export { codeVersion, dataVersion, runKey } from './version.js';
export { fromWire, fromWireText, toWire, toWireText } from './wire.js';
