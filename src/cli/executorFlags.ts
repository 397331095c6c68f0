/**
 * The flags every study command shares: where its runs execute, and stopping
 * it cleanly on Ctrl-C / SIGTERM / a lost parent (finished runs stay stored).
 */
import { PROFILES, type Profile } from '../config.js';
import { checkExecutorConfig, interruptOnSignals, interruptedExitCode, type ExecutorConfig } from '../engine/index.js';
import { helpText, integerOption, parseCommandArgs, stringOption, type CommandSpec, type OptionSpec, type ParsedOptions } from './options.js';

/** The options every study command takes for where its runs execute. */
export const EXECUTOR_OPTIONS: readonly OptionSpec[] = [
  { name: 'executor', value: 'in-thread|pool|queue', help: 'where runs execute', default: "the profile's (a pool of worker threads)" },
  { name: 'threads', value: 'N', help: 'worker threads of the pool (implies --executor pool)', default: "the profile's" },
  {
    name: 'redis',
    value: 'redis://HOST:PORT',
    help: 'put the runs on the BullMQ queue at this Redis (implies --executor queue); serve it with `npx nas worker --redis URL` on any machine with this commit and the data',
  },
  { name: 'queue', value: 'NAME', help: 'queue name', default: 'nas-runs' },
];

/** The executor the options ask for, starting from the profile's `fallback`. */
export function executorFromOptions(options: ParsedOptions, fallback: ExecutorConfig): ExecutorConfig {
  const given = (name: string): string | undefined => stringOption(options, name);
  let kind = given('executor') ?? (options.has('redis') ? 'queue' : fallback.kind);
  if (options.has('executor') && !['in-thread', 'pool', 'queue'].includes(kind)) {
    throw new Error(`--executor must be in-thread, pool or queue, got ${JSON.stringify(kind)}`);
  }
  if (options.has('threads') && !options.has('executor') && !options.has('redis')) kind = 'pool';
  let executor: ExecutorConfig;
  if (kind === 'queue') {
    const url = given('redis') ?? (fallback.kind === 'queue' ? fallback.url : undefined);
    if (!url) throw new Error('--executor queue needs --redis redis://HOST:PORT');
    const queue = given('queue') ?? (fallback.kind === 'queue' ? fallback.queue : undefined);
    executor = { kind: 'queue', url, ...(queue ? { queue } : {}) };
  } else if (kind === 'pool') {
    const threads = integerOption(options, 'threads', 1) ?? (fallback.kind === 'pool' ? fallback.threads : undefined);
    executor = { kind: 'pool', ...(threads === undefined ? {} : { threads }) };
  } else {
    executor = { kind: 'in-thread' };
  }
  checkExecutorConfig(executor, '--executor');
  return executor;
}

/** `--profile`, shared by the study commands. */
export const PROFILE_OPTION: OptionSpec = { name: 'profile', value: 'smoke|paper|long|full', help: 'run size', default: 'NAS_PROFILE, else paper' };

/** The profile the options name, checked. */
export function profileFromOptions(options: ParsedOptions): Profile | undefined {
  const profile = stringOption(options, 'profile');
  if (profile !== undefined && !(PROFILES as readonly string[]).includes(profile)) {
    throw new Error(`--profile ${JSON.stringify(profile)} is not one of ${PROFILES.join(', ')}`);
  }
  return profile as Profile | undefined;
}

/**
 * Parses a study subcommand's arguments (`[sub, ...options]`): `'help'` for
 * `--help` (also without the subcommand), else the options. Errors name the
 * subcommand or option.
 */
export function parseSubcommand(spec: CommandSpec, sub: string, args: readonly string[]): ParsedOptions | 'help' {
  const [first, ...rest] = args;
  if (first === '--help' || first === '-h' || first === undefined) {
    if (first === undefined) throw new Error(`${spec.usage.replace(` ${sub}`, '')}: missing subcommand (expected: ${sub})\n\n${helpText(spec)}`);
    return 'help';
  }
  if (first !== sub) throw new Error(`${spec.usage.replace(` ${sub}`, '')}: unknown subcommand ${JSON.stringify(first)} (expected: ${sub})\n\n${helpText(spec)}`);
  return parseCommandArgs(spec, rest);
}

/** Runs a study command so that SIGINT / SIGTERM / SIGHUP or a lost parent stop it (exit 130 / 143 / 129). */
export async function runInterruptibly(command: (signal: AbortSignal) => Promise<number>): Promise<number> {
  const interruption = interruptOnSignals();
  try {
    return await command(interruption.signal);
  } catch (err) {
    if (interruption.signal.aborted) {
      process.stderr.write(`${(err as Error).message}\n`);
      return interruptedExitCode(interruption.cause());
    }
    throw err;
  } finally {
    interruption.dispose();
  }
}
