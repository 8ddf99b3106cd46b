#!/usr/bin/env node
import { main } from '../dist/cli.js';

// A reader that goes away early (`hexts … | head`) is not an error.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

process.exitCode = await main(process.argv.slice(2), {
  streams: { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr },
  env: process.env,
  cwd: process.cwd(),
});
