#!/usr/bin/env node
// Runs the whole suite with node's test runner inside a private D-Bus session that has an
// unlocked gnome-keyring, so keychain tests use a real Secret Service (deps.md §6).
// Usage: node test/run.mjs [test files or directories…]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;

function findTests(path) {
  if (statSync(path).isFile()) return [path];
  return readdirSync(path, { withFileTypes: true })
    .filter((e) => e.name !== 'fixtures' && e.name !== 'node_modules')
    .flatMap((e) => (e.isDirectory() ? findTests(join(path, e.name)) : e.name.endsWith('.test.ts') ? [join(path, e.name)] : []))
    .sort();
}

const targets = process.argv.slice(2);
const files = (targets.length ? targets : [join(root, 'test')]).flatMap(findTests).map((f) => relative(root, f));
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}

// The keychain tests need a Secret Service; the completion tests need the shells and tmux.
const missing = ['dbus-run-session', 'gnome-keyring-daemon', 'secret-tool', 'zsh', 'fish', 'tmux'].filter(
  (tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0,
);
if (missing.length) {
  console.error(`The tests need ${missing.join(', ')}: install gnome-keyring, libsecret-tools, dbus, zsh, fish and tmux (bash .ci/run does).`);
  process.exit(1);
}

const scratch = mkdtempSync(join(tmpdir(), 'hexts-test-session-'));
const runtimeDir = join(scratch, 'runtime');
const dataDir = join(scratch, 'data');
// A HOME of the run's own, so that nothing a test leaves to defaults writes in the real one.
const homeDir = join(scratch, 'home');
spawnSync('mkdir', ['-m', '700', '-p', runtimeDir, dataDir, homeDir]);

const quoted = files.map((f) => `'${f.replace(/'/g, `'\\''`)}'`).join(' ');
const concurrency = process.env.HEXTS_TEST_CONCURRENCY ?? '2';
const script = [
  // stdin must carry a line: an empty stdin neither creates nor unlocks the keyring.
  `echo "" | gnome-keyring-daemon --unlock --components=secrets >/dev/null`,
  `exec node --import tsx --test --test-concurrency=${concurrency} ${quoted}`,
].join(' && ');

const result = spawnSync('dbus-run-session', ['--', 'sh', '-c', script], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, HOME: homeDir, XDG_RUNTIME_DIR: runtimeDir, XDG_DATA_HOME: dataDir, HEXTS_TEST_KEYRING: '1' },
});
rmSync(scratch, { recursive: true, force: true });
process.exit(result.status ?? 1);
