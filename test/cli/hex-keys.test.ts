// hex.pm's `hex_` keys (hexpm PR #1536) through the CLI, against the local registry switched
// to issue them: taken from every place a key is given, sent to the API as `Bearer hex_…`, a
// typo caught by the checksum before anything is sent, and neither key shape shown in a message.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli, scratchHome, type CliResult } from '../helpers/cli.js';
import { cliEnv, testRegistry, type Registry } from '../helpers/registry.js';
import { makeTarball } from '../../registry/tarballs.js';

let registry: Registry;
const cleanups: Array<() => void> = [];
const hash = (value: string) => `sha256:${createHash('sha256').update(value).digest('hex')}`;

before(async () => {
  registry = await testRegistry();
  registry.configure({ hexKeys: true });
  registry.createUser({ username: 'hexa' });
  registry.createOrganization({ name: 'hexco', admin: 'hexa' });
  await registry.publish(await makeTarball({ name: 'secretive', version: '1.0.0' }), { publisher: 'hexa', repository: 'hexco' });
});
after(async () => {
  await registry.stop();
  cleanups.forEach((c) => c());
});

function home(): string {
  const h = scratchHome();
  cleanups.push(h.cleanup);
  return h.home;
}

const userKey = () => registry.createKey({ user: 'hexa' }, { name: `u${Math.random()}`, permissions: [{ domain: 'api', resource: null }, { domain: 'repositories', resource: null }] });

/** `key` with one character in the middle changed: its first and last 20 characters stay. */
const mistyped = (key: string) => `${key.slice(0, 22)}${key[22] === '0' ? '1' : '0'}${key.slice(23)}`;

/** Neither the key nor any 8 of its characters after `hex_` in a row shows in the output. */
function assertNotShown(result: CliResult, key: string): void {
  const digits = key.replace(/^hex_/, '');
  for (let i = 0; i + 8 <= digits.length; i++) {
    const piece = digits.slice(i, i + 8);
    assert.ok(!result.stdout.includes(piece) && !result.stderr.includes(piece), `part of the key (${piece}) is in the output:\n${result.stderr}`);
  }
}

/** The Authorization of the requests since the last clear, as the registry logged them (hashed). */
const authorizations = () => [...new Set(registry.requests().map((r) => r.authorization).filter((a) => a !== null))];

describe('hex_ keys issued by the registry', () => {
  test('are taken from --key, --key -, --key-file and HEX_API_KEY, and sent as Bearer hex_…', async () => {
    const dir = home();
    const key = userKey();
    assert.match(key, /^hex_[0-9a-f]{40}$/);
    const keyFile = join(dir, 'key.txt');
    writeFileSync(keyFile, `${key}\n`);
    const ways: Array<[string, string[], Record<string, string>, string | undefined]> = [
      ['--key', ['--key', key], {}, undefined],
      ['--key -', ['--key', '-'], {}, `${key}\n`],
      ['--key-file', ['--key-file', keyFile], {}, undefined],
      ['HEX_API_KEY', [], { HEX_API_KEY: key }, undefined],
    ];
    for (const [way, flags, env, stdin] of ways) {
      registry.clearRequests();
      const result = await runCli(['user', 'whoami', ...flags], { env: cliEnv(registry, dir, env), stdin });
      assert.equal(result.code, 0, `${way}: ${result.stderr}`);
      assert.match(result.stdout, /^hexa\n/);
      assert.deepEqual(authorizations(), [hash(`Bearer ${key}`)], way);
      assertNotShown(result, key);
    }
  });

  test('stored by user auth --key and organization auth --key, then used for the API and the repository', async () => {
    const dir = home();
    const env = cliEnv(registry, dir);
    const key = userKey();
    registry.clearRequests();
    const login = await runCli(['user', 'auth', '--key', '-'], { env, stdin: key });
    assert.equal(login.code, 0, login.stderr);
    assert.deepEqual(authorizations(), [hash(`Bearer ${key}`)]);

    registry.clearRequests();
    const who = await runCli(['user', 'whoami'], { env });
    assert.equal(who.code, 0, who.stderr);
    assert.deepEqual(authorizations(), [hash(`Bearer ${key}`)]);

    const orgKey = registry.createKey({ organization: 'hexco' }, { name: 'ci', permissions: [{ domain: 'repository', resource: 'hexco' }] });
    registry.clearRequests();
    const stored = await runCli(['organization', 'auth', 'hexco', '--key', '-'], { env, stdin: orgKey });
    assert.equal(stored.code, 0, stored.stderr);
    assert.deepEqual(authorizations(), [hash(`Bearer ${orgKey}`)]);

    // Without the exchange (off for a registry other than hex.pm) the key itself reads the
    // repository, as mix sends it: the repository's edge reads a bearer as an OAuth token.
    registry.clearRequests();
    const fetched = await runCli(['package', 'fetch', 'secretive', '--organization', 'hexco', '--output', join(dir, 'out')], { env });
    assert.equal(fetched.code, 0, fetched.stderr);
    const repository = registry.requests().filter((r) => r.path.startsWith('/repo/repos/hexco/'));
    assert.ok(repository.length > 0);
    assert.deepEqual([...new Set(repository.map((r) => r.authorization))], [hash(orgKey)]);
    for (const result of [login, who, stored, fetched]) {
      assertNotShown(result, key);
      assertNotShown(result, orgKey);
    }
  });

  test('exchanged for a token, the key goes as client_secret, prefix and all', async () => {
    const dir = home();
    const env = cliEnv(registry, dir, { HEXTS_REPO_OAUTH_EXCHANGE: 'true' });
    const orgKey = registry.createKey({ organization: 'hexco' }, { name: 'ci-exchange', permissions: [{ domain: 'repository', resource: 'hexco' }] });
    const result = await runCli(['package', 'fetch', 'secretive', '--organization', 'hexco', '--output', join(dir, 'out'), '--key', orgKey], { env });
    assert.equal(result.code, 0, result.stderr);
    assert.ok(registry.requests().some((r) => r.path === '/api/oauth/token' && r.status === 200));
  });
});

describe('a mistyped hex_ key is a usage error, before any request, never echoed', () => {
  const problems: Array<[string, (key: string) => string, RegExp]> = [
    ['one character changed', mistyped, /looks mistyped: its checksum does not match/],
    ['cut short', (key) => key.slice(0, -1), /looks mistyped: it has 39 characters after hex_, not 40/],
    ['in upper case', (key) => `hex_${key.slice(4).toUpperCase()}`, /looks mistyped: it has characters other than 0-9 and a-f after hex_/],
  ];
  for (const [problem, damage, message] of problems) {
    test(problem, async () => {
      const dir = home();
      const key = userKey();
      const bad = damage(key);
      const keyFile = join(dir, 'key.txt');
      writeFileSync(keyFile, bad);
      const runs: Array<[string, string[], Record<string, string>, string | undefined, RegExp]> = [
        ['--key', ['user', 'whoami', '--key', bad], {}, undefined, /the key from --key /],
        ['--key -', ['user', 'whoami', '--key', '-'], {}, bad, /the key from stdin \(--key -\) /],
        ['--key-file', ['user', 'whoami', '--key-file', keyFile], {}, undefined, /the key from --key-file /],
        ['HEX_API_KEY', ['user', 'whoami'], { HEX_API_KEY: bad }, undefined, /the key from HEX_API_KEY /],
        ['user auth', ['user', 'auth', '--key', '-'], {}, bad, /the key from stdin \(--key -\) /],
        ['organization auth', ['organization', 'auth', 'hexco', '--key-file', keyFile], {}, undefined, /the key from --key-file /],
        ['repo add --auth-key', ['repo', 'add', 'mirror', registry.repoUrl, '--auth-key', bad], {}, undefined, /the key from --auth-key /],
        ['repo add --auth-key -', ['repo', 'add', 'mirror', registry.repoUrl, '--auth-key', '-'], {}, bad, /the key from stdin \(--auth-key -\) /],
      ];
      registry.clearRequests();
      for (const [way, argv, env, stdin, source] of runs) {
        const result = await runCli(argv, { env: cliEnv(registry, dir, env), stdin });
        assert.equal(result.code, 2, `${way}: ${result.stderr}`);
        assert.match(result.stderr, source, way);
        assert.match(result.stderr, message, way);
        assert.match(result.stderr, /Copy the whole key again/, way);
        assertNotShown(result, key);
      }
      assert.deepEqual(registry.requests(), []);
    });
  }

  test('an older key, and any key of another shape, is taken as it is', async () => {
    const dir = home();
    registry.configure({ hexKeys: false });
    let legacy: string;
    try {
      legacy = userKey();
    } finally {
      registry.configure({ hexKeys: true });
    }
    assert.match(legacy, /^[0-9a-f]{32}$/);
    registry.clearRequests();
    const result = await runCli(['user', 'whoami', '--key', '-'], { env: cliEnv(registry, dir), stdin: legacy });
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(authorizations(), [hash(legacy)]);
  });
});

describe('a key quoted back by the registry is not shown', () => {
  for (const format of ['hex', 'legacy'] as const) {
    test(`${format === 'hex' ? 'a hex_ key' : 'an older key'} in an error message, with and without --verbose`, async () => {
      const dir = home();
      registry.configure({ hexKeys: format === 'hex' });
      let key: string;
      try {
        key = userKey();
      } finally {
        registry.configure({ hexKeys: true });
      }
      for (const verbose of [[], ['--verbose']]) {
        await registry.addFault({ type: 'status', method: 'GET', path: '/api/users/me', status: 401, message: `invalid API key ${key} (or Bearer ${key})` });
        const result = await runCli([...verbose, 'user', 'whoami', '--key', '-'], { env: cliEnv(registry, dir), stdin: key });
        assert.equal(result.code, 1, result.stderr);
        const shown = format === 'hex' ? 'hex_[REDACTED]' : '[REDACTED]';
        assert.ok(result.stderr.includes(`invalid API key ${shown} (or Bearer ${shown})`), result.stderr);
        assertNotShown(result, key);
      }
    });
  }

  test('checksums, file names and other hex runs are left alone', async () => {
    const dir = home();
    const md5 = '5d41402abc4b2a76b9719d911017c592';
    const message = `checksum ${'a'.repeat(64)}, hex_metadata.config, priv/static/app-${md5}.js and cache/${md5}`;
    await registry.addFault({ type: 'status', method: 'GET', path: '/api/users/me', status: 403, message });
    const result = await runCli(['user', 'whoami', '--key', userKey()], { env: cliEnv(registry, dir) });
    assert.equal(result.code, 1);
    assert.ok(result.stderr.includes(message), result.stderr);
  });
});
