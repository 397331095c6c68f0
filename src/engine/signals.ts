/**
 * Stopping a command-line study: Ctrl-C (SIGINT), SIGTERM and SIGHUP abort
 * it, and so does losing the parent process (`npx nas …` runs node under npm
 * and a shell; when those are killed this process is re-parented and stops
 * instead of going on as an orphan). Finished runs are stored either way.
 */
import { readFileSync } from 'node:fs';
import { processAlive } from './processes.js';

function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

/**
 * The npm / npx process that launched this one, if any (`npx nas …` runs
 * npm exec → sh -c → node): killing it leaves the shell and this process
 * alive, so that is the process to watch. Linux /proc only; undefined elsewhere.
 */
function launcherPid(): number | undefined {
  let pid: number | undefined = process.ppid;
  for (let depth = 0; depth < 4 && pid && pid > 1; depth++) {
    let cmdline = '';
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
    } catch {
      return undefined;
    }
    if (/(^|[/ ])npx( |$)|(^|[/ ])npm(-cli\.js)? exec( |$)|npm-cli\.js/.test(cmdline)) return pid;
    pid = parentOf(pid);
  }
  return undefined;
}

export interface Interruption {
  readonly signal: AbortSignal;
  /** The signal name that stopped the command, or undefined. */
  readonly cause: () => string | undefined;
  dispose(): void;
}

export function interruptOnSignals(): Interruption {
  const controller = new AbortController();
  let cause: string | undefined;
  const stop = (name: string) => (): void => {
    if (controller.signal.aborted) {
      // A second Ctrl-C: the user wants out now.
      process.exit(130);
    }
    cause = name;
    process.stderr.write(`\n${name}: stopping (finished runs are stored; rerun to resume)\n`);
    const err = new Error(`interrupted by ${name}; finished runs are stored, rerun to resume`);
    err.name = 'AbortError';
    controller.abort(err);
  };
  const handlers = { SIGINT: stop('SIGINT'), SIGTERM: stop('SIGTERM'), SIGHUP: stop('SIGHUP') } as const;
  for (const [name, handler] of Object.entries(handlers)) process.on(name, handler);
  const parent = process.ppid;
  const launcher = launcherPid();
  const orphanWatch = setInterval(() => {
    if (process.ppid !== parent) stop('parent process exited')();
    else if (launcher !== undefined && !processAlive(launcher)) stop(`launching npm process ${launcher} exited`)();
  }, 1000);
  orphanWatch.unref();
  return {
    signal: controller.signal,
    cause: () => cause,
    dispose() {
      clearInterval(orphanWatch);
      for (const [name, handler] of Object.entries(handlers)) process.off(name, handler);
    },
  };
}

/** Exit code for a command stopped by `cause` (128 + signal number, as shells report it). */
export function interruptedExitCode(cause: string | undefined): number {
  return cause === 'SIGTERM' ? 143 : cause === 'SIGHUP' ? 129 : 130;
}
