#!/usr/bin/env node
// `hexts publish package` of the large benchmark package (bench/large-package.mjs) to the
// local registry over loopback, against `hexts build` of the same project. Prints the build
// time, the upload's time and throughput (from --verbose's timing of the POST), the total
// publish time and its ratio to the build (target ≤ 1.15). Asserts nothing.
// Usage: node bench/publish.mjs [--json]   (needs `npm run build` first)
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generatePackage } from './large-package.mjs';
import { arrange, startRegistry } from './registry.mjs';
import { median } from './median.mjs';

const RUNS = 3;
const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'bin', 'hexts.cjs');
const scratch = mkdtempSync(join(tmpdir(), 'hexts-bench-publish-'));

function time(args, options) {
  const start = process.hrtime.bigint();
  const run = spawnSync(process.execPath, [bin, ...args], { ...options, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (run.status !== 0) throw new Error(`hexts ${args.join(' ')} failed:\n${run.stderr}`);
  return { ms, stderr: run.stderr };
}

const project = join(scratch, 'pkg');
mkdirSync(project);
generatePackage(project);
const mixExs = readFileSync(join(project, 'mix.exs'), 'utf8');
const { child, env: registryEnv } = await startRegistry();
try {
  await arrange(registryEnv, '/_test/users', { username: 'bench', password: 'correct horse battery' });
  const { secret } = await arrange(registryEnv, '/_test/keys', { username: 'bench', name: 'bench', permissions: [{ domain: 'api', resource: null }] });
  const env = { ...process.env, ...registryEnv, HOME: scratch, HEXTS_HOME: join(scratch, 'hexts'), HEX_API_KEY: secret };

  const builds = [];
  const totals = [];
  const uploads = [];
  let size = 0;
  for (let i = 0; i < RUNS; i++) {
    const output = join(scratch, 'out.tar');
    builds.push(time(['build', '-o', output], { cwd: project, env }).ms);
    size = statSync(output).size;
    rmSync(output);
    // Each run publishes a new version, so none is a replacement.
    writeFileSync(join(project, 'mix.exs'), mixExs.replace('@version "1.0.0"', `@version "1.0.${i}"`));
    const publish = time(['--verbose', 'publish', 'package', '--yes', '--no-progress'], { cwd: project, env });
    totals.push(publish.ms);
    const upload = publish.stderr.match(/< 20[01] POST \S+ \((\d+) ms\)/);
    if (upload) uploads.push(Number(upload[1]));
  }
  const build = median(builds);
  const total = median(totals);
  const upload = median(uploads);
  const result = {
    package_bytes: size,
    build_ms: Math.round(build),
    upload_ms: upload,
    upload_mib_per_s: Number((size / 1024 / 1024 / (upload / 1000)).toFixed(1)),
    publish_total_ms: Math.round(total),
    total_to_build_ratio: Number((total / build).toFixed(3)),
  };
  if (process.argv.includes('--json')) console.log(JSON.stringify(result));
  else {
    console.log(`package (tarball)        ${(size / 1024 / 1024).toFixed(1)} MiB`);
    console.log(`hexts build              ${result.build_ms} ms (median of ${RUNS})`);
    console.log(`upload (POST, loopback)  ${upload} ms, ${result.upload_mib_per_s} MiB/s (includes the registry's checks)`);
    console.log(`hexts publish package    ${result.publish_total_ms} ms`);
    console.log(`publish / build          ${result.total_to_build_ratio} (target ≤ 1.15)`);
  }
} finally {
  child.kill('SIGTERM');
  rmSync(scratch, { recursive: true, force: true });
}
