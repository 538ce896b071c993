/**
 * Whether `error` is Node's failure to load the package `name` itself (not one of its files, and
 * not a package it imports in turn): how a command that needs an optional peer dependency finds
 * out that the peer is not installed.
 */
export function isMissingPackage(error: unknown, name: string): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as Error & { code?: unknown }).code;
  // Node's message: "Cannot find package 'openai' imported from /…/demo.js".
  return (
    code === 'ERR_MODULE_NOT_FOUND' && error.message.startsWith(`Cannot find package '${name}'`)
  );
}
