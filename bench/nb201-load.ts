/**
 * Time to load NAS-Bench-201 (all three datasets) from the cell-JSON zip in a
 * cold process, against the 10 s target; and, for the record, fflate's two zip
 * readers on one dataset folder (why cellJson.ts uses `unzipSync` + filter).
 *
 *   npx tsx bench/nb201-load.ts [--repeats 3]
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus as cpuList, loadavg } from 'node:os';
import { Unzip, UnzipInflate, unzipSync } from 'fflate';
import { loadNb201, NB201_CELL_FOLDERS, NB201_CELLS_ZIP } from '../src/loaders/cellJson.js';
import { resolveDataFile } from '../src/loaders/dataFiles.js';
import { NB201_DATASETS } from '../src/spaces/nb201.js';

const TARGET_S = 10;

async function child(): Promise<void> {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const zip = await resolveDataFile(NB201_CELLS_ZIP); // includes the sha256 check, as a user's first load does
  const tChecked = performance.now();
  const sizes: number[] = [];
  for (const dataset of NB201_DATASETS) sizes.push((await loadNb201({ dataset, source: zip })).size);
  const t1 = performance.now();
  const cpu = process.cpuUsage(cpu0);
  const cpuS = (cpu.user + cpu.system) / 1e6;
  process.stdout.write(JSON.stringify({ checksumS: (tChecked - t0) / 1000, loadS: (t1 - tChecked) / 1000, totalS: (t1 - t0) / 1000, cpuS, sizes }));
}

function compareReaders(zipPath: string): void {
  const bytes = new Uint8Array(readFileSync(zipPath));
  const folder = `/${NB201_CELL_FOLDERS.cifar10}/`;
  const keep = (name: string): boolean => name.includes(folder) && name.endsWith('.json');
  const decoder = new TextDecoder();

  let t = performance.now();
  const files = unzipSync(bytes, { filter: (f) => keep(f.name) });
  let n = 0;
  for (const data of Object.values(files)) {
    JSON.parse(decoder.decode(data));
    n++;
  }
  const syncS = (performance.now() - t) / 1000;

  t = performance.now();
  let m = 0;
  const unzip = new Unzip((file) => {
    if (!keep(file.name)) return;
    const chunks: Uint8Array[] = [];
    file.ondata = (err, data, final) => {
      if (err) throw err;
      chunks.push(data);
      if (final) {
        JSON.parse(decoder.decode(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)));
        m++;
      }
    };
    file.start();
  });
  unzip.register(UnzipInflate);
  // Pushing the whole archive at once overflows fflate's stack; feed it in 64 KiB chunks like a stream would.
  const CHUNK = 1 << 16;
  for (let off = 0; off < bytes.length; off += CHUNK) unzip.push(bytes.subarray(off, off + CHUNK), off + CHUNK >= bytes.length);
  const streamS = (performance.now() - t) / 1000;
  console.log(`fflate readers, one dataset folder (${n} / ${m} files, inflate + JSON.parse):`);
  console.log(`  unzipSync + filter  ${syncS.toFixed(2)} s`);
  console.log(`  streaming Unzip     ${streamS.toFixed(2)} s   (unzipSync is ${(streamS / syncS).toFixed(1)}x faster)`);
}

async function main(): Promise<void> {
  if (process.argv.includes('--child')) return child();
  const repeatsArg = process.argv.indexOf('--repeats');
  const repeats = repeatsArg > 0 ? Number(process.argv[repeatsArg + 1]) : 3;
  const zip = await resolveDataFile(NB201_CELLS_ZIP);
  compareReaders(zip);

  console.log(`\ncold-process load of ${NB201_DATASETS.join(', ')} from ${zip} (${repeats} runs):`);
  const totals: number[] = [];
  const cpus: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const t = performance.now();
    const out = execFileSync(process.execPath, ['--import', 'tsx', process.argv[1]!, '--child'], { encoding: 'utf8' });
    const wallS = (performance.now() - t) / 1000;
    const res = JSON.parse(out) as { checksumS: number; loadS: number; totalS: number; cpuS: number; sizes: number[] };
    totals.push(res.totalS);
    cpus.push(res.cpuS);
    console.log(
      `  run ${r + 1}: checksum ${res.checksumS.toFixed(2)} s + load ${res.loadS.toFixed(2)} s = ${res.totalS.toFixed(2)} s, CPU ${res.cpuS.toFixed(2)} s ` +
        `(process wall incl. startup ${wallS.toFixed(2)} s); cells ${res.sizes.join(' / ')}`,
    );
  }
  const median = (xs: number[]): number => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const wall = median(totals);
  const cpuTime = median(cpus);
  console.log(`\nmedian wall ${wall.toFixed(2)} s vs target ${TARGET_S} s: ratio ${(wall / TARGET_S).toFixed(2)} (< 1 meets the target)`);
  // On a shared machine wall time includes waiting for a core; CPU time is what the load itself costs.
  console.log(`median CPU  ${cpuTime.toFixed(2)} s vs target ${TARGET_S} s: ratio ${(cpuTime / TARGET_S).toFixed(2)}; load average now ${loadavg()[0]!.toFixed(1)} on ${cpuList().length} cores`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
