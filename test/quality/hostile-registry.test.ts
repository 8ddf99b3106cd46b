// A hostile registry (issue 14), over real HTTPS: the local registry with its answers replaced
// (POST /_test/faults, type `answer`).
//
// | Attack                                   | Through                                   | Expected                                                     |
// |------------------------------------------|-------------------------------------------|--------------------------------------------------------------|
// | answers of the wrong shape (list, null,  | every command that reads an API answer    | exit 1 (organization list: a warning) with "the registry     |
// | string, number, fields missing or wrong) | (15 readers × 6 shapes)                   | answered something hexts does not understand: METHOD PATH:   |
// |                                          |                                           | what", never a TypeError                                     |
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { after, afterEach, before, describe, test } from 'node:test';
import { runCli, scratchHome, type CliResult } from '../helpers/cli.js';
import { makeProject } from '../helpers/projects.js';
import { cliEnv, testRegistry, type Registry } from '../helpers/registry.js';
import { makeTarball } from '../registry/tarballs.js';

let registry: Registry;
let aliceKey: string;
let orgKey: string;
const cleanups: Array<() => void> = [];

before(async () => {
  registry = await testRegistry();
  registry.createUser({ username: 'alice', password: 'correct horse battery' });
  registry.createOrganization({ name: 'acme', admin: 'alice' });
  aliceKey = registry.createKey({ user: 'alice' }, { name: 'alice-cli', permissions: [{ domain: 'api', resource: null }] });
  orgKey = registry.createKey({ organization: 'acme' }, { name: 'ci', permissions: [{ domain: 'repository', resource: 'acme' }] });
  await registry.publish(await makeTarball({ name: 'tiny', version: '1.0.0' }), { publisher: 'alice' });
  await registry.publish(await makeTarball({ name: 'secret', version: '1.0.0' }), { publisher: 'alice', repository: 'acme' });
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

const hexts = (argv: string[], options: { env?: Record<string, string | undefined>; stdin?: string } = {}): Promise<CliResult> => {
  const dir = home();
  return runCli(argv, { env: cliEnv(registry, dir, options.env), stdin: options.stdin, cwd: dir });
};

/** Replaces the registry's next answer to METHOD PATH with `body`. */
const answer = (method: string, path: string, body: unknown, status = 200) => registry.addFault({ type: 'answer', method, path, body, status });

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
