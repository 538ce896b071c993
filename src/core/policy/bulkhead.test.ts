import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { FakeClock, flushMicrotasks } from '../fake-clock.js';
import { BulkheadFullError, CancelledError } from '../errors.js';
import { bulkhead } from './bulkhead.js';
import type { Release } from './bulkhead.js';

test('tryAcquire takes free slots and refuses beyond maxConcurrent', () => {
  const limit = bulkhead({ maxConcurrent: 2 });
  const a = limit.tryAcquire();
  const b = limit.tryAcquire();
  assert.ok(a && b);
  assert.equal(limit.tryAcquire(), undefined);
  assert.equal(limit.active, 2);
  a();
  assert.equal(limit.active, 1);
  assert.ok(limit.tryAcquire());
});

test('acquire resolves at once while a slot is free', async () => {
  const limit = bulkhead({ maxConcurrent: 1 });
  const release = await limit.acquire();
  assert.equal(limit.active, 1);
  release();
  assert.equal(limit.active, 0);
});

test('a double release frees one slot, not two', () => {
  const limit = bulkhead({ maxConcurrent: 2 });
  const a = limit.tryAcquire();
  assert.ok(limit.tryAcquire());
  a?.();
  a?.();
  assert.equal(limit.active, 1);
  assert.ok(limit.tryAcquire());
  assert.equal(limit.tryAcquire(), undefined);
});

test('waiters get freed slots in FIFO order, and newcomers cannot barge', async () => {
  const clock = new FakeClock();
  const limit = bulkhead({ maxConcurrent: 1, maxQueue: 3, clock });
  const first = limit.tryAcquire();
  const order: string[] = [];
  const releases: Release[] = [];
  for (const name of ['a', 'b', 'c']) {
    void limit.acquire().then((release) => {
      order.push(name);
      releases.push(release);
    });
  }
  assert.equal(limit.queued, 3);
  first?.();
  // The slot went straight to 'a': a newcomer finds none free.
  assert.equal(limit.tryAcquire(), undefined);
  assert.equal(limit.active, 1);
  await flushMicrotasks();
  assert.deepEqual(order, ['a']);
  releases[0]?.();
  releases[0]?.();
  await flushMicrotasks();
  assert.deepEqual(order, ['a', 'b']);
  releases[1]?.();
  await flushMicrotasks();
  releases[2]?.();
  assert.deepEqual(order, ['a', 'b', 'c']);
  assert.equal(limit.active, 0);
  assert.equal(limit.queued, 0);
});

test('a full queue rejects at once with BulkheadFullError', async () => {
  const limit = bulkhead({ maxConcurrent: 1, maxQueue: 1 });
  limit.tryAcquire();
  const queued = limit.acquire();
  await assert.rejects(limit.acquire(), (error: unknown) => {
    assert.ok(error instanceof BulkheadFullError);
    assert.equal(error.code, 'bulkhead_full');
    assert.equal(error.stack?.includes('bulkhead.js'), false);
    return true;
  });
  assert.equal(limit.queued, 1);
  const noQueue = bulkhead({ maxConcurrent: 1 });
  noQueue.tryAcquire();
  await assert.rejects(noQueue.acquire(), /bulkhead is full/);
  void queued;
});

test('a queue wait longer than queueTimeoutMs rejects and frees its timer', async () => {
  const clock = new FakeClock();
  const limit = bulkhead({ maxConcurrent: 1, maxQueue: 5, queueTimeoutMs: 200, clock });
  limit.tryAcquire();
  const waiting = limit.acquire({ deadlineMs: 10_000 });
  clock.advance(199);
  assert.equal(limit.queued, 1);
  clock.advance(1);
  await assert.rejects(waiting, /timed out after 200 ms/);
  assert.equal(limit.queued, 0);
  assert.equal(clock.pendingTimers, 0);
});

test('the bulkhead never queues a caller past its deadline', async () => {
  const clock = new FakeClock();
  const limit = bulkhead({ maxConcurrent: 1, maxQueue: 5, queueTimeoutMs: 5_000, clock });
  limit.tryAcquire();
  const waiting = limit.acquire({ deadlineMs: 300 });
  clock.advance(300);
  await assert.rejects(waiting, /would pass the deadline/);
  await assert.rejects(limit.acquire({ deadlineMs: 300 }), BulkheadFullError);
  assert.equal(limit.queued, 0);
  const instant = bulkhead({ maxConcurrent: 1, maxQueue: 5, queueTimeoutMs: 0, clock });
  instant.tryAcquire();
  await assert.rejects(instant.acquire(), /timed out after 0 ms/);
  assert.equal(clock.pendingTimers, 0);
});

test('an abort removes the waiter at once, wherever it is in the queue', async () => {
  const clock = new FakeClock();
  const limit = bulkhead({ maxConcurrent: 1, maxQueue: 4, queueTimeoutMs: 1_000, clock });
  const held = limit.tryAcquire();
  const controllers = [0, 1, 2, 3].map(() => new AbortController());
  const got: number[] = [];
  const waits = controllers.map((c, i) =>
    limit.acquire({ signal: c.signal }).then((release) => {
      got.push(i);
      release();
    }),
  );
  // Middle, tail, then head: every unlink path.
  controllers[1]?.abort();
  controllers[3]?.abort(new Error('tail left'));
  controllers[0]?.abort();
  assert.equal(limit.queued, 1);
  await assert.rejects(waits[1]!, CancelledError);
  await assert.rejects(waits[3]!, /tail left/);
  await assert.rejects(waits[0]!, CancelledError);
  assert.equal(clock.pendingTimers, 1);
  held?.();
  await waits[2];
  assert.deepEqual(got, [2]);
  assert.equal(clock.pendingTimers, 0);
  for (const c of controllers) assert.equal(getEventListeners(c.signal, 'abort').length, 0);
  assert.equal(limit.active, 0);
});

test('an aborted caller is refused before queueing or taking a slot', async () => {
  const limit = bulkhead({ maxConcurrent: 1 });
  const caller = new AbortController();
  caller.abort();
  await assert.rejects(limit.acquire({ signal: caller.signal }), CancelledError);
  assert.equal(limit.active, 0);
});

test('execute runs fn in a slot and releases it however fn ends', async () => {
  const clock = new FakeClock();
  const limit = bulkhead({ maxConcurrent: 1, maxQueue: 1, clock });
  let inside = -1;
  const result = await limit.execute(
    (signal, context) => {
      inside = limit.active;
      assert.equal(signal.aborted, false);
      assert.equal(context.deadlineMs, 500);
      return Promise.resolve('ok');
    },
    { deadlineMs: 500 },
  );
  assert.equal(result, 'ok');
  assert.equal(inside, 1);
  await assert.rejects(
    limit.execute(() => Promise.reject(new Error('boom'))),
    /boom/,
  );
  assert.equal(limit.active, 0);
});

test('execute queues behind a running call and rejects when the queue is full', async () => {
  const clock = new FakeClock();
  const limit = bulkhead({ maxConcurrent: 1, maxQueue: 1, clock });
  const slow = limit.execute(async (signal) => {
    await clock.sleep(100, signal);
    return 'slow';
  });
  const queued = limit.execute(() => Promise.resolve('queued'));
  await assert.rejects(
    limit.execute(() => Promise.resolve('x')),
    BulkheadFullError,
  );
  await clock.tick(100);
  assert.equal(await slow, 'slow');
  assert.equal(await queued, 'queued');
  assert.equal(limit.active, 0);
});

test('a slot handed over just as its caller aborts is given back, fn never runs', async () => {
  const clock = new FakeClock();
  const limit = bulkhead({ maxConcurrent: 1, maxQueue: 1, clock });
  const held = limit.tryAcquire();
  const caller = new AbortController();
  let ran = false;
  const result = limit.execute(
    () => {
      ran = true;
      return Promise.resolve('x');
    },
    { signal: caller.signal },
  );
  held?.();
  caller.abort();
  await assert.rejects(result, CancelledError);
  assert.equal(ran, false);
  assert.equal(limit.active, 0);
  const already = new AbortController();
  already.abort();
  await assert.rejects(
    limit.execute(() => Promise.resolve(1), { signal: already.signal }),
    CancelledError,
  );
  assert.equal(limit.active, 0);
});

test('options are validated', () => {
  assert.throws(() => bulkhead({ maxConcurrent: 0 }), /maxConcurrent/);
  assert.throws(() => bulkhead({ maxConcurrent: 1.5 }), /maxConcurrent/);
  assert.throws(() => bulkhead({ maxConcurrent: 1, maxQueue: Infinity }), /maxQueue/);
  assert.throws(() => bulkhead({ maxConcurrent: 1, queueTimeoutMs: -1 }), /queueTimeoutMs/);
  const limit = bulkhead({ maxConcurrent: 3, maxQueue: 2 });
  assert.equal(limit.maxConcurrent, 3);
  assert.equal(limit.maxQueue, 2);
});
