import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Deadline } from '../core/index.js';
import { ClientSignal } from './exchange.js';

test('a client signal tells its listeners once, with an AbortError, honouring once and removal', () => {
  const signal = new ClientSignal();
  const calls: string[] = [];
  const kept = (): void => {
    calls.push('kept');
  };
  const removed = (): void => {
    calls.push('removed');
  };
  signal.addEventListener('abort', kept);
  signal.addEventListener('abort', kept); // a second add of the same listener is ignored
  signal.addEventListener('abort', () => calls.push('once'), { once: true });
  signal.addEventListener('abort', removed);
  signal.removeEventListener('abort', removed);
  assert.equal(signal.aborted, false);
  assert.doesNotThrow(() => {
    signal.throwIfAborted();
  });
  signal.abort();
  signal.abort(); // idempotent
  assert.deepEqual(calls, ['kept', 'once']);
  assert.equal(signal.aborted, true);
  assert.ok(signal.reason instanceof DOMException);
  assert.equal(signal.reason.name, 'AbortError');
  assert.throws(() => {
    signal.throwIfAborted();
  }, DOMException);
});

test('a deadline linked to a client signal aborts with it, and unhooks on dispose', () => {
  const signal = new ClientSignal();
  const linked = new Deadline({ budgetMs: 60_000, signal: signal as unknown as AbortSignal });
  const disposed = new Deadline({ budgetMs: 60_000, signal: signal as unknown as AbortSignal });
  disposed.dispose();
  signal.abort();
  assert.equal(linked.signal.aborted, true);
  assert.equal((linked.signal.reason as DOMException).name, 'AbortError');
  assert.equal(disposed.signal.aborted, false, 'a disposed deadline no longer listens');
  linked.dispose();
});
