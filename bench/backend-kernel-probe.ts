/**
 * Probes the wasm backend's training ops against cpu (gradients of every op
 * our models use) and prints one line per op. `--stock` leaves out our
 * replacement kernels, to see what tfjs-backend-wasm itself gets wrong.
 *   npx tsx bench/backend-kernel-probe.ts [--stock]
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { initBackend } from '../src/backend.js';
import { probeTrainingOps } from '../src/backend/probe.js';

const stock = process.argv.includes('--stock');
if (stock) await tf.setBackend('wasm');
else console.log((await initBackend({ prefer: 'wasm' })).describe());
const results = await probeTrainingOps();
for (const r of results) {
  const status = r.ok ? 'ok      ' : r.error ? 'ERROR   ' : 'MISMATCH';
  console.log(`${status} ${r.name.padEnd(34)} ${Number.isNaN(r.relError) ? '' : r.relError.toExponential(1)} ${r.error ?? ''}`);
}
const failed = results.filter((r) => !r.ok);
console.log(`${results.length - failed.length}/${results.length} ops match cpu${stock ? ' (stock wasm kernels)' : ''}`);
process.exitCode = failed.length > 0 ? 1 : 0;
