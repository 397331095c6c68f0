/**
 * What a study hands the run engine: its runs, each a key, the config the key
 * was hashed from, a JSON-serialisable task, and the module export that
 * computes it. The engine plans, skips what is cached, executes the rest on
 * an executor and stores every result as it arrives (see engine.ts).
 */

/** Where the function computing a study's runs lives: a module path relative to the repository root and its export. */
export interface TaskRef {
  readonly module: string;
  readonly export: string;
}

/** What a task function gets besides its task. */
export interface TaskContext {
  /** Aborted when the study is interrupted; long tasks check it between steps. */
  readonly signal: AbortSignal;
  /** A short note on how far the run is (e.g. "update 300/1000"), shown beside the run in the progress display. */
  progress(detail: string): void;
}

/** Computes one run; must be a pure function of `task` (the same task gives the same result on any executor). */
export type TaskFunction<T, R> = (task: T, context: TaskContext) => Promise<R>;

export interface RunSpec<T> {
  /** The run's identity: `runKey(config)` (config plus data version). Also its cache file name and queue job id. */
  readonly key: string;
  /** The run's full config (stored beside the result, so a cache file says what it holds). */
  readonly config: unknown;
  /** What the task function receives (plain data, typed arrays allowed). */
  readonly task: T;
  /** The run in words, for progress and errors, e.g. "strict-fair seed 1". */
  readonly label: string;
}

export interface StudyPlan<T, R> {
  /** Study name, for progress lines and errors. */
  readonly study: string;
  readonly taskRef: TaskRef;
  /** Every run the study needs, in the order to start them. */
  readonly runs: readonly RunSpec<T>[];
  /**
   * The same function as `taskRef` names, for executing in this thread: a
   * tslab kernel compiles src/ in memory and cannot import a module by path.
   */
  readonly local?: TaskFunction<T, R>;
  /** Whether a cached result still answers this run (default: always). E.g. a sweep run cached with a smaller K than now asked. */
  readonly accept?: (spec: RunSpec<T>, cached: R) => boolean;
  /**
   * What is wrong with a cached result that parses but is not whole (e.g.
   * "lacks field tau", see `missingFields`), or undefined. Such a file is
   * damaged: it is moved aside with a warning and the run recomputed.
   */
  readonly check?: (cached: R) => string | undefined;
}

/** Which executor runs the missing runs. */
export type ExecutorConfig =
  | { readonly kind: 'in-thread' }
  | { readonly kind: 'pool'; /** Worker threads; default one per core. */ readonly threads?: number }
  | {
      readonly kind: 'queue';
      /** Redis URL, e.g. redis://127.0.0.1:6379 */
      readonly url: string;
      /** BullMQ queue name (default `nas-runs`); submitters and workers must agree. */
      readonly queue?: string;
    };

export const EXECUTOR_KINDS = ['in-thread', 'pool', 'queue'] as const;

/** One finished run as the engine returns it. */
export interface RunOutcome<R> {
  readonly key: string;
  readonly label: string;
  readonly result: R;
  /** True when read from the results folder (finished earlier, or by another process) rather than computed by this call. */
  readonly fromCache: boolean;
}

/** The one progress format of every study, executor and display. */
export interface ProgressState {
  readonly study: string;
  readonly executor: ExecutorConfig['kind'];
  readonly total: number;
  /** Runs finished: from the cache plus computed. */
  readonly done: number;
  readonly cached: number;
  readonly computed: number;
  readonly failed: number;
  /** Runs in flight, each "label (detail)". */
  readonly running: readonly string[];
  /** Runs another process on this results folder is computing (claimed), waited for. */
  readonly claimedElsewhere: number;
  readonly elapsedSeconds: number;
  /** Seconds left at the measured throughput; NaN until a run was computed. */
  readonly etaSeconds: number;
  /** Computed runs per minute so far (NaN before the first). */
  readonly runsPerMinute: number;
  /** The last run that finished, in words. */
  readonly last: string;
  /** 'running' while work is left; then how it ended. */
  readonly phase: 'running' | 'finished' | 'failed' | 'interrupted';
}

export type ProgressSink = (state: ProgressState) => void;
