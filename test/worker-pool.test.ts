/**
 * WorkerPool (src/experiments/workerPool.ts): per-thread workerData, progress
 * messages, in-order dispatch, stop on failure and abort. The worker entry is
 * generated here, under .cache/ in the repository (so it resolves piscina
 * from the project's node_modules).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { TASK_END_MARKER, WorkerPool } from '../src/experiments/workerPool.js';
import { TASK_END_MARKER as ENTRY_SIDE_MARKER } from '../src/experiments/poolTaskEnd.mjs';

interface Task {
  readonly i: number;
  readonly fail?: boolean;
}

const ENTRY = `
import { workerData } from 'piscina';
import { endTaskPort } from ${JSON.stringify(pathToFileURL(join(process.cwd(), 'src', 'experiments', 'poolTaskEnd.mjs')).href)};
const shared = new Int32Array(workerData.shared);
export default async function run({ task, port }) {
  try {
    port?.postMessage({ started: task.i });
    if (task.fail) throw new Error('task ' + task.i + ' failed on purpose');
    await new Promise((done) => setTimeout(done, 5));
    shared[task.i] = task.i * 10 + workerData.offset;
    return task.i * 2;
  } finally {
    endTaskPort(port);
  }
}
`;

describe('WorkerPool', () => {
  const dir = join(process.cwd(), '.cache', 'test', `worker-pool-${process.pid}`);
  const entry = join(dir, 'entry.mjs');
  before(() => {
    mkdirSync(dir, { recursive: true });
    writeFileSync(entry, ENTRY);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const pool = (threads: number, shared: SharedArrayBuffer) => new WorkerPool<Task, number>({ entry, threads, workerData: { shared, offset: 7 } });

  test('every thread sees the same workerData; a SharedArrayBuffer in it is shared, not copied', async () => {
    const shared = new SharedArrayBuffer(8 * 4);
    const p = pool(2, shared);
    try {
      const results = new Map<number, number>();
      const failures = await p.runInOrder(
        Array.from({ length: 8 }, (_, i) => ({ i })),
        { onResult: (task, r) => results.set(task.i, r) },
      );
      assert.deepEqual(failures, []);
      assert.deepEqual([...results.entries()].sort((a, b) => a[0] - b[0]), Array.from({ length: 8 }, (_, i) => [i, 2 * i]));
      // Written by the workers, read here: the buffer was shared.
      assert.deepEqual(Array.from(new Int32Array(shared)), Array.from({ length: 8 }, (_, i) => i * 10 + 7));
    } finally {
      await p.close();
    }
  });

  test('the task-end marker is the same on both sides', () => {
    assert.equal(ENTRY_SIDE_MARKER, TASK_END_MARKER);
  });

  test('progress messages of a task arrive before its result, ended by the task-end marker', async () => {
    const p = pool(2, new SharedArrayBuffer(4 * 4));
    try {
      const events: string[] = [];
      await p.runInOrder(
        Array.from({ length: 4 }, (_, i) => ({ i })),
        {
          onMessage: (task, m) => events.push(`message ${task.i} ${(m as { started: number }).started}`),
          onResult: (task) => events.push(`result ${task.i}`),
        },
      );
      // Every task's end marker arrived: no task fell back to the pool's 2 s wait.
      assert.equal(p.unendedTasks, 0);
      for (let i = 0; i < 4; i++) {
        const m = events.indexOf(`message ${i} ${i}`);
        assert.ok(m >= 0 && m < events.indexOf(`result ${i}`), events.join(', '));
      }
    } finally {
      await p.close();
    }
  });

  test('a failure stops new tasks only with stopOnFailure', async () => {
    const tasks: Task[] = [{ i: 0, fail: true }, { i: 1 }, { i: 2 }, { i: 3 }];
    const p = pool(1, new SharedArrayBuffer(4 * 4));
    try {
      const kept: number[] = [];
      const failures = await p.runInOrder(tasks, { onResult: (task) => kept.push(task.i) });
      assert.equal(failures.length, 1);
      assert.match(String(failures[0]!.error), /task 0 failed on purpose/);
      assert.deepEqual(kept, [1, 2, 3]);

      const stopped: number[] = [];
      const stopFailures = await p.runInOrder(tasks, { onResult: (task) => stopped.push(task.i), stopOnFailure: true });
      assert.equal(stopFailures.length, 1);
      assert.deepEqual(stopped, []);
    } finally {
      await p.close();
    }
  });

  test('after the signal aborts no new task starts', async () => {
    const p = pool(1, new SharedArrayBuffer(5 * 4));
    try {
      const controller = new AbortController();
      const done: number[] = [];
      const failures = await p.runInOrder(
        Array.from({ length: 5 }, (_, i) => ({ i })),
        {
          onResult: (task) => {
            done.push(task.i);
            if (done.length === 2) controller.abort();
          },
          signal: controller.signal,
        },
      );
      assert.deepEqual(failures, []);
      assert.deepEqual(done, [0, 1]);
    } finally {
      await p.close();
    }
  });

  test('a missing entry or a bad thread count is refused with the reason', () => {
    assert.throws(() => new WorkerPool({ entry: join(dir, 'nope.mjs'), threads: 1 }), /worker entry .*nope\.mjs does not exist/);
    assert.throws(() => new WorkerPool({ entry, threads: 0 }), /threads must be a positive integer, got 0/);
  });
});
