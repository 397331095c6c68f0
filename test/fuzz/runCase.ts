/**
 * Child process of the loader fuzz suite: runs one load, given as JSON in
 * argv[2], and prints one line `FUZZ-OUTCOME <json>`: either what was loaded
 * (a digest of every record, so the parent can tell "the same data" from
 * "different data") or the error's class and message.
 */
import { createHash } from 'node:crypto';
import { loadCifar10 } from '../../src/loaders/cifar10.js';
import { loadNb201 } from '../../src/loaders/cellJson.js';
import { checkData } from '../../src/loaders/dataFiles.js';
import { loadNb101Graphs1k, loadNb101Subset } from '../../src/loaders/nb101.js';
import { loadNb101Tfrecord } from '../../src/loaders/nb101Tfrecord.js';
import { loadTinyNanoBench } from '../../src/loaders/tinyNanoBench.js';
import type { Benchmark } from '../../src/core/types.js';
import type { LoadSpec } from './cases.js';

function digestOf(value: unknown): string {
  const text = JSON.stringify(value, (_k, v: unknown) => (ArrayBuffer.isView(v) ? Array.from(v as Uint8Array) : v));
  return createHash('sha256').update(text).digest('hex');
}

function benchDigest(bench: Benchmark<unknown>): { digest: string; size: number } {
  return { digest: digestOf(bench.all().map((r) => [r.id, r.arch, r.metrics, r.extras ?? null])), size: bench.size };
}

async function load(spec: LoadSpec): Promise<{ digest: string; size: number }> {
  switch (spec.kind) {
    case 'nb101Graphs1k':
      return benchDigest(await loadNb101Graphs1k(spec.path === undefined ? {} : { path: spec.path }));
    case 'nb101Subset':
      return benchDigest(await loadNb101Subset(spec.path === undefined ? {} : { path: spec.path }));
    case 'nb201':
      return benchDigest(await loadNb201({ dataset: 'cifar10', ...(spec.source === undefined ? {} : { source: spec.source }) }));
    case 'nano':
      return benchDigest(await loadTinyNanoBench({ source: spec.source }));
    case 'cifar10': {
      const data = await loadCifar10({ split: spec.split, ...(spec.source === undefined ? {} : { source: spec.source }) });
      return { digest: digestOf([data.images, data.labels, data.classNames, data.batches]), size: data.n };
    }
    case 'tfrecord':
      return benchDigest(await loadNb101Tfrecord(spec.path));
    case 'dataCheck': {
      const rows = await checkData();
      const bad = rows.filter((r) => r.status === 'corrupt' || (r.status === 'missing' && r.required));
      if (bad.length > 0) throw new Error(bad.map((r) => r.detail).join('\n'));
      return { digest: digestOf(rows.map((r) => [r.path, r.status])), size: rows.length };
    }
  }
}

const spec = JSON.parse(process.argv[2]!) as LoadSpec;
let outcome: unknown;
try {
  outcome = { status: 'loaded', ...(await load(spec)) };
} catch (err) {
  outcome = { status: 'error', name: (err as Error).name ?? typeof err, message: String((err as Error).message ?? err) };
}
process.stdout.write(`FUZZ-OUTCOME ${JSON.stringify(outcome)}\n`);
