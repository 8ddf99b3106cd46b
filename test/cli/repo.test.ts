// `hexts repo …` (mix hex.repo): repositories as data, their auth keys in the keychain, and
// hex.config written byte for byte as mix writes it (fixtures made with real mix 2.5.1).
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { runCli, scratchHome, type CliResult } from '../helpers/cli.js';
import { storedSecret } from '../helpers/keychain.js';

const FIXTURES = new URL('../fixtures/hex-repo/', import.meta.url).pathname;
const KEYS = new URL('../fixtures/keys/', import.meta.url).pathname;
const cleanups: Array<() => void> = [];
after(() => cleanups.forEach((c) => c()));

function machine() {
  const h = scratchHome();
  cleanups.push(h.cleanup);
  const hexHome = join(h.home, 'hex');
  mkdirSync(hexHome);
  const env = { PATH: process.env.PATH, HOME: h.home, HEX_HOME: hexHome, DBUS_SESSION_BUS_ADDRESS: process.env.DBUS_SESSION_BUS_ADDRESS };
  return { ...h, hexHome, env, run: (argv: string[], stdin?: string) => runCli(argv, { env, stdin }) };
}

/** A fixture's mix command as the hexts command that must write the same hex.config. */
function hextsArgs(cmdFile: string): string[] {
  const words = readFileSync(join(FIXTURES, cmdFile), 'utf8').trim().split(/\s+/);
  assert.deepEqual(words.slice(0, 2), ['mix', 'hex.repo']);
  return ['repo', ...words.slice(2).map((w) => w.replace('/work/notes/issue16/fixtures/keys/', KEYS)), '--mix'];
}

const expected = (name: string) => readFileSync(join(FIXTURES, `${name}.hex.config`), 'utf8');
const ok = (r: CliResult) => assert.equal(r.code, 0, r.stderr);

describe('hex.config as mix hex.repo writes it', () => {
  for (const steps of [['add-plain-1'], ['add-auth-key-1'], ['add-public-key-spki-1'], ['add-oauth-exchange-1'], ['add-oauth-exchange-url-1'],
    ['set-all-1', 'set-all-2', 'set-all-3', 'set-all-4', 'set-all-5', 'set-all-6', 'set-all-7'], ['add-plain-1', 'add-twice-2'], ['add-plain-1', 'remove-2']]) {
    test(steps.join(' → '), async () => {
      const m = machine();
      for (const step of steps) {
        ok(await m.run(hextsArgs(`${step}.cmd`)));
        assert.equal(readFileSync(join(m.hexHome, 'hex.config'), 'utf8'), expected(step), step);
      }
    });
  }

  test('other entries and unknown keys stay; $repos moves last', async () => {
    const m = machine();
    writeFileSync(join(m.hexHome, 'hex.config'), expected('add-keeps-other-config-0'));
    ok(await m.run(hextsArgs('add-keeps-other-config-1.cmd')));
    assert.equal(readFileSync(join(m.hexHome, 'hex.config'), 'utf8'), expected('add-keeps-other-config-1'));
  });
});

describe('repositories and their secrets', () => {
  test('add, show, list, set, remove round trip; the auth key goes to the keychain and is never shown', async () => {
    const m = machine();
    ok(await m.run(['repo', 'add', 'acme', 'https://repo.example.com/acme/', '--public-key', join(KEYS, 'public.pem'), '--auth-key', '-'], 'k-SECRET-1\n'));
    const list = await m.run(['repo', 'list']);
    ok(list);
    assert.match(list.stdout, /^acme +https:\/\/repo\.example\.com\/acme +SHA256:n3ivTcxBVyzHpMb\+J\/\/LsSLaPRYaZftiqHkrQMx9\/vw {2}OS keychain$/m);
    assert.match(list.stdout, /^hexpm {2}https:\/\/repo\.hex\.pm +SHA256:O1LOYhHFW4kcrblKAxROaDEzLD8bn1seWbe5tq8TRsk$/m);
    const shown = await Promise.all([['repo', 'show', 'acme'], ['repo', 'show', 'acme', '--auth-key'], ['repo', 'show', 'acme', '--json'], ['repo', 'list', '--json'], ['repo', 'show', 'acme', '--url']].map((a) => m.run(a)));
    for (const r of shown) {
      ok(r);
      assert.ok(!(r.stdout + r.stderr).includes('k-SECRET-1'), r.stdout);
    }
    assert.equal(shown[1]!.stdout, 'stored in the OS keychain (never shown)\n');
    assert.equal(shown[4]!.stdout, 'https://repo.example.com/acme\n');
    assert.equal(JSON.parse(shown[2]!.stdout).fingerprint, 'SHA256:n3ivTcxBVyzHpMb+J//LsSLaPRYaZftiqHkrQMx9/vw');
    assert.ok(!readFileSync(join(m.hextsHome, 'repos.json'), 'utf8').includes('k-SECRET-1'));
    assert.match(storedSecret(m.hextsHome, 'repo:acme', 'auth_key') ?? '', /k-SECRET-1/, 'the key is in this profile\'s keychain entry');

    ok(await m.run(['repo', 'set', 'acme', '--url', 'https://mirror.example.com/acme', '--publish', 'legacy', '--api-url', 'https://mirror.example.com/api']));
    const json = JSON.parse((await m.run(['repo', 'show', 'acme', '--json'])).stdout);
    assert.equal(json.url, 'https://mirror.example.com/acme');
    assert.equal(json.publish, 'legacy');
    assert.equal(json.auth_key, 'keychain', 'set keeps the key');

    ok(await m.run(['repo', 'remove', 'acme']));
    assert.equal(storedSecret(m.hextsHome, 'repo:acme', 'auth_key'), undefined, 'remove deletes its key');
    assert.doesNotMatch((await m.run(['repo', 'list'])).stdout, /acme/);
    const again = await m.run(['repo', 'remove', 'acme']);
    ok(again);
    assert.match(again.stderr, /nothing to remove/);
  });

  test('user:password in a URL becomes the auth key: never printed, never written outside the keychain', async () => {
    const m = machine();
    const runs = [
      await m.run(['repo', 'add', 'vend', 'https://bob:pa%40SECRETPW@vendor.example.com/hex', '--verbose']),
      await m.run(['repo', 'list']),
      await m.run(['repo', 'show', 'vend']),
      await m.run(['repo', 'show', 'vend', '--url']),
      await m.run(['repo', 'show', 'vend', '--json']),
      await m.run(['repo', 'set', 'vend', '--url', 'https://bob:OTHERPW@vendor.example.com/hex2', '--verbose']),
    ];
    for (const r of runs) {
      ok(r);
      assert.ok(!/SECRETPW|OTHERPW/.test(r.stdout + r.stderr), r.stdout + r.stderr);
    }
    for (const file of readdirSync(m.hextsHome, { recursive: true, withFileTypes: true }).filter((e) => e.isFile())) {
      assert.ok(!/SECRETPW|OTHERPW/.test(readFileSync(join(file.parentPath, file.name), 'utf8')), file.name);
    }
    assert.equal(runs[3]!.stdout, 'https://vendor.example.com/hex\n');
    assert.equal(JSON.parse(runs[4]!.stdout).auth_key, 'keychain');
    const both = await m.run(['repo', 'add', 'v2', 'https://bob:pw@vendor.example.com/hex', '--auth-key', 'k']);
    assert.equal(both.code, 2);
  });

  test('a fingerprint that does not match the key is refused, and nothing is written', async () => {
    const m = machine();
    const r = await m.run(['repo', 'add', 'acme', 'https://repo.example.com', '--public-key', join(KEYS, 'other-public.pem'), '--fetch-public-key', 'SHA256:n3ivTcxBVyzHpMb+J//LsSLaPRYaZftiqHkrQMx9/vw', '--mix']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /public key fingerprint mismatch: expected SHA256:n3ivTcxBVyzHpMb\+J\/\/LsSLaPRYaZftiqHkrQMx9\/vw, .*other-public\.pem has SHA256:nd0w\/LFZC3GiZ8lvhlK1pGtzz8678hWh4JWiviD5lEM/);
    assert.ok(!existsSync(join(m.hextsHome, 'repos.json')));
    assert.ok(!existsSync(join(m.hexHome, 'hex.config')));
    for (const bad of ['SHA256:n3ivTcxBVyzHpMb+J//LsSLaPRYaZftiqHkrQMx9/vw=', 'n3ivTcxBVyzHpMb+J//LsSLaPRYaZftiqHkrQMx9/vw', 'sha256:n3ivTcxBVyzHpMb+J//LsSLaPRYaZftiqHkrQMx9/vw']) {
      assert.equal((await m.run(['repo', 'add', 'acme', 'https://repo.example.com', '--fetch-public-key', bad])).code, 2, bad);
    }
  });

  test('hexpm and hexpm:ORG are not added here; plain http only to this machine', async () => {
    const m = machine();
    const hexpm = await m.run(['repo', 'add', 'hexpm', 'https://mirror.example.com']);
    assert.equal(hexpm.code, 2);
    assert.match(hexpm.stderr, /hexts config repo_url/);
    const org = await m.run(['repo', 'add', 'hexpm:acme', 'https://mirror.example.com']);
    assert.equal(org.code, 2);
    assert.match(org.stderr, /hexts organization auth acme --key KEY/);
    assert.equal((await m.run(['repo', 'add', 'plain', 'http://repo.example.com'])).code, 2);
    assert.equal((await m.run(['repo', 'show', 'nope'])).code, 1);
    assert.equal((await m.run(['repo', 'set', 'nope', '--auth-key', 'k'])).code, 1);
  });
});
