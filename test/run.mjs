#!/usr/bin/env node
// Runs the whole suite with node's test runner. Every test file's process gets a private D-Bus
// session with an unlocked gnome-keyring (test/helpers/session-keyring.ts), so keychain tests use
// a real Secret Service (deps.md §6) and never the developer's own.
// Usage: node test/run.mjs [test files or directories…]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';

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
const missing = ['dbus-daemon', 'dbus-send', 'gnome-keyring-daemon', 'secret-tool', 'zsh', 'fish', 'tmux'].filter(
  (tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0,
);
if (missing.length) {
  console.error(`The tests need ${missing.join(', ')}: install gnome-keyring, libsecret-tools, dbus, zsh, fish and tmux (bash .ci/run does).`);
  process.exit(1);
}

// A HOME of the run's own, so that nothing a test leaves to defaults writes in the real one.
const home = mkdtempSync(join(tmpdir(), 'hexts-test-home-'));
const concurrency = process.env.HEXTS_TEST_CONCURRENCY ?? '2';
// A hang watchdog, not a speed target (tests time nothing): a test file still running after
// 30 minutes is stopped and fails. The runner stops it from outside its process, so this also
// ends a test stuck in a synchronous loop, which no timer inside that process can interrupt.
const WATCHDOG_MS = 30 * 60 * 1000;
const keyring = pathToFileURL(join(root, 'test', 'helpers', 'session-keyring.ts')).href;
const result = spawnSync(process.execPath, ['--import', 'tsx', '--import', keyring, '--test', `--test-concurrency=${concurrency}`, `--test-timeout=${WATCHDOG_MS}`, ...files], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, HOME: home },
});
rmSync(home, { recursive: true, force: true });
process.exit(result.status ?? 1);
