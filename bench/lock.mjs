#!/usr/bin/env node
// `hexts outdated` and `hexts audit` on a project whose mix.lock holds 150 packages of the local
// registry (some retired, some with advisories), with the registry file cache empty (cold: 150
// full downloads) and filled (warm: 150 conditional GETs answered 304), beside `node -e 0`.
// Runs interleaved, medians printed; asserts nothing.
// Usage: node bench/lock.mjs [--json]   (needs `npm run build` first)
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { arrange, startRegistry } from './registry.mjs';
import { median } from './median.mjs';

const PACKAGES = 150;
const RUNS = 5;
const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'bin', 'hexts.cjs');
const scratch = mkdtempSync(join(tmpdir(), 'hexts-bench-lock-'));
const project = join(scratch, 'project');
const hextsHome = join(scratch, 'hexts');

function time(args, env) {
  const start = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, { env, cwd: project, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`node ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

const { child, env: registryEnv } = await startRegistry();
try {
  await arrange(registryEnv, '/_test/users', { username: 'bench', password: 'correct horse battery' });
  const names = Array.from({ length: PACKAGES }, (_, i) => `lock_dep_${i}`);
  for (const name of names) {
    await arrange(registryEnv, '/_test/releases', { publisher: 'bench', name, version: '1.0.0' });
    await arrange(registryEnv, '/_test/releases', { publisher: 'bench', name, version: '1.1.0' });
  }
  for (const name of names.slice(0, 10)) await arrange(registryEnv, '/_test/retirements', { name, version: '1.0.0', reason: 'security', message: 'bench retirement' });
  for (const name of names.slice(10, 20)) {
    await arrange(registryEnv, '/_test/advisories', { name, id: `GHSA-${name}`, summary: 'bench advisory', versions: ['1.0.0'], cvss_rating: 'high', cvss_score: 7.5 });
  }
  mkdirSync(project);
  writeFileSync(join(project, 'mix.exs'), `defmodule Bench.MixProject do
  use Mix.Project
  def project, do: [app: :bench, version: "0.1.0", deps: deps()]
  defp deps, do: [${names.map((n) => `{:${n}, "~> 1.0"}`).join(', ')}]
end
`);
  writeFileSync(join(project, 'mix.lock'), `%{\n${names.map((n) => `  "${n}": {:hex, :${n}, "1.0.0", "${'a'.repeat(64)}", [:mix], [], "hexpm", "${'b'.repeat(64)}"},`).join('\n')}\n}\n`);

  const env = { ...process.env, ...registryEnv, HOME: scratch, HEXTS_HOME: hextsHome };
  const commands = { outdated: [bin, 'outdated', '--no-fail'], audit: [bin, 'audit', '--no-fail'] };
  const registryCache = join(hextsHome, 'cache', 'registry');
  // A first run of each fills V8's code cache, so that cold differs from warm by the registry files only.
  for (const args of Object.values(commands)) time(args, env);
  const times = { node: [], outdated_cold: [], outdated_warm: [], audit_cold: [], audit_warm: [] };
  for (let i = 0; i < RUNS; i++) {
    times.node.push(time(['-e', '0'], env));
    for (const [name, args] of Object.entries(commands)) {
      rmSync(registryCache, { recursive: true, force: true });
      times[`${name}_cold`].push(time(args, env));
      times[`${name}_warm`].push(time(args, env));
    }
  }
  const result = { packages: PACKAGES, ...Object.fromEntries(Object.entries(times).map(([k, v]) => [`${k}_ms`, Math.round(median(v))])) };
  if (process.argv.includes('--json')) console.log(JSON.stringify(result));
  else {
    console.log(`mix.lock with ${PACKAGES} packages, local registry, median of ${RUNS}`);
    console.log(`node -e 0          ${result.node_ms} ms`);
    console.log(`outdated cold/warm ${result.outdated_cold_ms} / ${result.outdated_warm_ms} ms`);
    console.log(`audit cold/warm    ${result.audit_cold_ms} / ${result.audit_warm_ms} ms`);
  }
} finally {
  child.kill('SIGTERM');
  rmSync(scratch, { recursive: true, force: true });
}
