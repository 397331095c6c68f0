import assert from 'node:assert/strict';
import { test } from 'node:test';
import { need } from '../src/experiments/notebook.js';

test('need(): a value an earlier cell failed to compute names itself and the cell to rerun', () => {
  const result = { rows: [] };
  assert.equal(need(result, 'result', 'Run the sweep'), result);
  const failed = undefined as { rows: unknown[] } | undefined;
  assert.throws(() => need(failed, 'result', 'Run the sweep'), /^Error: result is not set: the cell under "Run the sweep" failed, was interrupted or has not run yet\. Rerun that cell/);
  assert.throws(() => need(null, 'a', 'X'), /a is not set/);
});
