import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
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
  ms: number;
}

function drive(env: Record<string, string | undefined>, ...args: string[]): DriverResult {
  const run = spawnSync(process.execPath, ['--import', 'tsx', DRIVER, ...args], { env: env as NodeJS.ProcessEnv, encoding: 'utf8', timeout: 20000 });
  assert.equal(run.status, 0, run.stderr);
  return JSON.parse(run.stdout.trim().split('\n').pop()!);
}

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
  test(`${name}: storing falls back to the warned 0600 file within 3 s`, async () => {
    const bus = await setup();
    try {
      const h = home();
      const env = { ...bus.env, HOME: h };
      const set = drive(env, h, 'https://fallback.example/api', 'set', 'user', JSON.stringify({ type: 'key', key: 'k' }));
      assert.equal(set.result, 'file', JSON.stringify(set));
      assert.ok(set.ms < 4500, `took ${set.ms} ms`);
      assert.match(set.warnings[0]!, /Credentials saved in plain text to .*credentials\.json \(no usable OS keychain: /);
      assert.equal(statSync(join(h, 'credentials.json')).mode & 0o777, 0o600);
      const got = drive(env, h, 'https://fallback.example/api', 'get', 'user');
      assert.deepEqual(got.result, { value: { type: 'key', key: 'k' }, store: 'file' });
    } finally {
      await bus.stop();
    }
  });
}

test('a Secret Service that never answers: every call gives up within 3 s, never hangs', async () => {
  const bus = await startPrivateBus('unlocked');
  try {
    const h = home();
    const env = { ...bus.env, HOME: h };
    assert.equal(drive(env, h, 'https://frozen.example/api', 'set', 'user', JSON.stringify({ type: 'key', key: 'k1' })).result, 'keychain');
    bus.keyring!.kill('SIGSTOP');
    const got = drive(env, h, 'https://frozen.example/api', 'get', 'user');
    assert.ok(got.ms < 4500, `took ${got.ms} ms`);
    assert.match(got.error ?? '', /OS keychain, which cannot be used now/);
    const set = drive(env, h, 'https://frozen.example/api', 'set', 'other', JSON.stringify({ type: 'key', key: 'k2' }));
    assert.ok(set.ms < 4500, `took ${set.ms} ms`);
    assert.equal(set.result, 'file');
  } finally {
    await bus.stop();
  }
});

/** How many connections the bus has (each dbus-send counts itself too, the same each time). */
function connections(env: Record<string, string>): number {
  const names = spawnSync('dbus-send', ['--session', '--print-reply', '--dest=org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus.ListNames'], { env, encoding: 'utf8' });
  return names.stdout.split('string ":').length - 1;
}

test('a Secret Service that dies under a call (gnome-keyring 42 can): the call is asked again and the restarted one answers', async () => {
  const bus = await startPrivateBus('unlocked');
  try {
    const h = home();
    const env = { ...bus.env, HOME: h };
    const api = 'https://restarted.example/api';
    assert.equal(drive(env, h, api, 'set', 'user', JSON.stringify({ type: 'key', key: 'k1' })).result, 'keychain');
    bus.keyring!.kill('SIGSTOP');
    const before = connections(bus.env);
    const child = spawn(process.execPath, ['--import', 'tsx', DRIVER, h, api, 'get', 'user'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const run = finished(child, 'store-driver get', 20000);
    // Once the driver is on the bus its call waits on the stopped daemon, which then dies under it.
    for (let i = 0; connections(bus.env) <= before; i++) {
      assert.ok(i < 500, 'the driver never connected to the bus');
      await new Promise((r) => setTimeout(r, 20));
    }
    await new Promise((r) => setTimeout(r, 200));
    bus.keyring!.kill('SIGKILL');
    const result = await run;
    const got: DriverResult = JSON.parse(result.stdout.trim().split('\n').pop()!);
    assert.deepEqual(got.result, { value: { type: 'key', key: 'k1' }, store: 'keychain' }, result.stdout + result.stderr);
    assert.ok(got.ms < 4500, `took ${got.ms} ms`);
  } finally {
    await bus.stop();
  }
});
