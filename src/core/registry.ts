/**
 * A named registry (NASLib's registries of search spaces, predictors and
 * optimizers, as one small typed value): studies, the CLI and notebook
 * configs look parts up by name, so a new part is its own file plus one
 * `register` line, and an unknown name fails naming the ones there are.
 */

export interface RegistryEntry {
  readonly name: string;
  /** One line for `--help` and error messages. */
  readonly description: string;
}

export class Registry<T extends RegistryEntry> {
  readonly #entries = new Map<string, T>();

  /** `kind`: what the entries are, plural ("predictors"), for messages. */
  constructor(readonly kind: string) {}

  /** Adds `entry`; a name is registered once (a second registration is a mistake, e.g. two files claiming one name). */
  register(entry: T): T {
    if (typeof entry.name !== 'string' || entry.name.trim() === '' || entry.name !== entry.name.trim()) {
      throw new TypeError(`${this.kind}: a registered name must be a non-empty string without surrounding spaces, got ${JSON.stringify(entry.name)}`);
    }
    if (this.#entries.has(entry.name)) throw new Error(`${this.kind}: ${JSON.stringify(entry.name)} is already registered`);
    this.#entries.set(entry.name, entry);
    return entry;
  }

  /**
   * Registers `entry` unless this very entry is registered already (a module
   * that registers its part may be evaluated again, e.g. by a notebook
   * kernel); another entry under the same name is still an error.
   */
  ensure(entry: T): T {
    return this.#entries.get(entry.name) === entry ? entry : this.register(entry);
  }

  /** Removes `name` (a test's or notebook's own registration, so reruns can register it again); true if it was there. */
  unregister(name: string): boolean {
    return this.#entries.delete(name);
  }

  has(name: string): boolean {
    return this.#entries.has(name);
  }

  /** The entry called `name`; `where` prefixes the error (e.g. the config field). */
  get(name: string, where = this.kind): T {
    const entry = this.#entries.get(name);
    if (!entry) throw new RangeError(`${where}: no ${singular(this.kind)} ${JSON.stringify(name)}; registered: ${this.names().join(', ') || 'none'}`);
    return entry;
  }

  /** Registered names in registration order. */
  names(): string[] {
    return [...this.#entries.keys()];
  }

  entries(): T[] {
    return [...this.#entries.values()];
  }

  /** `name  description` lines for `--help`. */
  helpLines(indent = '  '): string[] {
    const width = Math.max(0, ...this.names().map((n) => n.length));
    return this.entries().map((e) => `${indent}${e.name.padEnd(width)}  ${e.description}`);
  }
}

const singular = (kind: string): string => (kind.endsWith('s') ? kind.slice(0, -1) : kind);
