import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errorSource } from './taxonomy.js';

test('caller, policy and provider errors', () => {
  for (const c of [
    'invalid_request',
    'model_not_found',
    'invalid_api_key',
    'request_rejected',
    'cancelled',
  ]) {
    assert.equal(errorSource(c), 'caller', c);
  }
  for (const c of [
    'rate_limited',
    'budget_exceeded',
    'breaker_open',
    'deadline_exceeded',
    'bulkhead_full',
  ]) {
    assert.equal(errorSource(c), 'policy', c);
  }
  assert.equal(errorSource('upstream_error'), 'provider');
  assert.equal(errorSource('timeout'), 'provider');
});

test('all_candidates_failed: provider when a call failed, policy when all were skipped', () => {
  assert.equal(
    errorSource('all_candidates_failed', [{ result: 'skipped' }, { result: 'failed' }]),
    'provider',
  );
  assert.equal(errorSource('all_candidates_failed', [{ result: 'skipped' }]), 'policy');
  assert.equal(errorSource('all_candidates_failed'), 'policy');
});
