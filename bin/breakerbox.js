#!/usr/bin/env node
// The `breakerbox` command: a thin launcher for the compiled CLI (build it with `npm run build`).
let cli;
try {
  cli = await import('../dist/src/cli/main.js');
} catch (error) {
  if (error?.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('cli/main.js')) {
    console.error('breakerbox is not built yet: run `npm run build` first.');
    process.exit(1);
  }
  throw error;
}
process.exitCode = await cli.main(process.argv);
