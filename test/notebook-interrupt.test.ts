/**
 * Interrupting a study cell in the real tslab kernel (test/kernel_interrupt.py,
 * jupyter_client): CPU idle within 5 s, no stray output in the next cell, the
 * result not assigned, each missing run computed once on rerun.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

const python = '/usr/bin/python3';
const hasJupyter = existsSync(python) && spawnSync(python, ['-c', 'import jupyter_client'], { stdio: 'ignore' }).status === 0;
const hasKernel = existsSync(join(process.cwd(), 'node_modules', '.bin', 'tslab'));

test('a kernel interrupt stops a running study cell cleanly', { skip: hasJupyter && hasKernel ? false : 'jupyter_client or tslab missing (bash environment/setup.sh installs them)', timeout: 420_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'kernel-interrupt-'));
  try {
    const run = spawnSync(python, [join(process.cwd(), 'test', 'kernel_interrupt.py'), dir], { encoding: 'utf8', timeout: 400_000 });
    const report = run.stdout;
    assert.equal(run.status, 0, `kernel interrupt checks failed:\n${report}\n${run.stderr.slice(-3000)}`);
    const parsed = JSON.parse(report) as { ok: boolean; idle_after_s: number };
    assert.ok(parsed.ok);
    assert.ok(parsed.idle_after_s <= 5);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
