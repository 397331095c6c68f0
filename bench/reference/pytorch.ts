/**
 * Runs a PyTorch reference script of bench/reference/ with Debian's PyTorch
 * and returns its JSON output, or, where PyTorch is not importable, the line
 * a bench prints instead of its ratio (with the set-up command that fixes it).
 */
import { spawnSync } from 'node:child_process';

/** Debian's PyTorch (the first python3 on PATH may be another interpreter without it). */
const REFERENCE_PYTHON = '/usr/bin/python3';

export function runPytorchReference<T>(scriptName: string, arg: unknown): T | string {
  const probe = spawnSync(REFERENCE_PYTHON, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    const apt = spawnSync('apt-cache', ['policy', 'python3-torch'], { encoding: 'utf8' });
    const candidate = /Candidate:\s*(\S+)/.exec(apt.stdout ?? '')?.[1];
    return `reference: PyTorch not importable by ${REFERENCE_PYTHON}${candidate ? ` (Debian python3-torch ${candidate} is not installed: bash environment/bench-setup.sh)` : ''}: no PyTorch ratio`;
  }
  const script = new URL(`./${scriptName}`, import.meta.url).pathname;
  const run = spawnSync(REFERENCE_PYTHON, [script, JSON.stringify(arg)], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (run.status !== 0) throw new Error(`PyTorch reference ${script} failed (exit ${run.status}): ${run.stderr}`);
  return JSON.parse(run.stdout) as T;
}
