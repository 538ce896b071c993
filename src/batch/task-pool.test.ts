import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TaskPool } from './task-pool.js';

function deferred(): { promise: Promise<void>; resolve: () => void; reject: (e: Error) => void } {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

test('never runs more than the limit; a slot frees when a task ends', async () => {
  const pool = new TaskPool(2);
  const gates = [deferred(), deferred(), deferred()];
  let peak = 0;
  const run = async (i: number): Promise<void> => {
    peak = Math.max(peak, pool.running);
    await gates[i]!.promise;
  };
  assert.equal(await pool.slot(), true);
  pool.start(() => run(0));
  assert.equal(await pool.slot(), true);
  pool.start(() => run(1));
  let third = false;
  const waiting = pool.slot().then((ok) => {
    third = ok;
  });
  await Promise.resolve();
  assert.equal(third, false);
  gates[0]!.resolve();
  await waiting;
  assert.equal(third, true);
  pool.start(() => run(2));
  gates[1]!.resolve();
  gates[2]!.resolve();
  await pool.drain();
  assert.equal(pool.running, 0);
  assert.equal(peak, 2);
});

test('slot resolves false on abort, and a live waiter still gets the next slot', async () => {
  const pool = new TaskPool(1);
  const gate = deferred();
  await pool.slot();
  pool.start(() => gate.promise);
  const ac = new AbortController();
  const aborted = pool.slot(ac.signal);
  ac.abort();
  assert.equal(await aborted, false);
  const live = pool.slot();
  gate.resolve();
  assert.equal(await live, true);
});

test('a task that throws is the pool failure and stops further slots', async () => {
  const pool = new TaskPool(1);
  await pool.slot();
  pool.start(() => Promise.reject(new Error('disk full')));
  assert.equal(await pool.slot(), false);
  await pool.drain();
  assert.equal((pool.failure?.error as Error).message, 'disk full');
  assert.throws(() => new TaskPool(0), RangeError);
});
