// Organization single sign-on (hexpm's, in beta) through the CLI against the local registry: a
// login that has not been through an organization's identity provider is told the next step by
// the API and by the repository, `user auth --sso ORG` goes through it and the login reaches the
// organization again, personal keys an organization blocks are told to use an organization key,
// and organization keys work as before.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeTarball } from '../../registry/tarballs.js';
import { runCli, scratchHome } from '../helpers/cli.js';
import { approvingAs, cliEnv, deviceLogin, signingInAs, testRegistry, type Registry } from '../helpers/registry.js';

let registry: Registry;
let billing: Buffer;
const cleanups: Array<() => void> = [];
const EXCHANGE = { HEXTS_REPO_OAUTH_EXCHANGE: 'true' };
const NEXT_STEP = /error: organization acme requires authenticating through its identity provider \(single sign-on\)\nRun `hexts user auth --sso acme`, then try again\.\n/;
const PERSONAL_KEY = /error: organization acme does not accept personal API keys\nOn a build server use an organization key \(`hexts organization auth acme --key KEY`\); as a member, log in with `hexts user auth`\.\n/;

function environment(extra: Record<string, string> = {}): { env: Record<string, string | undefined>; dir: string } {
  const { home, cleanup } = scratchHome();
  cleanups.push(cleanup);
  return { env: cliEnv(registry, home, extra), dir: home };
}

const info = (env: Record<string, string | undefined>) => runCli(['info', 'billing', '--organization', 'acme'], { env });
const fetchBilling = (env: Record<string, string | undefined>, dir: string) =>
  runCli(['package', 'fetch', 'billing', '--organization', 'acme', '-o', join(dir, `out-${Math.random().toString(36).slice(2)}`)], { env });

/** Runs `body` while acme requires single sign-on. */
async function withSso(personalKeys: 'allow' | 'block', body: () => Promise<void>): Promise<void> {
  registry.setSso('acme', { personalKeys });
  try {
    await body();
  } finally {
    registry.setSso('acme', null);
  }
}

before(async () => {
  registry = await testRegistry();
  registry.createUser({ username: 'pub' });
  registry.createOrganization({ name: 'acme', admin: 'pub' });
  registry.createOrganization({ name: 'bravo', admin: 'pub' });
  billing = await makeTarball({ name: 'billing', version: '0.3.0' });
  await registry.publish(billing, { publisher: 'pub', repository: 'acme' });
});
after(async () => {
  await registry.stop();
  cleanups.forEach((c) => c());
});

describe('a login that has not been through the organization single sign-on', () => {
  test('API and repository refusals say what to run, and whoami names the organization', async () => {
    const { env, dir } = environment();
    await deviceLogin(registry, env, 'pub'); // before acme required it: the stored token reaches acme
    await withSso('allow', async () => {
      const api = await info(env);
      assert.equal(api.code, 1);
      assert.match(api.stderr, NEXT_STEP);
      assert.doesNotMatch(api.stderr, /predate|membership|sign in at/);

      const repository = await fetchBilling(env, dir);
      assert.equal(repository.code, 1);
      assert.match(repository.stderr, NEXT_STEP);
      assert.doesNotMatch(repository.stderr, /predate|membership/);

      const whoami = await runCli(['user', 'whoami'], { env });
      assert.equal(whoami.code, 0, whoami.stderr);
      assert.match(whoami.stdout, /\n {2}Single sign-on needed: acme \(`hexts user auth --sso acme`\)\n/);
      const json = await runCli(['--json', 'user', 'whoami'], { env });
      assert.deepEqual(JSON.parse(json.stdout).credential.sso_reauth_required, ['acme']);
    });
  });

  test('user auth names it right after the login', async () => {
    const { env } = environment();
    await withSso('allow', async () => {
      const login = await runCli(['user', 'auth', '--no-browser'], {
        env,
        onStderr: approvingAs(registry, 'pub'),
      });
      assert.equal(login.code, 0, login.stderr);
      assert.match(login.stderr, /\nOrganization acme requires single sign-on: run `hexts user auth --sso acme` to reach it\.\n/);
    });
  });
});

describe('hexts user auth --sso', () => {
  test('goes through the identity provider, after which the login reaches the organization', async () => {
    const { env, dir } = environment();
    await withSso('block', async () => {
      await deviceLogin(registry, env, 'pub');
      assert.equal((await info(env)).code, 1);

      const sso = await runCli(['user', 'auth', '--sso', 'acme', '--no-browser'], { env, onStderr: signingInAs(registry, 'pub') });
      assert.equal(sso.code, 0, sso.stderr);
      assert.match(sso.stderr, new RegExp(`^To authenticate to acme through its identity provider, visit: ${registry.url}/sso/authorize\\?code=\\S+\\nWaiting for authentication\\.\\.\\.\\n`));
      assert.match(sso.stderr, /\nAuthenticated to acme through single sign-on; your login reaches it again\.\n$/);

      const api = await info(env);
      assert.equal(api.code, 0, api.stderr);
      assert.match(api.stdout, /billing/);
      const out = join(dir, 'fetched');
      const fetched = await runCli(['package', 'fetch', 'billing', '--organization', 'acme', '-o', out], { env });
      assert.equal(fetched.code, 0, fetched.stderr);
      assert.deepEqual(readFileSync(join(out, 'billing-0.3.0.tar')), billing);
      const whoami = await runCli(['--json', 'user', 'whoami'], { env });
      assert.deepEqual(JSON.parse(whoami.stdout).credential.sso_reauth_required, []);
    });
  });

  test('in the plain-text file, the warning is given once however often the login is refreshed while waiting', async () => {
    const { env } = environment();
    await withSso('allow', async () => {
      await deviceLogin(registry, env, 'pub');
      // Signed in only once the first refresh has come back without acme: the wait refreshes again.
      const signIn = signingInAs(registry, 'pub');
      let seen = '';
      const sso = await runCli(['user', 'auth', '--sso', 'acme', '--no-browser', '--insecure-storage'], {
        env,
        onStderr: (text) => {
          seen += text;
          if (/Waiting for authentication\.\.\.\n[^]*Credentials saved in plain text/.test(seen)) signIn(seen);
        },
      });
      assert.equal(sso.code, 0, sso.stderr);
      assert.equal(sso.stderr.split('Credentials saved in plain text').length - 1, 1, sso.stderr);
    });
  });

  test('refused: without an OAuth login, for an organization without single sign-on, beside --key', async () => {
    await withSso('allow', async () => {
      const none = environment();
      const noLogin = await runCli(['user', 'auth', '--sso', 'acme', '--no-browser'], { env: none.env });
      assert.equal(noLogin.code, 1);
      assert.match(noLogin.stderr, /error: no OAuth login here to take through single sign-on\nLog in through the browser with `hexts user auth`, then run `hexts user auth --sso acme`\.\n/);

      const key = registry.createKey({ user: 'pub' }, { name: 'laptop', permissions: [{ domain: 'api', resource: null }] });
      const keyed = environment();
      assert.equal((await runCli(['user', 'auth', '--key', key], { env: keyed.env })).code, 0);
      const keyLogin = await runCli(['user', 'auth', '--sso', 'acme'], { env: keyed.env });
      assert.equal(keyLogin.code, 1);
      assert.match(keyLogin.stderr, /error: your login is an API key; single sign-on is for an OAuth login\n/);

      const both = await runCli(['user', 'auth', '--sso', 'acme', '--key', key], { env: keyed.env });
      assert.equal(both.code, 2);
      assert.match(both.stderr, /use either --key or --sso, not both/);

      const { env } = environment();
      await deviceLogin(registry, env, 'pub');
      const bravo = await runCli(['user', 'auth', '--sso', 'bravo', '--no-browser'], { env });
      assert.equal(bravo.code, 1);
      assert.match(bravo.stderr, /error: SSO authentication is not required for the requested organizations\n/);
    });
  });
});

describe('keys on an organization with single sign-on', () => {
  test('a personal key the organization turns away is told to use an organization key (API, repository, exchanged)', async () => {
    const key = registry.createKey({ user: 'pub' }, { name: 'all', permissions: [{ domain: 'api', resource: null }, { domain: 'repositories', resource: null }] });
    const { env, dir } = environment();
    assert.equal((await runCli(['user', 'auth', '--key', key], { env })).code, 0);
    await withSso('block', async () => {
      for (const result of [await info(env), await fetchBilling(env, dir), await fetchBilling({ ...env, ...EXCHANGE }, dir)]) {
        assert.equal(result.code, 1);
        assert.match(result.stderr, PERSONAL_KEY);
      }
    });
    await withSso('allow', async () => {
      assert.equal((await fetchBilling({ ...env, ...EXCHANGE }, dir)).code, 0);
    });
  });

  test('an organization key works as before, beside a login the organization refuses', async () => {
    const orgKey = registry.createKey({ organization: 'acme' }, { name: 'ci', permissions: [{ domain: 'api', resource: 'read' }, { domain: 'repository', resource: 'acme' }] });
    const ci = environment();
    assert.equal((await runCli(['organization', 'auth', 'acme', '--key', orgKey], { env: ci.env })).code, 0);
    const member = environment();
    await deviceLogin(registry, member.env, 'pub');
    assert.equal((await runCli(['organization', 'auth', 'acme', '--key', orgKey], { env: member.env })).code, 0);
    await withSso('block', async () => {
      for (const { env, dir } of [ci, member]) {
        for (const run of [() => fetchBilling(env, dir), () => fetchBilling({ ...env, ...EXCHANGE }, dir)]) {
          const result = await run();
          assert.equal(result.code, 0, result.stderr);
        }
      }
      assert.equal((await info(ci.env)).code, 0);
      // The API is read with the login, which has not been through acme's single sign-on.
      const api = await info(member.env);
      assert.equal(api.code, 1);
      assert.match(api.stderr, NEXT_STEP);
    });
  });
});
