#!/usr/bin/env node
// Installs hexts as a user would from the packed package (`npm pack`, then
// `npm install -g ./hexts-*.tgz`) into a throwaway prefix, and fails if npm warns about
// anything or if the installed `hexts --version` is not this version. npm 11 warned about the
// `prepare` script, which an installed package never needs (the build now runs at `prepack`).
// npm's cache is used first (--prefer-offline): once it holds the dependencies, as after any
// earlier install, nothing goes over the network.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const work = mkdtempSync(join(tmpdir(), 'hexts-check-pack-'));

function run(command, args, cwd) {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', env: { ...process.env, npm_config_update_notifier: 'false' } });
  const output = `${result.stdout}${result.stderr}`;
  if (result.status !== 0) fail(`${command} ${args.join(' ')} exited with ${result.status}:\n${output}`);
  return { stdout: result.stdout, output };
}

function fail(message) {
  console.error(`check-pack: ${message}`);
  rmSync(work, { recursive: true, force: true });
  process.exit(1);
}

try {
  const packed = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', work], root).stdout.replace(/^[^[]*/s, ''));
  const tarball = join(work, packed[0].filename);
  const prefix = join(work, 'prefix');
  const install = run('npm', ['install', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', tarball], work);
  const warnings = install.output.split('\n').filter((line) => /^npm warn/i.test(line));
  if (warnings.length > 0) fail(`npm install -g warned:\n${warnings.join('\n')}`);
  const installed = run(join(prefix, 'bin', 'hexts'), ['--version'], work).stdout.trim();
  if (installed !== version) fail(`the installed hexts --version printed "${installed}", not ${version}`);
  console.log(`check-pack: ${packed[0].filename} installs without a warning; hexts --version prints ${installed}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
