import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AllCandidatesFailedError,
  ResponseStateUnavailableError,
  BreakerOpenError,
  BudgetExceededError,
  BulkheadFullError,
  CancelledError,
  ConfigError,
  DeadlineExceededError,
  HttpRefusedError,
  InvalidApiKeyError,
  InvalidRequestError,
  ModelNotFoundError,
  RateLimitedError,
  RetryBudgetExceededError,
  TimeoutError,
  UpstreamError,
  UpstreamRejectedError,
  isBreakerboxError,
  withoutStack,
} from './errors.js';
import type { BreakerboxError } from './errors.js';

test('errors carry their stable code and a brand that survives copies of the package', () => {
  const e = new BreakerOpenError(1500, 'sim/gpt-4.1');
  assert.equal(e.code, 'breaker_open');
  assert.equal(e.name, 'BreakerOpenError');
  assert.equal(e.retryAfterMs, 1500);
  assert.ok(isBreakerboxError(e));
  assert.ok(!isBreakerboxError(new Error('x')));
  assert.ok(!isBreakerboxError(null));
  assert.ok(isBreakerboxError(Object.create(Object.getPrototypeOf(e) as object)));
});

test('withoutStack builds an error with no stack frames and restores the limit', () => {
  const before = Error.stackTraceLimit;
  const e = withoutStack(() => new BreakerOpenError(10));
  assert.equal(Error.stackTraceLimit, before);
  assert.equal(e.stack?.split('\n').length, 1);
});

test('toJSON emits whitelisted fields only', () => {
  const e = new UpstreamError({
    kind: 'rate_limited',
    status: 429,
    retryAfterMs: 2000,
    deploymentId: 'p/m',
  });
  assert.deepEqual(Object.keys(e.toJSON()).sort(), [
    'code',
    'deploymentId',
    'detail',
    'kind',
    'message',
    'name',
    'retryAfterMs',
    'status',
  ]);
  const all = new AllCandidatesFailedError(
    'gpt-4.1',
    [
      {
        deployment: 'p/gpt-4.1',
        model: 'gpt-4.1',
        result: 'skipped',
        reason: 'breaker_open',
        retryAfterMs: 900,
      },
    ],
    900,
  );
  assert.match(all.message, /p\/gpt-4\.1: skipped \(breaker_open\)/);
  assert.equal((all.toJSON().attempts as unknown[]).length, 1);
});

test('a network detail is in the message, toJSON and the attempt summary', () => {
  const e = new UpstreamError({
    kind: 'network',
    deploymentId: 'openai/gpt-4o',
    detail: 'ECONNREFUSED 127.0.0.1:9',
  });
  assert.equal(e.message, 'upstream openai/gpt-4o failed: network (ECONNREFUSED 127.0.0.1:9)');
  assert.equal(e.toJSON().detail, 'ECONNREFUSED 127.0.0.1:9');
  const all = new AllCandidatesFailedError('gpt-4o', [
    {
      deployment: 'openai/gpt-4o',
      model: 'gpt-4o',
      result: 'failed',
      reason: 'network',
      detail: 'ECONNREFUSED 127.0.0.1:9',
    },
  ]);
  assert.match(all.message, /openai\/gpt-4o: failed \(network: ECONNREFUSED 127\.0\.0\.1:9\)/);
});

test('ResponseStateUnavailableError names the deployment and what happened to it', () => {
  const skipped = new ResponseStateUnavailableError({
    deployment: 'b/gpt-4.1',
    state: 'previous_response_id "resp_bb.x.y"',
    attempts: [
      { deployment: 'b/gpt-4.1', model: 'gpt-4.1', result: 'skipped', reason: 'breaker_open' },
      {
        deployment: 'b/gpt-4.1',
        model: 'gpt-4.1',
        result: 'failed',
        reason: 'network',
        detail: 'ECONNRESET 127.0.0.1:9',
      },
    ],
    retryAfterMs: 1200,
  });
  assert.equal(skipped.code, 'response_state_unavailable');
  assert.match(skipped.message, /held by deployment b\/gpt-4\.1/);
  assert.match(skipped.message, /skipped \(breaker_open\); failed \(network: ECONNRESET 127/);
  assert.match(skipped.message, /not failed over/);
  const json = skipped.toJSON();
  assert.equal(json.deployment, 'b/gpt-4.1');
  assert.equal(json.retryAfterMs, 1200);
  assert.equal((json.attempts as unknown[]).length, 2);
  const gone = new ResponseStateUnavailableError({
    deployment: 'x/y',
    state: 'a conversation',
    attempts: [],
    reason: 'it is not configured',
  });
  assert.match(gone.message, /unavailable: it is not configured\./);
  const unknown = new ResponseStateUnavailableError({
    deployment: 'x/y',
    state: 's',
    attempts: [],
  });
  assert.match(unknown.message, /which is unavailable: no call could be made\./);
  assert.equal(unknown.retryAfterMs, undefined);
});

test('ConfigError lists every issue with its path', () => {
  const e = new ConfigError(
    [
      { path: 'models.gpt-4.1.fallbacks[0]', message: 'unknown model "claude"' },
      { path: 'breaker.openMs', message: 'must be positive', line: 12 },
    ],
    'breakerbox.yaml',
  );
  assert.match(e.message, /2 problems/);
  assert.match(e.message, /models\.gpt-4\.1\.fallbacks\[0\]: unknown model "claude"/);
  assert.match(e.message, /breakerbox\.yaml:12: breaker\.openMs/);
});

test('every error class: its code, its defaults, and toJSON with exactly its own fields', () => {
  const cause = new Error('root cause');
  const cases: [BreakerboxError, Record<string, unknown>][] = [
    [new BreakerOpenError(250, 'p/m'), { code: 'breaker_open', retryAfterMs: 250, breaker: 'p/m' }],
    [
      new BulkheadFullError(),
      { code: 'bulkhead_full', message: 'bulkhead is full', retryAfterMs: 0 },
    ],
    [new RateLimitedError(undefined, 40), { code: 'rate_limited', retryAfterMs: 40 }],
    [
      new RetryBudgetExceededError('no budget', 5, { cause }),
      { code: 'retry_budget_exceeded', message: 'no budget', retryAfterMs: 5 },
    ],
    [new TimeoutError('attempt', 300), { code: 'timeout', timer: 'attempt', timeoutMs: 300 }],
    [new DeadlineExceededError(1000), { code: 'deadline_exceeded', deadlineMs: 1000 }],
    [new CancelledError(), { code: 'cancelled', message: 'the caller cancelled the request' }],
    [
      new UpstreamRejectedError({
        status: 400,
        body: { error: { message: 'bad', type: 'invalid_request_error', param: null, code: 'x' } },
        deploymentId: 'p/m',
      }),
      { code: 'request_rejected', status: 400, deploymentId: 'p/m', upstreamCode: 'x' },
    ],
    [
      new BudgetExceededError('team-a'),
      { code: 'budget_exceeded', scope: 'team-a', message: 'spend budget for team-a is exhausted' },
    ],
    [new BudgetExceededError('t', 'custom'), { message: 'custom', scope: 't' }],
    [new ConfigError([], 'f.yaml'), { code: 'config_invalid', issues: [], file: 'f.yaml' }],
    [new InvalidRequestError('no messages'), { code: 'invalid_request', param: null }],
    [new InvalidRequestError('bad role', 'messages[0].role'), { param: 'messages[0].role' }],
    [new ModelNotFoundError('gpt-9'), { code: 'model_not_found', model: 'gpt-9' }],
    [
      new InvalidApiKeyError(),
      { code: 'invalid_api_key', message: 'Missing or incorrect API key.' },
    ],
    [
      new HttpRefusedError({ code: 'server_overloaded', message: 'busy', retryAfterMs: 1000 }),
      { code: 'server_overloaded', param: null, retryAfterMs: 1000 },
    ],
    [
      new HttpRefusedError({ code: 'host_not_allowed', message: 'no', param: 'host' }),
      { param: 'host', retryAfterMs: undefined },
    ],
  ];
  for (const [error, expected] of cases) {
    const json = error.toJSON();
    assert.equal(json.name, error.constructor.name);
    assert.equal(json.code, error.code);
    assert.equal(json.message, error.message);
    for (const [key, value] of Object.entries(expected)) {
      assert.deepEqual(json[key], value, `${error.constructor.name}.toJSON().${key}`);
    }
    assert.ok(isBreakerboxError(error));
    assert.doesNotThrow(() => JSON.stringify(error));
  }
  const withCause = new RetryBudgetExceededError('no budget', 5, { cause });
  assert.equal(withCause.cause, cause, 'the cause is kept, not serialised');
  assert.equal('cause' in withCause.toJSON(), false);
});

test('messages with nothing to list: no candidates; one root issue without a file', () => {
  assert.equal(
    new AllCandidatesFailedError('m', []).message,
    'every candidate for model "m" failed: no candidates',
  );
  assert.equal(
    new ConfigError([{ path: '', message: 'must be an object' }]).message,
    'invalid configuration (1 problem):\n  - (root): must be an object',
  );
});
