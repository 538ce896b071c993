import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { CancelledError, DeadlineExceededError, TimeoutError } from '../errors.js';
import { abortError, combineSignals, isCancellation, throwIfAborted } from './abort.js';

test('abortError keeps a meaningful reason and turns a bare abort into CancelledError', () => {
  const custom = new AbortController();
  const reason = new DeadlineExceededError(100);
  custom.abort(reason);
  assert.equal(abortError(custom.signal), reason);

  const bare = new AbortController();
  bare.abort();
  const error = abortError(bare.signal);
  assert.ok(error instanceof CancelledError);
  assert.equal((error.cause as Error).name, 'AbortError');

  const text = new AbortController();
  text.abort('bye');
  assert.equal(abortError(text.signal).cause, 'bye');
  assert.throws(() => {
    throwIfAborted(text.signal);
  }, CancelledError);
  throwIfAborted(new AbortController().signal);
});

test('isCancellation: the caller gave up, not a timeout or a deadline', () => {
  assert.equal(isCancellation(new CancelledError()), true);
  assert.equal(isCancellation(new DOMException('aborted', 'AbortError')), true);
  assert.equal(isCancellation(new Error('boom')), false);
  assert.equal(isCancellation('boom', new AbortController().signal), false);

  const caller = new AbortController();
  caller.abort(new Error('user closed the tab'));
  assert.equal(isCancellation(new Error('socket closed'), caller.signal), true);

  const timedOut = new AbortController();
  timedOut.abort(new TimeoutError('attempt', 10));
  assert.equal(isCancellation(new Error('socket closed'), timedOut.signal), false);
  const late = new AbortController();
  late.abort(new DeadlineExceededError(10));
  assert.equal(isCancellation(new Error('socket closed'), late.signal), false);
  // A library that throws a bare AbortError on any abort: the signal's reason still decides.
  const abortError = new DOMException('aborted', 'AbortError');
  assert.equal(isCancellation(abortError, late.signal), false);
  assert.equal(isCancellation(abortError, caller.signal), true);
});

test('combineSignals aborts with the first reason and unhooks from every source', () => {
  const a = new AbortController();
  const b = new AbortController();
  const combined = combineSignals([a.signal, undefined, b.signal]);
  assert.equal(getEventListeners(a.signal, 'abort').length, 1);
  const reason = new Error('b first');
  b.abort(reason);
  assert.equal(combined.signal.reason, reason);
  assert.equal(getEventListeners(a.signal, 'abort').length, 0);
  assert.equal(getEventListeners(b.signal, 'abort').length, 0);
  a.abort(new Error('a later'));
  assert.equal(combined.signal.reason, reason);
});

test('combineSignals dispose removes its listeners from a long-lived source', () => {
  const server = new AbortController();
  for (let i = 0; i < 1_000; i++) {
    const request = new AbortController();
    combineSignals([server.signal, request.signal]).dispose();
  }
  assert.equal(getEventListeners(server.signal, 'abort').length, 0);
});

test('combineSignals shortcuts: one source, none, or one already aborted', () => {
  const a = new AbortController();
  const single = combineSignals([undefined, a.signal]);
  assert.equal(single.signal, a.signal);
  single.dispose();
  const none = combineSignals([]);
  assert.equal(none.signal.aborted, false);
  const done = new AbortController();
  done.abort(new Error('already'));
  const early = combineSignals([a.signal, done.signal]);
  assert.equal((early.signal.reason as Error).message, 'already');
  assert.equal(getEventListeners(a.signal, 'abort').length, 0);
  early.dispose();
});
