// Installing hexts as a user would from the packed package (`npm pack`, then `npm install -g
// ./hexts-*.tgz`), into a throwaway prefix: npm warns about nothing, and the installed `hexts`
// runs. npm 11 warned about a `prepare` script, which an installed package never needs (the
// build runs at `prepack`). The suite has built dist/ already, so the pack skips `prepack`: a
// rebuild now would rewrite dist/ under the tests that run the built CLI.
// npm's cache is used first (--prefer-offline): after `npm ci` it holds the dependencies.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

const root = new URL('../..', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'hexts-pack-'));
after(() => rmSync(work, { recursive: true, force: true }));

function run(command: string, args: string[], cwd: string): { stdout: string; output: string } {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', timeout: 120_000, env: { ...process.env, npm_config_update_notifier: 'false' } });
  const output = `${result.stdout}${result.stderr}`;
  assert.equal(result.status, 0, `${command} ${args.join(' ')}:\n${output}`);
  return { stdout: result.stdout, output };
}

test('the packed package installs with npm install -g without a warning, and runs', () => {
  const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const packed = JSON.parse(run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], root).stdout.replace(/^[^[]*/s, ''));
  const files = (packed[0].files as Array<{ path: string }>).map((f) => f.path);
  assert.ok(files.includes('bin/hexts.cjs') && files.some((f) => f.startsWith('dist/')), files.join(', '));
  assert.ok(!files.some((f) => f.startsWith('test/') || f.startsWith('src/')), 'only the built CLI ships');
  assert.ok(!files.some((f) => f.startsWith('registry/') || f.startsWith('build/')), 'the local registry never ships');

  const prefix = join(work, 'prefix');
  const install = run('npm', ['install', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', join(work, packed[0].filename)], work);
  assert.deepEqual(install.output.split('\n').filter((line) => /^npm warn/i.test(line)), []);
  assert.equal(run(join(prefix, 'bin', 'hexts'), ['--version'], work).stdout.trim(), version);
  // Nor bundled into the CLI: its /_test/ routes create accounts and approve logins.
  const installed = join(prefix, 'lib', 'node_modules', 'hexts');
  for (const file of files) assert.ok(!readFileSync(join(installed, file), 'utf8').includes('no such test route'), `${file} holds registry code`);
});
