/**
 * The value checks every loader shares. A rule says what a field may hold
 * (finite, integer, a range); `numberProblem` says what is wrong with a
 * value, and `DataValueError` names the file, the record, the field, the
 * value and what was allowed, so one message format serves every format.
 */

/** A bad value in a data file: which file, which record, which field, and why. */
export class DataValueError extends Error {
  constructor(
    readonly file: string,
    readonly record: string | undefined,
    readonly field: string | undefined,
    readonly reason: string,
  ) {
    super(`${file}${record === undefined ? '' : `: ${record}`}${field === undefined ? '' : `: field ${JSON.stringify(field)}`}: ${reason}`);
    this.name = 'DataValueError';
  }
}

export interface NumberRule {
  readonly min?: number;
  readonly max?: number;
  readonly integer?: boolean;
}

/** Accuracies and other shares: the formats store fractions, never percent. */
export const FRACTION: NumberRule = { min: 0, max: 1 };
export const NON_NEGATIVE: NumberRule = { min: 0 };
export const COUNT: NumberRule = { min: 0, integer: true };
export const POSITIVE_INTEGER: NumberRule = { min: 1, integer: true };

/** What a rule allows, in words: "a finite number in [0, 1]", "an integer ≥ 0". */
export function ruleText(rule: NumberRule): string {
  const kind = rule.integer ? 'an integer' : 'a finite number';
  if (rule.min !== undefined && rule.max !== undefined) return `${kind} in [${rule.min}, ${rule.max}]`;
  if (rule.min !== undefined) return `${kind} ≥ ${rule.min}`;
  if (rule.max !== undefined) return `${kind} ≤ ${rule.max}`;
  return kind;
}

/**
 * A short description of any value for an error message. Bounded in depth and
 * length: JSON.stringify of a deeply nested value overflows the stack, and a
 * whole array in a message helps nobody.
 */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null || typeof value === 'boolean') return String(value);
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : String(value);
  if (typeof value === 'string') {
    return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  }
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'object') return `an object with ${Object.keys(value as object).length} fields`;
  return typeof value;
}

/** What is wrong with `value` under `rule`, or undefined when it passes. */
export function numberProblem(value: unknown, rule: NumberRule): string | undefined {
  // The message is built only on failure: loaders check millions of values.
  if (typeof value !== 'number' || !Number.isFinite(value)) return `is ${describeValue(value)}, expected ${ruleText(rule)}`;
  if (rule.integer && !Number.isInteger(value)) return `is ${value}, expected ${ruleText(rule)}`;
  if ((rule.min !== undefined && value < rule.min) || (rule.max !== undefined && value > rule.max)) {
    // A whole file in percent is the usual way a fraction column goes wrong.
    const hint = rule.min === 0 && rule.max === 1 && value > 1 && value <= 100 ? ' (fractions, not percent)' : '';
    return `is ${value}, expected ${ruleText(rule)}${hint}`;
  }
  return undefined;
}

/** `value` when it passes `rule`; otherwise throws through `fail` with the problem. */
export function checkNumber(value: unknown, rule: NumberRule, fail: (reason: string) => never): number {
  const problem = numberProblem(value, rule);
  if (problem !== undefined) fail(problem);
  return value as number;
}

/** One of `allowed`, else a RangeError naming `where`, the field, the value and the choices. */
export function checkOneOf<T extends string>(where: string, field: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new RangeError(`${where}: ${field} ${describeValue(value)} is not one of ${allowed.join(', ')}`);
  }
  return value as T;
}

/**
 * A config value checked against `rule`: the same checks the loaders apply
 * to data, as a RangeError naming `where`, the field, the value and what is
 * allowed (e.g. "siamese sweep config: predictor.epochs is -1, expected an integer ≥ 1").
 */
export function checkField(where: string, field: string, value: unknown, rule: NumberRule): number {
  return checkNumber(value, rule, (reason) => {
    throw new RangeError(`${where}: ${field} ${reason}`);
  });
}

/** A non-empty list of integer seeds, else a RangeError naming `where` (e.g. "renas424 config: seeds") and the value. */
export function checkSeedList(where: string, seeds: unknown): void {
  if (!Array.isArray(seeds) || seeds.length === 0 || !seeds.every((s) => Number.isInteger(s))) {
    throw new RangeError(`${where} must be a non-empty list of integers, got ${JSON.stringify(seeds)}`);
  }
}
