/**
 * One way to declare a command's options: each with its value placeholder,
 * help text and default, parsed by node:util `parseArgs` (strict: an
 * unknown option or a missing value is an error naming it) and printed by
 * `--help` with every default.
 */
import { parseArgs } from 'node:util';

export interface OptionSpec {
  /** Long name without dashes: `seeds` for `--seeds`. */
  readonly name: string;
  /** Placeholder of the value (`N`, `0,1,2`, `FILE`); absent for a flag without a value. */
  readonly value?: string;
  readonly help: string;
  /** What applies when the option is not given, as shown in `--help`. */
  readonly default?: string;
}

export interface CommandSpec {
  /** `nas renas run` */
  readonly usage: string;
  /** One or two sentences under the usage line. */
  readonly summary: string;
  readonly options: readonly OptionSpec[];
  /** Lines after the options (notes, examples). */
  readonly notes?: readonly string[];
}

export type ParsedOptions = ReadonlyMap<string, string | true>;

/** The `--help` text: usage, summary, every option with its default. */
export function helpText(spec: CommandSpec): string {
  const all = [...spec.options, { name: 'help', help: 'print this help and exit' }];
  const left = all.map((o) => `  --${o.name}${o.value ? ` ${o.value}` : ''}`);
  const width = Math.max(...left.map((l) => l.length)) + 2;
  const lines = all.map((o, i) => `${left[i]!.padEnd(width)}${o.help}${o.default !== undefined ? ` (default: ${o.default})` : ''}`);
  return [`usage: ${spec.usage} [options]`, spec.summary, '', 'options:', ...lines, ...(spec.notes?.length ? ['', ...spec.notes] : [])].join('\n');
}

/** Thrown for bad arguments; the message ends with the command's help. */
export class UsageError extends Error {
  constructor(message: string, spec: CommandSpec) {
    super(`${message}\n\n${helpText(spec)}`);
    this.name = 'UsageError';
  }
}

/**
 * Parses `args` against `spec`: `'help'` when `--help`/`-h` is given, else
 * option name → value (`true` for flags). Positional arguments are refused.
 */
export function parseCommandArgs(spec: CommandSpec, args: readonly string[]): ParsedOptions | 'help' {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = { help: { type: 'boolean', short: 'h' } };
  for (const o of spec.options) options[o.name] = { type: o.value ? 'string' : 'boolean' };
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: [...args], options, strict: true, allowPositionals: false }) as { values: Record<string, string | boolean | undefined> });
  } catch (err) {
    // node's first sentence ("Unknown option '--x'", "Option '--seeds <value>' argument missing"), lower-cased.
    const first = (err as Error).message.split(/\.\s/)[0]!;
    throw new UsageError(`${spec.usage}: ${first.charAt(0).toLowerCase()}${first.slice(1)}`, spec);
  }
  if (values['help']) return 'help';
  const out = new Map<string, string | true>();
  for (const [name, value] of Object.entries(values)) {
    if (value === undefined || name === 'help') continue;
    if (typeof value === 'string' && value === '') throw new UsageError(`${spec.usage}: --${name} needs a value`, spec);
    out.set(name, value === true ? true : (value as string));
  }
  return out;
}

/** A string option's value (undefined when absent). */
export function stringOption(options: ParsedOptions, name: string): string | undefined {
  const v = options.get(name);
  return typeof v === 'string' ? v : undefined;
}

/** Comma-separated integers ≥ `min`; the error names the option and the bad element. */
export function integerList(options: ParsedOptions, name: string, min: number): number[] | undefined {
  const text = stringOption(options, name);
  if (text === undefined) return undefined;
  return text.split(',').map((s) => {
    const v = Number(s.trim());
    if (s.trim() === '' || !Number.isInteger(v) || v < min) throw new Error(`--${name}: ${JSON.stringify(s)} is not an integer ≥ ${min}`);
    return v;
  });
}

/** One integer ≥ `min`. */
export function integerOption(options: ParsedOptions, name: string, min: number): number | undefined {
  const list = integerList(options, name, min);
  if (list === undefined) return undefined;
  if (list.length !== 1) throw new Error(`--${name} takes one integer, got ${list.length}`);
  return list[0];
}

/**
 * The shape every command shares: `parse()` its arguments; `--help` prints
 * the help (exit 0), a bad argument prints the error (with the help) and
 * exits 2, otherwise `body` runs with what was parsed.
 */
export async function runCommand<T>(
  spec: CommandSpec,
  parse: () => T | 'help',
  body: (parsed: T) => Promise<number>,
  io: { stdout?: NodeJS.WritableStream; stderr?: NodeJS.WritableStream } = {},
): Promise<number> {
  let parsed: T | 'help';
  try {
    parsed = parse();
  } catch (err) {
    (io.stderr ?? process.stderr).write(`${(err as Error).message}\n`);
    return 2;
  }
  if (parsed === 'help') {
    (io.stdout ?? process.stdout).write(`${helpText(spec)}\n`);
    return 0;
  }
  return body(parsed);
}
