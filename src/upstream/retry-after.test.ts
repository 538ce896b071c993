import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  MAX_RETRY_AFTER_MS,
  parseRetryAfterFromMessage,
  parseRetryAfterMs,
} from './retry-after.js';

const NOW = Date.UTC(2025, 0, 1, 12, 0, 0);

test('retry-after-ms (float ms) wins over retry-after', () => {
  assert.equal(parseRetryAfterMs({ 'retry-after-ms': '1500.5', 'retry-after': '9' }, NOW), 1500.5);
  assert.equal(parseRetryAfterMs({ 'retry-after-ms': '0' }, NOW), 0);
});

test('garbage retry-after-ms falls through to retry-after', () => {
  assert.equal(parseRetryAfterMs({ 'retry-after-ms': 'soon', 'retry-after': '2' }, NOW), 2000);
  assert.equal(parseRetryAfterMs({ 'retry-after-ms': '-5', 'retry-after': '2' }, NOW), 2000);
});

test('retry-after as seconds, integer or float, whitespace tolerated', () => {
  assert.equal(parseRetryAfterMs({ 'retry-after': '20' }, NOW), 20_000);
  assert.equal(parseRetryAfterMs({ 'retry-after': ' 1.25 ' }, NOW), 1250);
  assert.equal(parseRetryAfterMs({ 'retry-after': '0' }, NOW), 0);
});

test('retry-after as an HTTP-date, relative to now; a past date is 0', () => {
  const future = new Date(NOW + 30_000).toUTCString();
  assert.equal(parseRetryAfterMs({ 'retry-after': future }, NOW), 30_000);
  const past = new Date(NOW - 60_000).toUTCString();
  assert.equal(parseRetryAfterMs({ 'retry-after': past }, NOW), 0);
});

test('garbage, negatives and empty values are undefined', () => {
  for (const v of ['soon', '-5', '1e3', '', 'NaN', '12abc', '1,5']) {
    assert.equal(parseRetryAfterMs({ 'retry-after': v }, NOW), undefined, v);
  }
  assert.equal(parseRetryAfterMs({}, NOW), undefined);
});

test('repeated headers use the first value', () => {
  assert.equal(parseRetryAfterMs({ 'retry-after': ['3', '7'] }, NOW), 3000);
});

test('values are clamped to 24 h', () => {
  assert.equal(parseRetryAfterMs({ 'retry-after': '999999999' }, NOW), MAX_RETRY_AFTER_MS);
  assert.equal(parseRetryAfterMs({ 'retry-after-ms': '1e99' }, NOW), undefined);
  const far = new Date(NOW + 10 * MAX_RETRY_AFTER_MS).toUTCString();
  assert.equal(parseRetryAfterMs({ 'retry-after': far }, NOW), MAX_RETRY_AFTER_MS);
});

test('a 429 message that spells out the delay', () => {
  const openai =
    'Rate limit reached for gpt-4 in organization org-x on tokens per min (TPM): Limit 10000, ' +
    'Used 9348, Requested 5086. Please try again in 26.604s. Visit https://platform.openai.com';
  assert.equal(parseRetryAfterFromMessage(openai), 26_604);
  assert.equal(parseRetryAfterFromMessage('Please try again in 120ms.'), 120);
  assert.equal(parseRetryAfterFromMessage('Please retry after 20 seconds.'), 20_000);
  assert.equal(parseRetryAfterFromMessage('You exceeded your current quota'), undefined);
});
