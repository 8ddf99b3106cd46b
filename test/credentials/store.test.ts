import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, test } from 'node:test';
import { startPrivateBus } from '../helpers/dbus.js';
import { finished, scratchHome } from '../helpers/cli.js';
import { keychainAccount, keychainAccounts, storedSecret } from '../helpers/keychain.js';

const DRIVER = new URL('../helpers/store-driver.ts', import.meta.url).pathname;
const homes: Array<() => void> = [];
after(() => homes.forEach((cleanup) => cleanup()));

function home(): string {
  const h = scratchHome();
  homes.push(h.cleanup);
  return h.home;
}

interface DriverResult {
  result?: unknown;
  error?: string;
  warnings: string[];
  /** One line for each keychain call that failed (the store stops asking after one). */
  logs: string[];
}

/** A hang watchdog for one driver run, not a speed target: generous, for a loaded machine. */
const DRIVER_TIMEOUT_MS = 60_000;

function drive(env: Record<string, string | undefined>, ...args: string[]): DriverResult {
  const run = spawnSync(process.execPath, ['--import', 'tsx', DRIVER, ...args], { env: env as NodeJS.ProcessEnv, encoding: 'utf8', timeout: DRIVER_TIMEOUT_MS });
  assert.equal(run.status, 0, run.error ? `${run.error.message} (a hang?)` : run.stderr);
  return JSON.parse(run.stdout.trim().split('\n').pop()!);
}

/** A Secret Service that never answers: the call gives up (within KEYCHAIN_TIMEOUT_MS), as D-Bus's no-reply or hexts's own limit. */
const NO_ANSWER = /^keychain: (the Secret Service did not answer|no answer within 3 s)$/;

/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

const sessionEnv = () => ({ ...process.env });

test('secrets go to the Secret Service and to no file', () => {
  const h = home();
  const api = `https://keychain-${process.pid}.example/api`;
  const secret = `sentinel-${process.pid}-keychain`;
  const set = drive(sessionEnv(), h, api, 'set', 'user', JSON.stringify({ type: 'key', key: secret }));
  assert.equal(set.result, 'keychain');
  assert.deepEqual(set.warnings, []);

  const lookup = storedSecret(h, api, 'user')!;
  assert.deepEqual(JSON.parse(lookup), { type: 'key', key: secret });
  for (const file of filesUnder(h)) assert.ok(!readFileSync(file, 'utf8').includes(secret), `${file} holds the secret`);

  const got = drive(sessionEnv(), h, api, 'get', 'user');
  assert.deepEqual(got.result, { value: { type: 'key', key: secret }, store: 'keychain' });
  const listed = drive(sessionEnv(), h, api, 'list');
  assert.deepEqual(listed.result, [{ slot: 'user', info: { store: 'keychain', account: keychainAccount(h, 'user') } }]);

  const removed = drive(sessionEnv(), h, api, 'delete', 'user');
  assert.deepEqual(removed.result, ['keychain']);
  assert.deepEqual(keychainAccounts(api), []);
});

test('registries are kept apart: a slot of one API URL is invisible to another', () => {
  const h = home();
  drive(sessionEnv(), h, 'https://a.example/api', 'set', 'user', JSON.stringify({ type: 'key', key: 'aaa' }));
  assert.equal(drive(sessionEnv(), h, 'https://b.example/api', 'get', 'user').result, null);
  drive(sessionEnv(), h, 'https://a.example/api', 'delete', 'user');
});

test('--insecure-storage writes a 0600 file and warns, naming it', () => {
  const h = home();
  const set = drive(sessionEnv(), h, 'https://insecure.example/api', 'set', 'user', JSON.stringify({ type: 'key', key: 'plain' }), '--insecure');
  assert.equal(set.result, 'file');
  const file = join(h, 'credentials.json');
  assert.match(set.warnings[0]!, new RegExp(`Credentials saved in plain text to ${file.replace(/[.]/g, '\\.')} \\(--insecure-storage\\)`));
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.equal(drive(sessionEnv(), h, 'https://insecure.example/api', 'get', 'user').error, undefined);
});

for (const [name, setup] of [
  ['no session bus', async () => ({ env: { PATH: process.env.PATH }, stop: async () => {} })],
  ['a bus without a Secret Service', () => startPrivateBus('empty')],
  ['a locked keyring', () => startPrivateBus('locked')],
] as const) {
  test(`${name}: storing falls back to the warned 0600 file after one failed keychain call`, async () => {
    const bus = await setup();
    try {
      const h = home();
      const env = { ...bus.env, HOME: h };
      const set = drive(env, h, 'https://fallback.example/api', 'set', 'user', JSON.stringify({ type: 'key', key: 'k' }));
      assert.equal(set.result, 'file', JSON.stringify(set));
      assert.equal(set.logs.length, 1, JSON.stringify(set));
      assert.match(set.warnings[0]!, /Credentials saved in plain text to .*credentials\.json \(no usable OS keychain: /);
      assert.equal(statSync(join(h, 'credentials.json')).mode & 0o777, 0o600);
      const got = drive(env, h, 'https://fallback.example/api', 'get', 'user');
      assert.deepEqual(got.result, { value: { type: 'key', key: 'k' }, store: 'file' });
    } finally {
      await bus.stop();
    }
  });
}

test('a Secret Service that never answers: every call gives up, once, and never hangs', async () => {
  const bus = await startPrivateBus('unlocked');
  try {
    const h = home();
    const env = { ...bus.env, HOME: h };
    assert.equal(drive(env, h, 'https://frozen.example/api', 'set', 'user', JSON.stringify({ type: 'key', key: 'k1' })).result, 'keychain');
    bus.keyring!.kill('SIGSTOP');
    const got = drive(env, h, 'https://frozen.example/api', 'get', 'user');
    assert.match(got.error ?? '', /OS keychain, which cannot be used now/);
    assert.equal(got.logs.length, 1, JSON.stringify(got));
    assert.match(got.logs[0]!, NO_ANSWER);
    const set = drive(env, h, 'https://frozen.example/api', 'set', 'other', JSON.stringify({ type: 'key', key: 'k2' }));
    assert.equal(set.result, 'file');
    assert.equal(set.logs.length, 1, JSON.stringify(set));
    assert.match(set.logs[0]!, NO_ANSWER);
  } finally {
    await bus.stop();
  }
});

/** A dbus-monitor of the calls made to the Secret Service on the bus; `seen` resolves at the first line matching. */
async function monitorSecretService(env: Record<string, string>) {
  const monitor = spawn('dbus-monitor', ['--session', "type='method_call',destination='org.freedesktop.secrets'"], { env, stdio: ['ignore', 'pipe', 'ignore'] });
  const lines = createInterface({ input: monitor.stdout! });
  const waiting: Array<{ pattern: RegExp; resolve: () => void }> = [];
  lines.on('line', (line) => {
    for (const w of waiting.filter((w) => w.pattern.test(line))) {
      waiting.splice(waiting.indexOf(w), 1);
      w.resolve();
    }
  });
  const seen = (pattern: RegExp) => new Promise<void>((resolve) => waiting.push({ pattern, resolve }));
  // Its first line is its own NameAcquired signal: from then on it sees every call.
  await seen(/./);
  return { seen, stop: () => monitor.kill('SIGKILL') };
}

// The timeout is a hang watchdog (for the waits on the monitor), not a speed target.
test('a Secret Service that dies under a call (gnome-keyring 42 can): the call is asked again and the restarted one answers', { timeout: 120_000 }, async () => {
  const bus = await startPrivateBus('unlocked');
  try {
    const h = home();
    const env = { ...bus.env, HOME: h };
    const api = 'https://restarted.example/api';
    assert.equal(drive(env, h, api, 'set', 'user', JSON.stringify({ type: 'key', key: 'k1' })).result, 'keychain');
    bus.keyring!.kill('SIGSTOP');
    const monitor = await monitorSecretService(bus.env);
    try {
      const child = spawn(process.execPath, ['--import', 'tsx', DRIVER, h, api, 'get', 'user'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      const run = finished(child, 'store-driver get', DRIVER_TIMEOUT_MS);
      // The driver's first call to the Secret Service now waits on the stopped daemon, which dies under it.
      await monitor.seen(/^method call .* path=\/org\/freedesktop\/secrets/);
      bus.keyring!.kill('SIGKILL');
      const result = await run;
      const got: DriverResult = JSON.parse(result.stdout.trim().split('\n').pop()!);
      assert.deepEqual(got.result, { value: { type: 'key', key: 'k1' }, store: 'keychain' }, result.stdout + result.stderr);
      assert.deepEqual(got.logs, [], 'no keychain call failed: the one cut off was asked again');
    } finally {
      monitor.stop();
    }
  } finally {
    await bus.stop();
  }
});

