/**
 * The quickstart notebook executed headless (nbclient, the real tslab
 * kernel) as a new user would: each figure is one display output carrying
 * both the PNG and the interactive plotly view (plotly's MIME type, which
 * front-ends draw with their own bundled plotly, so every output stands
 * alone), no output embeds the plotly library, and the saved notebook is
 * under 1 MB. The executed notebook goes under NAS_RESULTS_DIR.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { PLOTLY_MIME } from '../src/viz/index.js';

const python = '/usr/bin/python3';
const hasNbclient = existsSync(python) && spawnSync(python, ['-c', 'import nbclient, nbformat'], { stdio: 'ignore' }).status === 0;
const hasKernel = existsSync(join(process.cwd(), 'node_modules', '.bin', 'tslab'));

interface Output {
  output_type: string;
  data?: Record<string, unknown>;
}

test('00 quickstart: one output per figure with PNG and plotly view, no plotly bundle, notebook under 1 MB, saved under NAS_RESULTS_DIR', { skip: hasNbclient && hasKernel ? false : 'nbclient or tslab missing (bash environment/setup.sh installs them)', timeout: 600_000 }, () => {
  const results = mkdtempSync(join(tmpdir(), 'nb-outputs-'));
  try {
    const run = spawnSync(python, ['scripts/run_notebooks.py', '--timeout', '300', 'notebooks/00_quickstart.ipynb'], {
      encoding: 'utf8',
      timeout: 580_000,
      env: { ...process.env, NAS_PROFILE: 'smoke', NAS_RESULTS_DIR: results, NAS_VIZ_INTERACTIVE: '' },
    });
    assert.equal(run.status, 0, `${run.stdout}\n${run.stderr.slice(-3000)}`);
    const path = join(results, 'notebooks', '00_quickstart.ipynb');
    assert.ok(existsSync(path), 'the executed notebook is written under NAS_RESULTS_DIR/notebooks');
    assert.ok(statSync(path).size < 2 ** 20, `saved notebook is ${statSync(path).size} bytes`);
    const nb = JSON.parse(readFileSync(path, 'utf8')) as { cells: { cell_type: string; source: string | string[]; outputs?: Output[] }[] };
    let figures = 0;
    for (const cell of nb.cells) {
      const outputs = cell.outputs ?? [];
      const source = Array.isArray(cell.source) ? cell.source.join('') : cell.source;
      const shows = (source.match(/await (?:viz\.)?show\(/g) ?? []).length;
      const withPng = outputs.filter((o) => o.data?.['image/png'] !== undefined);
      assert.equal(withPng.length, shows, `one figure output per show() call in:\n${source.slice(0, 200)}`);
      for (const o of withPng) {
        const view = o.data![PLOTLY_MIME] as { data?: unknown[]; layout?: unknown } | undefined;
        assert.ok(view && Array.isArray(view.data) && view.data.length > 0 && view.layout, 'the same output carries the plotly view');
        figures++;
      }
      for (const o of outputs) {
        const html = o.data?.['text/html'];
        assert.ok(typeof html !== 'string' || !html.includes('window.Plotly'), 'no output embeds or needs the plotly library');
      }
    }
    assert.ok(figures >= 1, 'the quickstart shows at least one figure');
  } finally {
    rmSync(results, { recursive: true, force: true });
  }
});

const hasJupyterClient = existsSync(python) && spawnSync(python, ['-c', 'import jupyter_client'], { stdio: 'ignore' }).status === 0;

test('kernel: a misspelt config field or dataset fails to compile in its own cell, a bad value names its field, a missing result names the cell (test/kernel_cells.py)', { skip: hasJupyterClient && hasKernel ? false : 'jupyter_client or tslab missing', timeout: 300_000 }, () => {
  const run = spawnSync(python, [join(process.cwd(), 'test', 'kernel_cells.py')], { encoding: 'utf8', timeout: 280_000 });
  assert.equal(run.status, 0, `kernel cell checks failed:\n${run.stdout}\n${run.stderr.slice(-3000)}`);
  assert.ok((JSON.parse(run.stdout) as { ok: boolean }).ok);
});
