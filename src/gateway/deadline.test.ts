import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readDeadline } from './deadline.js';

test('x-breakerbox-deadline-ms wins and is capped at the configured deadline', () => {
  assert.deepEqual(readDeadline({ 'x-breakerbox-deadline-ms': '1500' }, 60_000), {
    ok: true,
    deadlineMs: 1500,
  });
  assert.deepEqual(
    readDeadline({ 'x-breakerbox-deadline-ms': '999999', 'x-stainless-timeout': '1' }, 60_000),
    { ok: true, deadlineMs: 60_000 },
  );
});

test('x-stainless-timeout is in seconds', () => {
  assert.deepEqual(readDeadline({ 'x-stainless-timeout': '2.5' }, 60_000), {
    ok: true,
    deadlineMs: 2500,
  });
  assert.deepEqual(readDeadline({ 'x-stainless-timeout': '600' }, 30_000), {
    ok: true,
    deadlineMs: 30_000,
  });
});

test('a bad own header is the caller error; a bad SDK header is ignored', () => {
  for (const bad of ['', 'abc', '-5', '0', '1e3', 'Infinity']) {
    const r = readDeadline({ 'x-breakerbox-deadline-ms': bad }, 60_000);
    assert.equal(r.ok, false, bad);
    assert.equal(r.param, 'x-breakerbox-deadline-ms');
  }
  assert.deepEqual(readDeadline({ 'x-stainless-timeout': 'soon' }, 60_000), {
    ok: true,
    deadlineMs: undefined,
  });
  assert.deepEqual(readDeadline({}, 60_000), { ok: true, deadlineMs: undefined });
});
