#!/usr/bin/env node
// `hexts package fetch` of 50 packages from the local registry at HEX_HTTP_CONCURRENCY=1
// against 8, with a 20 ms delay on every repository answer (loopback has no latency of its
// own, and concurrency is about hiding latency). Prints median times; asserts nothing.
// Usage: node bench/fetch.mjs [--json]   (needs `npm run build` first)
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { arrange, startRegistry } from './registry.mjs';
import { median } from './median.mjs';

const PACKAGES = 50;
const RUNS = 3;
const LATENCY_MS = 20;
const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'bin', 'hexts.cjs');
const scratch = mkdtempSync(join(tmpdir(), 'hexts-bench-fetch-'));

function run(args, env) {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(process.execPath, [bin, ...args], { env, cwd: scratch, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c) => (stderr += c));
    child.on('close', (code) => (code === 0 ? resolve(Number(process.hrtime.bigint() - start) / 1e6) : reject(new Error(`hexts ${args.join(' ')}: ${stderr}`))));
  });
}

const { child, env: registryEnv } = await startRegistry();
try {
  await arrange(registryEnv, '/_test/users', { username: 'bench', password: 'correct horse battery' });
  const { secret } = await arrange(registryEnv, '/_test/keys', { username: 'bench', name: 'bench', permissions: [{ domain: 'api', resource: null }] });
  const names = Array.from({ length: PACKAGES }, (_, i) => `bench_dep_${i}`);
  for (const name of names) await arrange(registryEnv, '/_test/releases', { publisher: 'bench', name, version: '1.0.0' });
  await arrange(registryEnv, '/_test/faults', { type: 'delay', path: '/repo/', delay_ms: LATENCY_MS, count: 1_000_000 });

  const env = { ...process.env, ...registryEnv, HOME: scratch, HEXTS_HOME: join(scratch, 'hexts'), HEX_API_KEY: secret };
  const result = { packages: PACKAGES, latency_ms: LATENCY_MS };
  for (const concurrency of [1, 8]) {
    const times = [];
    for (let i = 0; i < RUNS; i++) {
      const out = join(scratch, `out-${concurrency}-${i}`);
      times.push(await run(['package', 'fetch', ...names, '-o', out], { ...env, HEX_HTTP_CONCURRENCY: String(concurrency) }));
      rmSync(out, { recursive: true, force: true });
    }
    result[`concurrency_${concurrency}_ms`] = Math.round(median(times));
  }
  result.speedup = Number((result.concurrency_1_ms / result.concurrency_8_ms).toFixed(2));
  if (process.argv.includes('--json')) console.log(JSON.stringify(result));
  else {
    console.log(`${PACKAGES} packages, ${LATENCY_MS} ms added to each repository answer, median of ${RUNS}`);
    console.log(`HEX_HTTP_CONCURRENCY=1   ${result.concurrency_1_ms} ms`);
    console.log(`HEX_HTTP_CONCURRENCY=8   ${result.concurrency_8_ms} ms  (${result.speedup}× faster)`);
  }
} finally {
  child.kill('SIGTERM');
  rmSync(scratch, { recursive: true, force: true });
}
