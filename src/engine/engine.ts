/**
 * The run engine every study uses: plan → split cached from missing → execute
 * the missing runs on an executor → store each result as it arrives. It
 * reports progress in one format, stops on abort (a notebook interrupt, i.e.
 * SIGINT to the kernel, or the CLI's Ctrl-C / SIGTERM), reports a failed run
 * by key, label and config, and shares a results folder with other processes
 * on the same machine through a claim per run key, so no run is computed twice.
 */
import { setMaxListeners } from 'node:events';
import { hostname } from 'node:os';
import { ClaimFolder, type ClaimAttempt } from './claims.js';
import { createExecutor } from './executors.js';
import { defaultProgress } from './progress.js';
import { RunStore } from './store.js';
import type { ExecutorConfig, ProgressSink, ProgressState, RunOutcome, RunSpec, StudyPlan } from './types.js';
import { fromWireText, toWireText } from './wire.js';

export interface RunStudyOptions<R> {
  readonly executor: ExecutorConfig;
  /** The study's results folder: one `<key>.json` per finished run (and `<key>.claim` while one is computed). */
  readonly cacheDir: string;
  readonly signal?: AbortSignal;
  /** Default: a notebook output updated in place, a terminal bar, or log lines (see progress.ts); `false` for none. */
  readonly progress?: ProgressSink | false;
  /** Every run as soon as it is known, cached or computed (computed ones before `toStored` drops anything). */
  readonly onResult?: (outcome: RunOutcome<R>) => void;
  /** What of a computed result is written to the results folder (default: all of it). */
  readonly toStored?: (result: R) => R;
  /** Stop this study on SIGINT to this process (a notebook interrupt); default true. */
  readonly stopOnSigint?: boolean;
  /** Warnings (a damaged cache file moved aside); default stderr. */
  readonly warn?: (message: string) => void;
}

export interface StudyOutcome<R> {
  /** Every run, in plan order. */
  readonly runs: RunOutcome<R>[];
  readonly stats: {
    readonly total: number;
    readonly cached: number;
    readonly computed: number;
    readonly seconds: number;
    readonly executor: ExecutorConfig['kind'];
  };
}

/** One or more runs failed; finished runs are stored, a rerun resumes. */
export class RunFailedError extends Error {
  constructor(
    readonly study: string,
    readonly failures: readonly { readonly key: string; readonly label: string; readonly config: unknown; readonly error: unknown }[],
  ) {
    const lines = failures.map(
      (f) => `  run ${f.label} (key ${f.key}): ${f.error instanceof Error ? f.error.message : String(f.error)}\n    config ${JSON.stringify(f.config)}`,
    );
    super(`${study}: ${failures.length} run(s) failed (finished runs are stored; rerun to resume):\n${lines.join('\n')}`, { cause: failures[0]?.error });
    this.name = 'RunFailedError';
  }
}

function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason;
  const err = new Error(typeof reason === 'string' ? reason : 'the study was interrupted; finished runs are stored, rerun to resume');
  err.name = 'AbortError';
  return err;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((done) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), done()), { once: true });
  });
}

/** Runs (or reads from the results folder) every run of `plan`. */
export async function runStudy<T, R>(plan: StudyPlan<T, R>, options: RunStudyOptions<R>): Promise<StudyOutcome<R>> {
  const started = performance.now();
  const keys = new Set<string>();
  for (const spec of plan.runs) {
    if (keys.has(spec.key)) throw new Error(`${plan.study}: two runs share the key ${spec.key} (${spec.label}); a run's key must identify it`);
    keys.add(spec.key);
  }
  options.signal?.throwIfAborted();
  const store = new RunStore<R>(options.cacheDir, options.warn);
  const outcomes = new Map<string, RunOutcome<R>>();
  const record = (outcome: RunOutcome<R>): void => {
    outcomes.set(outcome.key, outcome);
    options.onResult?.(outcome);
  };
  const cachedHit = (spec: RunSpec<T>): R | undefined => {
    const hit = store.get(spec.key, spec.config, plan.check);
    return hit !== undefined && (plan.accept?.(spec, hit) ?? true) ? hit : undefined;
  };
  let cached = 0;
  /** A run whose result is in the results folder (finished earlier, or just now by another process). */
  const recordCached = (spec: RunSpec<T>, hit: R): void => {
    cached++;
    record({ key: spec.key, label: spec.label, result: hit, fromCache: true });
  };
  const pending: RunSpec<T>[] = [];
  for (const spec of plan.runs) {
    const hit = cachedHit(spec);
    if (hit !== undefined) recordCached(spec, hit);
    else pending.push(spec);
  }

  const sink = options.progress === false ? undefined : (options.progress ?? defaultProgress());
  let computed = 0;
  let last = '';
  let computeStart = 0;
  const running = new Map<string, string>();
  const deferred: RunSpec<T>[] = [];
  const failures: { key: string; label: string; config: unknown; error: unknown }[] = [];
  const report = (phase: ProgressState['phase']): void => {
    if (!sink) return;
    const elapsed = (performance.now() - started) / 1000;
    const computeSeconds = computeStart ? (performance.now() - computeStart) / 1000 : 0;
    const rate = computed > 0 && computeSeconds > 0 ? (60 * computed) / computeSeconds : NaN;
    const left = plan.runs.length - outcomes.size;
    sink({
      study: plan.study,
      executor: options.executor.kind,
      total: plan.runs.length,
      done: outcomes.size,
      cached,
      computed,
      failed: failures.length,
      running: [...running.values()],
      claimedElsewhere: deferred.length,
      elapsedSeconds: elapsed,
      etaSeconds: Number.isFinite(rate) ? (60 * left) / rate : NaN,
      runsPerMinute: rate,
      last,
      phase,
    });
  };
  const finish = (): StudyOutcome<R> => ({
    runs: plan.runs.map((s) => outcomes.get(s.key)!),
    stats: { total: plan.runs.length, cached, computed, seconds: (performance.now() - started) / 1000, executor: options.executor.kind },
  });
  if (pending.length === 0) {
    last = 'all runs cached';
    report('finished');
    return finish();
  }

  const controller = new AbortController();
  // Every run in flight listens to it (a queue study has hundreds): not a leak.
  setMaxListeners(0, controller.signal);
  const forward = (): void => controller.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', forward, { once: true });
  const onSigint = (): void => {
    const err = new Error(`${plan.study}: interrupted (SIGINT); finished runs are stored, rerun to compute the rest`);
    err.name = 'AbortError';
    controller.abort(err);
  };
  if (options.stopOnSigint ?? true) {
    // Not in the same turn as the caller: a tslab cell's synchronous part runs under vm's breakOnSigint,
    // and a SIGINT listener added there leaves SIGINT at its default action afterwards (an interrupt
    // would then kill the kernel).
    await new Promise<void>((resume) => setImmediate(resume));
    process.on('SIGINT', onSigint);
  }
  const signal = controller.signal;
  const aborted = new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(abortError(signal)), { once: true }));
  aborted.catch(() => undefined);

  const executor = createExecutor(options.executor, plan.local as never, pending.length);
  const claims = executor.local ? new ClaimFolder(options.cacheDir) : undefined;
  const computedBy = `${hostname()}:${process.pid} (${executor.kind})`;
  const queue = [...pending];
  const stopped = (): boolean => signal.aborted || failures.length > 0;

  /** The next run to start: queued first, then runs other processes held whose claim is gone. */
  const next = async (): Promise<RunSpec<T> | undefined> => {
    for (;;) {
      if (stopped()) return undefined;
      const spec = queue.shift();
      if (spec) return spec;
      if (deferred.length === 0) return undefined;
      for (let i = 0; i < deferred.length; i++) {
        const s = deferred[i]!;
        const hit = cachedHit(s);
        if (hit !== undefined) {
          deferred.splice(i--, 1);
          last = `${s.label} (computed by another process)`;
          recordCached(s, hit);
          report('running');
        } else if (!claims!.heldElsewhere(s.key)) {
          deferred.splice(i, 1);
          return s;
        }
      }
      if (deferred.length === 0) return undefined;
      await sleep(500, signal);
    }
  };

  const lane = async (): Promise<void> => {
    for (let spec = await next(); spec; spec = await next()) {
      let claim: ClaimAttempt | undefined;
      if (claims) {
        claim = claims.tryClaim(spec.key);
        if (!claim.ok) {
          deferred.push(spec);
          report('running');
          continue;
        }
        // Another process may have finished it between the first look and the claim.
        const hit = cachedHit(spec);
        if (hit !== undefined) {
          claim.release();
          recordCached(spec, hit);
          continue;
        }
      }
      const s = spec;
      running.set(s.key, s.label);
      computeStart ||= performance.now();
      report('running');
      try {
        const execution = executor.execute({
          key: s.key,
          label: s.label,
          study: plan.study,
          ref: plan.taskRef,
          taskText: toWireText(s.task),
          signal,
          onDetail: (detail) => {
            if (signal.aborted || !running.has(s.key)) return;
            running.set(s.key, `${s.label} (${detail})`);
            report('running');
          },
        });
        // After an abort the executor's own promise may still settle (or reject on cancel): never unhandled.
        execution.catch(() => undefined);
        const text = await Promise.race([execution, aborted]);
        const result = fromWireText<R>(text);
        store.put(s.key, s.label, s.config, options.toStored ? options.toStored(result) : result, computedBy);
        computed++;
        last = s.label;
        running.delete(s.key);
        record({ key: s.key, label: s.label, result, fromCache: false });
        report('running');
      } catch (error) {
        running.delete(s.key);
        if (signal.aborted) return;
        failures.push({ key: s.key, label: s.label, config: s.config, error });
        report('running');
      } finally {
        if (claim?.ok) claim.release();
      }
    }
  };

  try {
    await Promise.all(Array.from({ length: Math.min(executor.slots, pending.length) }, lane));
  } finally {
    if (options.stopOnSigint ?? true) process.off('SIGINT', onSigint);
    options.signal?.removeEventListener('abort', forward);
    if (signal.aborted) await executor.cancel().catch(() => undefined);
    await executor.close();
  }
  if (signal.aborted) {
    report('interrupted');
    throw abortError(signal);
  }
  if (failures.length > 0) {
    report('failed');
    throw new RunFailedError(plan.study, failures);
  }
  report('finished');
  return finish();
}
