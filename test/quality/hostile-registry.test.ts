// A hostile registry (issue 14), over real HTTPS: the local registry with hostile data published
// through its API, or with its answers replaced (POST /_test/faults, type `answer`).
//
// | Attack                                   | Through                                   | Expected                                                     |
// |------------------------------------------|-------------------------------------------|--------------------------------------------------------------|
// | verification URL: file:, a .desktop      | `user auth` with a display and a fake     | xdg-open never called with it; the address printed with why  |
// | file, smb:, javascript:, --help, another | xdg-open that records its argv            | it was not opened; the login still completes                 |
// | host                                     |                                           |                                                              |
// | ANSI/OSC/C1/DEL in descriptions,         | info, info VERSION, package search,       | every control character shown as \xNN, none reaches the      |
// | retirement messages, usernames, emails,  | package fetch, owner list, user whoami,   | terminal; hexts's own colours still there (FORCE_COLOR);     |
// | key names, API error messages            | user key list, API errors (message, tree) | --json exact                                                 |
// | answers of the wrong shape (list, null,  | every command that reads an API answer    | exit 1 (organization list: a warning) with "the registry     |
// | string, number, fields missing or wrong) | (15 readers × 6 shapes)                   | answered something hexts does not understand: METHOD PATH:   |
// |                                          |                                           | what", never a TypeError                                     |
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import * as releases from '../../src/api/releases.js';
import { HEX_CLI_OAUTH_CLIENT_ID } from '../../src/config/config.js';
import { runCli, scratchHome, type CliResult } from '../helpers/cli.js';
import { makeProject } from '../helpers/projects.js';
import { approvingAs, clientFor, cliEnv, testRegistry, type Registry } from '../helpers/registry.js';
import { makeTarball } from '../../registry/tarballs.js';
import { call } from '../registry/test-client.js';

let registry: Registry;
let aliceKey: string;
let orgKey: string;
const cleanups: Array<() => void> = [];

/** Colour, a cursor jump and a screen clear, a window title, an 8-bit CSI, DEL, CR, backspace and an OSC 8 hyperlink. */
const HOSTILE = 'safe\u001b[1;31mRED\u001b[2J\u001b[H\u001b]0;owned\u0007\u009b31m\u007f\rback\u0008\u001b]8;;https://evil.example/\u001b\\click\u001b]8;;\u001b\\end';
/** Some of what HOSTILE shows as, escaped. */
const SHOWN = ['safe\\x1b[1;31mRED\\x1b[2J', '\\x1b]0;owned\\x07\\x9b31m\\x7f\\x0dback\\x08'];
/** A control character that would reach the terminal (tab and newline are layout). */
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

before(async () => {
  registry = await testRegistry();
  // A dozen device flows, polling without a pause, run within the minute the per-IP limit counts.
  registry.configure({ ipRateLimit: 100_000 });
  registry.createUser({ username: 'alice', password: 'correct horse battery' });
  registry.createUser({ username: 'gus', password: 'correct horse battery' });
  registry.createOrganization({ name: 'acme', admin: 'alice' });
  aliceKey = registry.createKey({ user: 'alice' }, { name: 'alice-cli', permissions: [{ domain: 'api', resource: null }] });
  orgKey = registry.createKey({ organization: 'acme' }, { name: 'ci', permissions: [{ domain: 'repository', resource: 'acme' }] });
  await registry.publish(await makeTarball({ name: 'tiny', version: '1.0.0' }), { publisher: 'alice' });
  await registry.publish(await makeTarball({ name: 'secret', version: '1.0.0' }), { publisher: 'alice', repository: 'acme' });
  // Hostile data as a hostile publisher would put it there: a description and a retirement message.
  await registry.publish(await makeTarball({ name: 'shady', version: '1.0.0', description: HOSTILE }), { publisher: 'alice' });
  const client = clientFor(registry, { auth: { authorization: async () => ({ value: aliceKey, credential: 'alice' }) } });
  try {
    await releases.retire(client, 'shady', '1.0.0', 'security', HOSTILE);
  } finally {
    await client.close();
  }
});
after(async () => {
  await registry.stop();
  cleanups.forEach((c) => c());
});
afterEach(() => registry.clearFaults());

function home(): string {
  const h = scratchHome();
  cleanups.push(h.cleanup);
  return h.home;
}

const hexts = (argv: string[], options: { env?: Record<string, string | undefined>; stdin?: string; onStderr?: (text: string) => void } = {}): Promise<CliResult> => {
  const dir = home();
  return runCli(argv, { env: cliEnv(registry, dir, options.env), stdin: options.stdin, cwd: dir, onStderr: options.onStderr });
};

/** Replaces the registry's next answer to METHOD PATH with `body`. */
const answer = (method: string, path: string, body: unknown, status = 200) => registry.addFault({ type: 'answer', method, path, body, status });

describe('the browser gets only a web page', () => {
  let bin: string;
  let opened: string;

  before(() => {
    bin = mkdtempSync(join(tmpdir(), 'hexts-fake-xdg-'));
    cleanups.push(() => rmSync(bin, { recursive: true, force: true }));
    opened = join(bin, 'opened.txt');
    // One line per argument, then an end marker: the exact argv xdg-open was given.
    writeFileSync(join(bin, 'xdg-open'), `#!/bin/sh\nfor a in "$@"; do printf '%s\\n' "$a"; done >> '${opened}'\necho '--end--' >> '${opened}'\n`, { mode: 0o755 });
  });

  /** `user auth` with a display, the registry naming `url` as the verification address of a real device code. */
  async function authWith(url: string): Promise<CliResult> {
    const grant = await call(registry, 'POST', '/api/oauth/device_authorization', { body: { client_id: HEX_CLI_OAUTH_CLIENT_ID, scope: 'api repositories' } });
    assert.equal(grant.status, 200);
    answer('POST', '/api/oauth/device_authorization', { ...grant.data, verification_uri: url, verification_uri_complete: url, interval: 0 });
    const result = await hexts(['user', 'auth'], { env: { DISPLAY: ':99', PATH: `${bin}:${process.env.PATH}` }, onStderr: approvingAs(registry, 'gus') });
    assert.equal(result.code, 0, result.stderr);
    return result;
  }

  const hostile = [
    'file:///etc/passwd',
    'file:///tmp/launcher.desktop',
    'smb://evil.example/share',
    'javascript:alert(1)',
    '--help',
    '--version',
    'https://evil.example/oauth/device',
    'https://hex.pm.evil.example/oauth/device',
    'https://hex.pm@evil.example/oauth/device',
    'http://hex.pm/oauth/device',
  ];
  for (const url of hostile) {
    test(`${url}: not opened, printed with the reason`, async () => {
      const result = await authWith(url);
      assert.match(result.stderr, /^Not opening the browser: the address the registry gave, .+, (is not a URL|is a [a-z]+: address, not an https:\/\/ one|is at \S+, not at 127\.0\.0\.1:\d+ or hex\.pm)\. Open it yourself only if you trust it\.$/m);
      assert.ok(result.stderr.includes(url), 'the address is shown');
    });
  }

  // The timeout is a hang watchdog (for the wait on the detached xdg-open), not a speed target.
  test('the registry\'s own page and hex.pm\'s are opened, each as the one argument; nothing else ever was', { timeout: 120_000 }, async () => {
    const own = `${registry.url}/oauth/device?user_code=ABC`;
    await authWith(own);
    await authWith('https://hex.pm/oauth/device');
    // xdg-open runs detached: wait for its record of both runs.
    const runs = () => (existsSync(opened) ? readFileSync(opened, 'utf8').split('--end--\n').filter(Boolean) : []);
    while (runs().length < 2) await new Promise((r) => setTimeout(r, 20));
    // The hostile runs came first; had any reached xdg-open, its argv would be here too.
    assert.deepEqual(runs().sort(), [`${own}\n`, 'https://hex.pm/oauth/device\n'].sort());
  });
});

describe('a device login ends', () => {
  test('a registry that answers slow_down forever cannot keep `user auth` waiting past the code\'s expiry', async () => {
    const grant = await call(registry, 'POST', '/api/oauth/device_authorization', { body: { client_id: HEX_CLI_OAUTH_CLIENT_ID, scope: 'api repositories' } });
    answer('POST', '/api/oauth/device_authorization', { ...grant.data, expires_in: 2, interval: 1 });
    registry.addFault({ type: 'answer', method: 'POST', path: '/api/oauth/token', body: { error: 'slow_down', error_description: 'Slow down' }, status: 400, count: 50 });
    const result = await hexts(['user', 'auth', '--no-browser']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^error: Device code expired\. Please try again\.$/m);
  });
});

describe('what the registry sends is data, not terminal control', () => {
  const env = () => ({ HEX_API_KEY: aliceKey });

  /** No control character reaches the terminal, and the hostile text is shown, escaped. */
  function assertShownInert(text: string, what: string, shown = SHOWN): void {
    const raw = RAW_CONTROL.exec(text);
    assert.equal(raw, null, `${what}: U+${raw?.[0].charCodeAt(0).toString(16).padStart(4, '0')} reached the terminal in ${JSON.stringify(text)}`);
    for (const s of shown) assert.ok(text.includes(s), `${what}: ${JSON.stringify(s)} not shown in ${JSON.stringify(text)}`);
  }

  test('info: the description', async () => {
    const result = await hexts(['info', 'shady'], { env: env() });
    assert.equal(result.code, 0, result.stderr);
    assertShownInert(result.stdout, 'info stdout');
  });

  test('info VERSION: the retirement message; with FORCE_COLOR, hexts\'s own styles around it still work', async () => {
    const plain = await hexts(['info', 'shady', '1.0.0'], { env: env() });
    assert.equal(plain.code, 0, plain.stderr);
    assertShownInert(plain.stdout, 'info VERSION stdout');
    const colored = await hexts(['info', 'shady', '1.0.0'], { env: { ...env(), FORCE_COLOR: '1' } });
    assert.ok(colored.stdout.startsWith('\u001b[33m\u001b[1mThis version has been retired\u001b[22m: (security) safe\\x1b[1;31mRED'), JSON.stringify(colored.stdout));
    assertShownInert(colored.stdout.replace(/\u001b\[(1|22|33|39)m/g, ''), 'info VERSION, coloured');
  });

  test('info --json: the exact strings, every control character escaped by JSON', async () => {
    const result = await hexts(['info', 'shady', '--json'], { env: env() });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(JSON.parse(result.stdout).meta.description, HOSTILE);
    assert.equal(RAW_CONTROL.exec(result.stdout), null, 'a raw control character in the JSON');
  });

  test('package search: the description in the table', async () => {
    const result = await hexts(['package', 'search', 'shady'], { env: env() });
    assert.equal(result.code, 0, result.stderr);
    // The table shows 50 characters of the description, escaped after the cut.
    assertShownInert(result.stdout, 'search', [SHOWN[0]!]);
  });

  test('package fetch: the retirement warning', async () => {
    const out = home();
    const result = await hexts(['package', 'fetch', 'shady@1.0.0', '-o', out]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /^shady 1\.0\.0 is retired: \(security\) safe\\x1b/m);
    assertShownInert(result.stderr, 'fetch stderr');
  });

  test('owner list: usernames, emails and levels; the header keeps its underline', async () => {
    answer('GET', '/api/packages/tiny/owners', [{ username: HOSTILE, email: HOSTILE, level: 'full' }, { username: 'bob', level: HOSTILE }]);
    const result = await hexts(['owner', 'list', 'tiny'], { env: { ...env(), FORCE_COLOR: '1' } });
    assert.equal(result.code, 0, result.stderr);
    const [header, first, second] = result.stdout.split('\n') as [string, string, string];
    assert.ok(header.startsWith('\u001b[4mUsername\u001b[24m'), JSON.stringify(header));
    assertShownInert([first, second].join('\n'), 'owner list rows');
    // The columns are laid out on the escaped text: each starts where its header does.
    const plainHeader = header.replace(/\u001b\[(4|24)m/g, '');
    assert.ok(first.slice(plainHeader.indexOf('Email')).startsWith('safe\\x1b'), first);
    assert.ok(first.slice(plainHeader.indexOf('Level')).startsWith('full'), first);
    assert.ok(second.slice(plainHeader.indexOf('Level')).startsWith('safe\\x1b'), second);
  });

  test('user whoami: username, email and organizations', async () => {
    answer('GET', '/api/users/me', { username: HOSTILE, email: HOSTILE, organizations: [{ name: HOSTILE, role: HOSTILE }] });
    const result = await hexts(['user', 'whoami'], { env: env() });
    assert.equal(result.code, 0, result.stderr);
    assertShownInert(result.stdout, 'whoami');
  });

  test('user key list: key names, permissions and dates', async () => {
    answer('GET', '/api/keys', [{ name: HOSTILE, permissions: [{ domain: 'api', resource: HOSTILE }], inserted_at: HOSTILE, updated_at: 'x', revoke_at: null }]);
    const result = await hexts(['user', 'key', 'list'], { env: env() });
    assert.equal(result.code, 0, result.stderr);
    assertShownInert(result.stdout, 'key list');
  });

  test('API errors: the message and the errors tree', async () => {
    registry.addFault({ type: 'status', status: 500, path: '/api/users/me', message: HOSTILE, count: 3 });
    const failed = await hexts(['user', 'whoami'], { env: env() });
    assert.equal(failed.code, 1);
    assertShownInert(failed.stderr, 'error message');
    answer('POST', '/api/keys', { status: 422, message: HOSTILE, errors: { name: HOSTILE, permissions: { domain: HOSTILE } } }, 422);
    const refused = await hexts(['user', 'key', 'generate', '--key-name', 'x'], { env: env() });
    assert.equal(refused.code, 1);
    assertShownInert(refused.stderr, 'errors tree');
    assert.equal(refused.stderr.split(SHOWN[1]!).length, 4, 'message and both errors shown');
  });
});

describe('wrong answers are errors, not crashes', () => {
  interface Reader {
    argv: string[];
    method: 'GET' | 'POST';
    path: string;
    list?: boolean;
    /** A well-formed answer but for one nested field. */
    nested: unknown;
    stdin?: string;
    env?: Record<string, string>;
    /** The command goes on without what it read, saying why. */
    warns?: boolean;
  }
  const key = { name: 'k', permissions: [{ domain: 'api', resource: null }], inserted_at: '2026-01-01T00:00:00Z', updated_at: '2026-01-01T00:00:00Z' };
  const readers: Reader[] = [
    { argv: ['user', 'whoami'], method: 'GET', path: '/api/users/me', nested: { username: 'alice', organizations: [{ name: 'acme' }] } },
    { argv: ['user', 'auth', '--key', '-'], stdin: 'KEY', method: 'GET', path: '/api/users/me', nested: { email: 'alice@example.com' } },
    { argv: ['owner', 'packages'], method: 'GET', path: '/api/users/me', nested: { username: 'alice', packages: [{ name: 'tiny', repository: 'hexpm' }] } },
    { argv: ['organization', 'list'], method: 'GET', path: '/api/users/me', nested: { username: 'alice', organizations: 'acme' }, warns: true },
    { argv: ['owner', 'list', 'tiny'], method: 'GET', path: '/api/packages/tiny/owners', list: true, nested: [{ username: 'alice', email: 7 }] },
    { argv: ['info', 'tiny'], method: 'GET', path: '/api/packages/tiny', nested: { repository: 'hexpm', name: 'tiny', meta: null } },
    { argv: ['info', 'tiny', '1.0.0'], method: 'GET', path: '/api/packages/tiny/releases/1.0.0', nested: { version: '1.0.0', checksum: 'ab', requirements: { jason: null } } },
    { argv: ['package', 'search', 'tiny'], method: 'GET', path: '/api/packages', list: true, nested: [{ repository: 'hexpm', name: 'tiny', meta: {}, releases: [{}] }] },
    { argv: ['user', 'key', 'list'], method: 'GET', path: '/api/keys', list: true, nested: [{ ...key, permissions: 'api' }] },
    { argv: ['user', 'key', 'generate', '--key-name', 'k'], method: 'POST', path: '/api/keys', nested: key },
    { argv: ['organization', 'key', 'acme', 'list'], method: 'GET', path: '/api/orgs/acme/keys', list: true, nested: [{ ...key, last_use: { used_at: 5 } }] },
    { argv: ['organization', 'auth', 'acme', '--key', '-'], stdin: 'ORGKEY', env: {}, method: 'GET', path: '/api/auth', nested: { key: { name: 'ci', owner: { type: 'admin', name: 'acme' } } } },
    { argv: ['user', 'auth', '--no-browser'], env: {}, method: 'POST', path: '/api/oauth/device_authorization', nested: { device_code: 'd', user_code: 5, verification_uri: 'https://hex.pm/' } },
    { argv: ['user', 'auth', '--no-browser'], env: {}, method: 'POST', path: '/api/oauth/token', nested: { access_token: 'a', expires_in: '1800' } },
    {
      argv: ['package', 'fetch', 'secret', '--organization', 'acme', '--key', '-', '-o', tmpdir()], stdin: 'ORGKEY',
      env: { HEXTS_REPO_OAUTH_EXCHANGE: 'true' }, method: 'POST', path: '/api/oauth/token', nested: { access_token: 7, expires_in: 60 },
    },
  ];
  const shapes = (reader: Reader): Array<[string, unknown]> => [
    reader.list ? ['an object', {}] : ['a list', []],
    ['null', null],
    ['a string', 'hello'],
    ['a number', 42],
    reader.list ? ['a list of null', [null]] : ['an empty object', {}],
    ['a nested field wrong', reader.nested],
  ];

  for (const reader of readers) {
    test(`${reader.argv.slice(0, 3).join(' ')}, ${reader.method} ${reader.path}: every wrong shape is one clear error`, async () => {
      for (const [name, body] of shapes(reader)) {
        registry.clearFaults();
        answer(reader.method, reader.path, body);
        const stdin = reader.stdin?.replace('ORGKEY', orgKey).replace('KEY', aliceKey);
        const result = await hexts(reader.argv, { env: reader.env ?? { HEX_API_KEY: aliceKey }, stdin });
        const what = `${reader.argv.join(' ')} with ${name}:\n${result.stderr}`;
        const said = `the registry answered something hexts does not understand: ${reader.method} ${reader.path}: `;
        if (reader.warns) {
          assert.equal(result.code, 0, what);
          assert.ok(result.stderr.includes(`Could not read your organizations: ${said}`), what);
        } else {
          assert.equal(result.code, 1, what);
          assert.ok(result.stderr.split('\n').some((line) => line.startsWith('error: ') && line.includes(said)), what);
        }
        assert.doesNotMatch(result.stderr, /unexpected failure|Cannot read|undefined|is not a function/, what);
      }
    });
  }

  test('a publish answered with a wrong shape: the registry is asked whether it arrived', async () => {
    const project = makeProject({ app: 'odd_pub', version: '1.0.0' });
    cleanups.push(project.cleanup);
    // The answer replaces the registry's handling: nothing was published, and hexts finds that out.
    answer('POST', '/api/packages/odd_pub/releases', null, 201);
    const result = await runCli(['publish', 'package', '--yes'], { env: cliEnv(registry, project.dir, { HEX_API_KEY: aliceKey }), cwd: project.dir });
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /the registry answered something hexts does not understand: POST \/api\/packages\/odd_pub\/releases: the answer is null, not an object\. Asking the registry whether odd_pub 1\.0\.0 arrived/);
    assert.match(result.stderr, /^error: the upload was interrupted and odd_pub 1\.0\.0 is not on the registry: nothing was published$/m);
  });

  test('what was wrong is named by its place in the answer, never by its value (it may be a secret)', async () => {
    answer('POST', '/api/oauth/device_authorization', { device_code: 'd', user_code: 'BCDFGHJK', verification_uri: ['s3cr3t-value'] });
    const result = await hexts(['user', 'auth', '--no-browser'], { env: {} });
    assert.match(result.stderr, /^error: the registry answered something hexts does not understand: POST \/api\/oauth\/device_authorization: verification_uri is a list, not a string$/m);
    assert.ok(!result.stderr.includes('s3cr3t'));
    answer('GET', '/api/keys', [key, { ...key, permissions: [{ domain: 'api' }] }]);
    const keys = await hexts(['user', 'key', 'list'], { env: { HEX_API_KEY: aliceKey } });
    assert.match(keys.stderr, /^error: the registry answered something hexts does not understand: GET \/api\/keys: \[1\]\.permissions\[0\]\.resource is missing$/m);
  });
});
