/**
 * Times kendallTau at NAS-Bench-101 size (n = 423,624) on random floats and on
 * a heavily tied variant, and — when python3 with scipy is available —
 * scipy.stats.kendalltau on data of the same size and kind on this machine,
 * printing the median (and min) of several runs, and the ratio scipy/ours.
 * Ours and scipy's runs alternate round by round, so a change in machine load
 * hits both alike. It also recomputes tau on scipy's own arrays to confirm
 * both implementations agree on the same data.
 *
 *   npx tsx bench/kendall-tau.ts [--runs 7] [--n 423624]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRng } from '../src/core/rng.js';
import { kendallTau } from '../src/metrics/index.js';

function argValue(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isInteger(v) || v < 1) throw new Error(`${name} must be a positive integer, got ${process.argv[i + 1]}`);
  return v;
}

const n = argValue('--n', 423_624);
const runs = argValue('--runs', 7);
const SCIPY_SCRIPT = join(process.cwd(), 'scripts/reference/kendall_tau_timing.py');

function median(values: number[]): number {
  const s = values.slice().sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

// Same construction as scripts/reference/kendall_tau_timing.py: a noisy monotone
// relation (like predicted vs true accuracy), and a heavily tied variant of it.
function makeCases(): Map<string, [Float64Array, Float64Array]> {
  const rng = createRng('bench-kendall-tau');
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    x[i] = rng();
    y[i] = x[i]! + 0.5 * rng();
  }
  return new Map([
    ['random floats', [x, y]],
    ['heavily tied', [x.map((v) => Math.floor(v * 100)), y.map((v) => Math.floor(v * 20))]],
  ]);
}

interface ScipyRound {
  scipy: string;
  numpy: string;
  cases: Record<string, { times_ms: number[]; tau: number; file: string }>;
}

function scipyAvailable(): boolean {
  const probe = spawnSync('python3', ['-c', 'import scipy'], { encoding: 'utf8' });
  return !probe.error && probe.status === 0;
}

/** One scipy round (one warm-up and one timed call per case); writes the data to `dataDir` unless null. */
function scipyRound(dataDir: string | null): ScipyRound {
  const res = spawnSync('python3', [SCIPY_SCRIPT, String(n), '1', dataDir ?? '-'], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (res.error) throw res.error;
  if (res.status !== 0) throw new Error(`${SCIPY_SCRIPT} failed (exit ${res.status}): ${res.stderr.trim()}`);
  return JSON.parse(res.stdout) as ScipyRound;
}

function readFloat64(path: string): Float64Array {
  const buf = readFileSync(path);
  return new Float64Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
}

const cases = makeCases();
const withScipy = scipyAvailable();
const ourTimes = new Map<string, number[]>([...cases.keys()].map((k) => [k, []]));
const ourTau = new Map<string, number>();
const scipyTimes = new Map<string, number[]>([...cases.keys()].map((k) => [k, []]));
let firstScipyRound: ScipyRound | null = null;
const dir = mkdtempSync(join(tmpdir(), 'kendall-bench-'));
try {
  for (const [name, [x, y]] of cases) ourTau.set(name, kendallTau(x, y)); // warm-up (JIT)
  for (let round = 0; round < runs; round++) {
    for (const [name, [x, y]] of cases) {
      const t0 = performance.now();
      kendallTau(x, y);
      ourTimes.get(name)!.push(performance.now() - t0);
    }
    if (withScipy) {
      const r = scipyRound(round === 0 ? dir : null);
      firstScipyRound ??= r;
      for (const name of cases.keys()) {
        const c = r.cases[name];
        if (!c) throw new Error(`${SCIPY_SCRIPT} returned no case named ${JSON.stringify(name)}`);
        scipyTimes.get(name)!.push(...c.times_ms);
      }
    }
  }

  const fmt = (ms: number) => `${ms.toFixed(1).padStart(6)} ms`;
  console.log(`kendallTau, n = ${n.toLocaleString('en')}, ${runs} runs each (node ${process.version}); times are median (min)`);
  if (!firstScipyRound) {
    for (const [name, t] of ourTimes) {
      console.log(`  ${name.padEnd(14)} ours ${fmt(median(t))} (${fmt(Math.min(...t))})  tau ${ourTau.get(name)!.toFixed(6)}`);
    }
    console.log('  scipy comparison skipped: python3 with scipy is not available');
  } else {
    console.log(`  vs scipy ${firstScipyRound.scipy} / numpy ${firstScipyRound.numpy} on this machine; scipy/ours > 1 means ours is faster`);
    for (const [name, t] of ourTimes) {
      const s = scipyTimes.get(name)!;
      const file = firstScipyRound.cases[name]!.file;
      // The two data sets are generated independently; agreement is checked on scipy's arrays.
      const tauOnScipyData = kendallTau(readFloat64(join(dir, `${file}_x.f64`)), readFloat64(join(dir, `${file}_y.f64`)));
      const diff = Math.abs(tauOnScipyData - firstScipyRound.cases[name]!.tau);
      console.log(
        `  ${name.padEnd(14)} ours ${fmt(median(t))} (${fmt(Math.min(...t))})  scipy ${fmt(median(s))} (${fmt(Math.min(...s))})` +
          `  scipy/ours ${(median(s) / median(t)).toFixed(2)}x  |tau_ours - tau_scipy| on scipy's data = ${diff.toExponential(1)}`,
      );
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
