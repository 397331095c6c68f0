/**
 * Claims per run key, so processes on one machine sharing a results folder
 * never compute a run twice: before computing a run a process creates
 * `<key>.claim` exclusively (O_EXCL) holding its pid and host; a claim whose
 * pid is dead (a killed process) is taken over under a second exclusive
 * lock, so only one process takes it. (Hand-written: proper-lockfile and friends
 * lock by mtime refresh with timers, while a pid check is exact here.)
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { processAlive } from './processes.js';

interface ClaimFile {
  readonly pid: number;
  readonly host: string;
  readonly startedAt: string;
}

export type ClaimAttempt = { readonly ok: true; release(): void } | { readonly ok: false; readonly owner: string };

/** Claim files this process holds now: a claim with this pid that is not here was left by an earlier, aborted study in this process (a notebook kernel lives on). */
const heldHere = new Set<string>();

export class ClaimFolder {
  constructor(readonly dir: string) {}

  private file(key: string): string {
    return join(this.dir, `${key}.claim`);
  }

  /** Claims `key` for this process, or says who holds it. */
  tryClaim(key: string): ClaimAttempt {
    mkdirSync(this.dir, { recursive: true });
    const path = this.file(key);
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const fd = openSync(path, 'wx');
        try {
          const claim: ClaimFile = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString() };
          writeSync(fd, JSON.stringify(claim));
        } finally {
          closeSync(fd);
        }
        heldHere.add(path);
        return { ok: true, release: () => this.release(key) };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const owner = this.owner(path);
      if (owner === 'stale') {
        this.takeOverStale(path);
        continue;
      }
      return { ok: false, owner };
    }
    return { ok: false, owner: 'another process (claim changed hands while being read)' };
  }

  /**
   * Removes a stale claim under a short exclusive takeover lock, so two
   * processes that both saw it stale cannot remove each other's new claim.
   */
  private takeOverStale(path: string): void {
    const lock = `${path}.takeover`;
    let fd: number;
    try {
      fd = openSync(lock, 'wx');
    } catch {
      // Another process is taking it over; a takeover lock left by a crash is cleared after 10 s.
      try {
        if (Date.now() - statSync(lock).mtimeMs > 10_000) rmSync(lock, { force: true });
      } catch {
        // gone already
      }
      return;
    }
    try {
      closeSync(fd);
      if (existsSync(path) && this.owner(path) === 'stale') rmSync(path, { force: true });
    } finally {
      rmSync(lock, { force: true });
    }
  }

  /** Whether `key` is claimed by a live process other than this one. */
  heldElsewhere(key: string): boolean {
    const path = this.file(key);
    if (!existsSync(path)) return false;
    const owner = this.owner(path);
    return owner !== 'stale' && owner !== 'self';
  }

  release(key: string): void {
    const path = this.file(key);
    try {
      const claim = JSON.parse(readFileSync(path, 'utf8')) as ClaimFile;
      if (claim.pid === process.pid && claim.host === hostname()) rmSync(path, { force: true });
      heldHere.delete(path);
    } catch {
      // already gone
    }
  }

  /** 'stale' (dead or unreadable for > 10 s), 'self', or a description of the live owner. */
  private owner(path: string): string {
    let claim: ClaimFile;
    try {
      claim = JSON.parse(readFileSync(path, 'utf8')) as ClaimFile;
    } catch {
      // Being written right now, or left empty by a crash between create and write.
      try {
        return Date.now() - statSync(path).mtimeMs > 10_000 ? 'stale' : 'another process (claim being written)';
      } catch {
        return 'stale';
      }
    }
    if (claim.host !== hostname()) return `pid ${claim.pid} on ${claim.host} (another host: not checked)`;
    if (claim.pid === process.pid) return heldHere.has(path) ? 'self' : 'stale';
    return processAlive(claim.pid) ? `pid ${claim.pid}` : 'stale';
  }
}
