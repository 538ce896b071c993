import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isMissingPackage } from './missing-package.js';

test('isMissingPackage recognises Node’s error for a package that is not installed', async () => {
  const specifier = 'breakerbox-no-such-package';
  const error: unknown = await import(specifier).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.equal(isMissingPackage(error, specifier), true);
  assert.equal(isMissingPackage(error, 'openai'), false);
});

test('isMissingPackage ignores other errors', () => {
  const notFound = Object.assign(new Error("Cannot find module '/x/demo.js'"), {
    code: 'ERR_MODULE_NOT_FOUND',
  });
  assert.equal(isMissingPackage(notFound, 'openai'), false);
  assert.equal(isMissingPackage(new Error("Cannot find package 'openai'"), 'openai'), false);
  assert.equal(isMissingPackage('openai', 'openai'), false);
});
