/**
 * Times a fresh enumeration + hashing of all 423,624 NAS-Bench-101 cells (no
 * cache) and a load of the cached space, and compares with the official
 * generator's procedure in Python.
 *
 *   npx tsx bench/nb101-enumerate.ts [--crypto] [--python]
 *
 * --crypto  also time the node:crypto engine (same enumeration, md5 via crypto.hash)
 * --python  run bench/reference/nb101_enumerate.py (minutes) and check it kept the
 *           same hashes in the same order; without it the ratio uses the ~210 s
 *           quoted in PROTOCOLS.md §1.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '../src/core/atomicWrite.js';
import { clearNb101SpaceMemo, encodeNb101Cache, enumerateNb101, loadNb101Space, type Nb101Enumeration, type Nb101HashEngine } from '../src/spaces/nb101Enumerate.js';

const QUOTED_PYTHON_SECONDS = 210;
const flags = new Set(process.argv.slice(2));

function timed<T>(run: () => T): { value: T; wall: number; cpu: number } {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const value = run();
  const cpu = process.cpuUsage(cpu0);
  return { value, wall: (performance.now() - t0) / 1000, cpu: (cpu.user + cpu.system) / 1e6 };
}

/** sha256 of the hashes in generator order, one per line (what the Python reference prints). */
function orderDigest(e: Nb101Enumeration): string {
  const hex = Buffer.from(e.digests.buffer, e.digests.byteOffset, e.digests.byteLength).toString('hex');
  const lines: string[] = [];
  for (let i = 0; i < e.cells.length; i++) lines.push(`${hex.slice(i * 32, i * 32 + 32)}\n`);
  return createHash('sha256').update(lines.join('')).digest('hex');
}

function countsOf(e: Nb101Enumeration): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const w of e.cells) counts[(w >>> 21) & 7] = (counts[(w >>> 21) & 7] ?? 0) + 1;
  return counts;
}

const engines: Nb101HashEngine[] = flags.has('--crypto') ? ['fast', 'crypto'] : ['fast'];
const results = new Map<Nb101HashEngine, { wall: number; cpu: number; digest: string }>();
let fresh: Nb101Enumeration | undefined;
for (const engine of engines) {
  const run = timed(() => enumerateNb101({ engine }));
  fresh ??= run.value;
  results.set(engine, { wall: run.wall, cpu: run.cpu, digest: orderDigest(run.value) });
  console.log(`fresh enumeration (${engine} md5): ${run.value.cells.length} cells in ${run.wall.toFixed(2)} s wall, ${run.cpu.toFixed(2)} s CPU`);
}
console.log(`counts by vertex count: ${JSON.stringify(countsOf(fresh!))}`);
if (results.size === 2) {
  const [fast, crypto] = [results.get('fast')!, results.get('crypto')!];
  console.log(`node:crypto engine / fast engine: ${(crypto.wall / fast.wall).toFixed(2)}x wall; same hashes in the same order: ${fast.digest === crypto.digest}`);
}

// Cached load: write the cache once, then time loads from disk (memo cleared each time).
const dir = mkdtempSync(join(tmpdir(), 'nb101-bench-'));
try {
  const cachePath = join(dir, 'nb101_space.bin');
  const write = timed(() => writeFileAtomic(cachePath, encodeNb101Cache(fresh!)));
  console.log(`cache written in ${(write.wall * 1000).toFixed(0)} ms`);
  const loads: number[] = [];
  for (let k = 0; k < 5; k++) {
    clearNb101SpaceMemo();
    const load = timed(() => loadNb101Space({ cachePath }));
    if (load.value.source !== 'cache') throw new Error('the cache was not used');
    loads.push(load.wall);
  }
  loads.sort((a, b) => a - b);
  console.log(`cached load: median ${(loads[2]! * 1000).toFixed(1)} ms over 5 loads (min ${(loads[0]! * 1000).toFixed(1)} ms)`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const fastWall = results.get('fast')!.wall;
if (flags.has('--python')) {
  console.log('running bench/reference/nb101_enumerate.py (the official procedure in Python; minutes) …');
  const py = spawnSync('python3', ['bench/reference/nb101_enumerate.py'], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (py.status !== 0) throw new Error(`python reference failed: ${py.stderr}`);
  const ref = JSON.parse(py.stdout.trim().split('\n').pop()!) as {
    counts: Record<string, number>;
    total: number;
    order_sha256: string;
    seconds: number;
    cpu_seconds: number;
  };
  const fastCpu = results.get('fast')!.cpu;
  console.log(`python reference: ${ref.total} cells in ${ref.seconds.toFixed(1)} s wall, ${ref.cpu_seconds.toFixed(1)} s CPU; counts ${JSON.stringify(ref.counts)}`);
  console.log(`same hashes in the same order as the TypeScript enumeration: ${ref.order_sha256 === results.get('fast')!.digest}`);
  console.log(`speed-up over the python reference (measured): ${(ref.seconds / fastWall).toFixed(1)}x wall, ${(ref.cpu_seconds / fastCpu).toFixed(1)}x CPU`);
} else {
  console.log(`speed-up over the ~${QUOTED_PYTHON_SECONDS} s python reference quoted in PROTOCOLS.md: ${(QUOTED_PYTHON_SECONDS / fastWall).toFixed(1)}x (run with --python to measure it)`);
}
