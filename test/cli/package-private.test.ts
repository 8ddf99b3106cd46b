// Private packages end to end against the local registry: which credential reaches the
// organization's repository and in what form (the key itself, or a short-lived token it was
// exchanged for), the token's lifetime, revoked keys, other hosts, and mix's hex.config.
import { fixedAuthorization } from '../../src/api/client.js';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ErlMap, Tuple, atom, binary, isAtom, type Term } from '../../src/erlang/term.js';
import { parseTerms } from '../../src/erlang/text.js';
import { runCli, scratchHome } from '../helpers/cli.js';
import { clientFor, cliEnv, deviceLogin, testRegistry, type Registry } from '../helpers/registry.js';
import { startRepoProxy, type RepoProxy } from '../helpers/repo-proxy.js';
import { makeTarball } from '../../registry/tarballs.js';

let registry: Registry;
let proxy: RepoProxy;
let adminKey: string;
let billing: Buffer;
const cleanups: Array<() => void> = [];
const hash = (value: string) => `sha256:${createHash('sha256').update(value).digest('hex')}`;
const EXCHANGE = { HEXTS_REPO_OAUTH_EXCHANGE: 'true' };

function home(): string {
  const h = scratchHome();
  cleanups.push(h.cleanup);
  return h.home;
}

const orgKey = (name: string) => registry.createKey({ organization: 'acme' }, { name, permissions: [{ domain: 'repository', resource: 'acme' }] });

async function storeKey(dir: string, key: string, extra: string[] = []): Promise<Record<string, string | undefined>> {
  const env = cliEnv(registry, dir);
  const result = await runCli(['organization', 'auth', 'acme', '--key', key, ...extra], { env });
  assert.equal(result.code, 0, result.stderr);
  return env;
}

const fetchBilling = (env: Record<string, string | undefined>, dir: string, extra: string[] = []) =>
  runCli(['--verbose', 'package', 'fetch', 'billing', '--organization', 'acme', '-o', join(dir, 'out'), ...extra], { env });

/** What reached the registry since the last clearRequests: repository reads and token exchanges. */
const traffic = () =>
  registry.requests()
    .filter((r) => r.path.startsWith('/repo/') || r.path === '/api/oauth/token')
    .map((r) => ({ path: r.path, status: r.status, authorization: r.authorization }));

async function revoke(name: string): Promise<void> {
  await clientFor(registry, { auth: fixedAuthorization(adminKey, 'a test key') }).request({ method: 'DELETE', path: `/orgs/acme/keys/${name}` });
}

before(async () => {
  registry = await testRegistry();
  registry.createUser({ username: 'pub', password: 'correct horse battery' });
  registry.createUser({ username: 'outsider', password: 'correct horse battery' });
  registry.createOrganization({ name: 'acme', admin: 'pub' });
  billing = await makeTarball({ name: 'billing', version: '0.3.0' });
  await registry.publish(billing, { publisher: 'pub', repository: 'acme' });
  adminKey = registry.createKey({ user: 'pub' }, { name: 'admin', permissions: [{ domain: 'api', resource: null }] });
  proxy = await startRepoProxy(registry);
});
after(async () => {
  await proxy.stop();
  await registry.stop();
  cleanups.forEach((c) => c());
});

describe('the credential a private repository gets', () => {
  test('the stored organization key, sent as it is where the registry does not exchange keys', async () => {
    const dir = home();
    const key = orgKey('plain');
    const env = await storeKey(dir, key);
    registry.clearRequests();
    const result = await fetchBilling(env, dir);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /credential: the key for acme stored in the OS keychain \(repository:acme\)\n/);
    assert.deepEqual(readFileSync(join(dir, 'out', 'billing-0.3.0.tar')), billing);
    assert.deepEqual(traffic().map((r) => [r.path, r.authorization]), [
      ['/repo/repos/acme/packages/billing', hash(key)],
      ['/repo/repos/acme/tarballs/billing-0.3.0.tar', hash(key)],
    ]);
  });

  test('exchanged for a short-lived token (as on hex.pm), kept with the stored key, re-exchanged when the repository refuses it', async () => {
    const dir = home();
    const key = orgKey('exchanging');
    const env = { ...(await storeKey(dir, key)), ...EXCHANGE };

    registry.clearRequests();
    const first = await fetchBilling(env, dir);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stderr, /credential: the key for acme stored in the OS keychain \(repository:acme\) \(exchanged for a short-lived token\)/);
    const run1 = traffic();
    assert.deepEqual(run1.map((r) => [r.path, r.status]), [
      ['/api/oauth/token', 200],
      ['/repo/repos/acme/packages/billing', 200],
      ['/repo/repos/acme/tarballs/billing-0.3.0.tar', 200],
    ]);
    const token = run1[1]!.authorization;
    assert.ok(token && token !== hash(key), 'the repository gets the token, not the key');
    assert.equal(run1[2]!.authorization, token);

    // The next run uses the kept token: no exchange.
    registry.clearRequests();
    assert.equal((await fetchBilling(env, join(dir, 'unpacked'), ['--unpack'])).code, 0);
    assert.deepEqual(traffic().map((r) => [r.path, r.authorization]), [
      ['/repo/repos/acme/packages/billing', token],
      ['/repo/repos/acme/tarballs/billing-0.3.0.tar', token],
    ]);

    // Half an hour later (the registry's clock) the token has expired: 401, one new exchange, retried.
    registry.advanceClock(31 * 60);
    registry.clearRequests();
    const later = await fetchBilling(env, join(dir, 'later'));
    assert.equal(later.code, 0, later.stderr);
    const run3 = traffic();
    assert.deepEqual(run3.map((r) => [r.path, r.status]), [
      ['/repo/repos/acme/packages/billing', 401],
      ['/api/oauth/token', 200],
      ['/repo/repos/acme/packages/billing', 304],
      ['/repo/repos/acme/tarballs/billing-0.3.0.tar', 200],
    ]);
    assert.equal(run3[0]!.authorization, token);
    assert.notEqual(run3[2]!.authorization, token);
    assert.ok(!registry.requests().some((r) => r.path.startsWith('/repo/') && r.authorization === hash(key)));
    for (const run of [first, later]) assert.ok(!run.stdout.includes(key) && !run.stderr.includes(key), 'the key in the output');
  });

  test('a kept token about to expire is exchanged again before it is used', async () => {
    const dir = home();
    const env = { ...(await storeKey(dir, orgKey('short'), ['--insecure-storage'])), ...EXCHANGE };
    assert.equal((await fetchBilling(env, dir)).code, 0);
    const file = join(dir, '.config', 'hexts', 'credentials.json');
    const stored = JSON.parse(readFileSync(file, 'utf8'));
    const slot = Object.values(stored.registries as Record<string, Record<string, { oauth_token: { expires_at: number } }>>)[0]!['repository:hexpm:acme']!;
    slot.oauth_token.expires_at = Math.floor(Date.now() / 1000) + 60;
    writeFileSync(file, JSON.stringify(stored));

    registry.clearRequests();
    const result = await fetchBilling(env, join(dir, 'again'));
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(traffic().map((r) => r.status), [200, 304, 200]);
    assert.equal(traffic()[0]!.path, '/api/oauth/token');
    const renewed = JSON.parse(readFileSync(file, 'utf8'));
    const after = Object.values(renewed.registries as Record<string, Record<string, { oauth_token: { expires_at: number } }>>)[0]!['repository:hexpm:acme']!;
    assert.ok(after.oauth_token.expires_at > Date.now() / 1000 + 600);
    assert.equal(statSync(file).mode & 0o777, 0o600);
  });

  test('a revoked key: refused, with what to do, whether sent as it is or exchanged', async () => {
    const dir = home();
    const env = await storeKey(dir, orgKey('doomed'));
    assert.equal((await fetchBilling({ ...env, ...EXCHANGE }, dir)).code, 0); // a token is kept
    await revoke('doomed');

    const raw = await fetchBilling(env, join(dir, 'raw'));
    assert.equal(raw.code, 1);
    assert.match(raw.stderr, /error: organization acme's repository refused the key for acme stored in the OS keychain \(repository:acme\) \(401\)\nThe key may have been revoked or may have expired\. Give this machine a current key: `hexts organization auth acme --key KEY`\./);

    registry.advanceClock(31 * 60); // the kept token expires too
    const exchanged = await fetchBilling({ ...env, ...EXCHANGE }, join(dir, 'exchanged'));
    assert.equal(exchanged.code, 1);
    assert.match(exchanged.stderr, /error: failed to exchange the key for acme stored in the OS keychain \(repository:acme\) for a repository token: Invalid API key\nThe key may have been revoked/);
    assert.ok(!existsSync(join(dir, 'raw')) && !existsSync(join(dir, 'exchanged', 'out', 'billing-0.3.0.tar')));
  });

  test('HEX_API_KEY is exchanged too, but its token is not kept anywhere', async () => {
    const dir = home();
    const env = { ...cliEnv(registry, dir), ...EXCHANGE, HEX_API_KEY: orgKey('env') };
    registry.clearRequests();
    assert.equal((await fetchBilling(env, dir)).code, 0);
    assert.equal((await fetchBilling(env, join(dir, 'b'))).code, 0);
    assert.equal(traffic().filter((r) => r.path === '/api/oauth/token').length, 2);
    assert.deepEqual(readdirSync(join(dir, '.config', 'hexts')), ['cache']);
  });

  test('a member\'s stored API key: exchanged, and the token kept with the login', async () => {
    const dir = home();
    const env = { ...cliEnv(registry, dir), ...EXCHANGE };
    const key = registry.createKey({ user: 'pub' }, { name: 'laptop', permissions: [{ domain: 'api', resource: null }, { domain: 'repositories', resource: null }] });
    const login = await runCli(['user', 'auth', '--key', key, '--insecure-storage'], { env });
    assert.equal(login.code, 0, login.stderr);
    registry.clearRequests();
    const result = await fetchBilling(env, dir);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /credential: your login as \w+ \(API key in the plain-text credentials file\) \(exchanged for a short-lived token\)/);
    assert.deepEqual(traffic().map((r) => r.path), ['/api/oauth/token', '/repo/repos/acme/packages/billing', '/repo/repos/acme/tarballs/billing-0.3.0.tar']);
    const stored = JSON.parse(readFileSync(join(dir, '.config', 'hexts', 'credentials.json'), 'utf8'));
    const user = Object.values(stored.registries as Record<string, Record<string, { key: string; repository_tokens: Record<string, { expires_at: number }> }>>)[0]!.user!;
    assert.equal(user.key, key);
    assert.deepEqual(Object.keys(user.repository_tokens), ['repository:acme']);
    registry.clearRequests();
    assert.equal((await fetchBilling(env, join(dir, 'again'))).code, 0);
    assert.equal(traffic().filter((r) => r.path === '/api/oauth/token').length, 0);
  });

  test('a member logged in with the device flow reads with the OAuth token', async () => {
    const dir = home();
    const env = cliEnv(registry, dir);
    await deviceLogin(registry, env, 'pub');
    registry.clearRequests();
    const result = await fetchBilling(env, dir);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /credential: your login as \w+ \(OAuth token in the OS keychain\)/);
    assert.ok(traffic().every((r) => r.path.startsWith('/repo/') && r.authorization !== null));
  });

  test('no credential, or one without access: says which and what to do', async () => {
    const none = await fetchBilling(cliEnv(registry, home()), home());
    assert.equal(none.code, 1);
    assert.match(none.stderr, /error: organization acme's repository needs credentials, and none were found\nOn a build server: `hexts organization auth acme --key KEY`; as a member: `hexts user auth`\./);
    const outsider = registry.createKey({ user: 'outsider' }, { name: 'mine', permissions: [{ domain: 'api', resource: null }] });
    const denied = await fetchBilling({ ...cliEnv(registry, home()), HEX_API_KEY: outsider }, home());
    assert.equal(denied.code, 1);
    assert.match(denied.stderr, /error: the API key from HEX_API_KEY does not give access to organization acme's repository \(403\)\nIt needs the repository:acme \(or repositories\) permission/);
  });

  test('credentials never go to a repository on another host, unless repo_trusted says so', async () => {
    const dir = home();
    const env = { ...(await storeKey(dir, orgKey('elsewhere'))), HEX_REPO_URL: `${proxy.url}/repo` };
    proxy.reset();
    const refused = await fetchBilling(env, dir);
    assert.equal(refused.code, 1);
    assert.ok(refused.stderr.includes(`error: organization acme's repository needs credentials, and hexts does not send this registry's credentials to ${new URL(proxy.url).host}`), refused.stderr);
    assert.match(refused.stderr, /`hexts config repo_trusted true` \(or HEXTS_REPO_TRUSTED=true\)/);
    assert.ok(proxy.requests.length > 0 && proxy.requests.every((r) => !r.authorization));

    for (const extra of [{}, EXCHANGE]) {
      proxy.reset();
      const trusted = await fetchBilling({ ...env, HEXTS_REPO_TRUSTED: 'true', ...extra }, join(dir, JSON.stringify(extra).length.toString()));
      assert.equal(trusted.code, 0, trusted.stderr);
      assert.ok(proxy.requests.length === 2 && proxy.requests.every((r) => r.authorization));
    }
  });
});

describe('organization auth --mix writes mix\'s hex.config', () => {
  const fixture = (name: string) => readFileSync(new URL(`../fixtures/erlang/hex-config/${name}`, import.meta.url));
  const get = (map: Term | undefined, key: Term) => (map instanceof ErlMap ? map.get(key) : undefined);
  const text = (term: Term | undefined) => (term instanceof Uint8Array ? Buffer.from(term).toString('utf8') : undefined);
  const entries = (terms: Term[]) => terms.map((t) => ((t as Tuple).elements[0] as { name: string }).name);
  const value = (terms: Term[], name: string) => (terms.find((t) => t instanceof Tuple && isAtom(t.elements[0]) && t.elements[0].name === name) as Tuple | undefined)?.elements[1];
  /** A map's entries sorted by key (mix prints them sorted), atoms as names and binaries as text. */
  const pairs = (map: Term | undefined) => (map as ErlMap).entries.map((pair) => pair.map((t) => (isAtom(t) ? t.name : text(t) ?? t))).sort((a, b) => String(a[0]).localeCompare(String(b[0])));
  /** What mix 2.5.1 wrote after `mix hex.repo set hexpm --url <this registry> --public-key …` and two organization auths (its port was 4100). */
  const pointedHere = () => fixture('hex-2.5.1_local-registry-orgs.hex.config').toString('latin1').replaceAll('https://127.0.0.1:4100/repo', registry.repoUrl);
  /** A hex.config where mix's hexpm repository is this registry, and nothing else. */
  const hexpmHere = () => `{'$repos',#{<<"hexpm">> => #{url => <<"${registry.repoUrl}">>}}}.\n`;

  test('mix\'s hexpm repository is this registry: hexpm:ORG gets the key, its owner and how to use it; every other entry and unknown key stays', async () => {
    const dir = home();
    const hexHome = join(dir, 'hexhome');
    mkdirSync(hexHome);
    const path = join(hexHome, 'hex.config');
    // A setting mix may learn later, in the organization's entry and at the top: kept as they are.
    const before = `{'$future_setting',<<"kept">>}.\n${pointedHere().replace('<<"hexpm:acme">> =>\n                #{', '<<"hexpm:acme">> =>\n                #{future_key => <<"kept">>,')}`;
    writeFileSync(path, before);
    const old = parseTerms(Buffer.from(before, 'latin1'));
    assert.equal(text(get(get(value(old, '$repos'), binary('hexpm:acme')), atom('future_key'))), 'kept');
    const key = orgKey('mixed');
    const result = await runCli(['organization', 'auth', 'acme', '--key', key, '--mix'], { env: cliEnv(registry, dir, { HEX_HOME: hexHome }) });
    assert.equal(result.code, 0, result.stderr);
    assert.ok(result.stderr.includes(`Wrote the key for organization acme into mix's ${path} (repository hexpm:acme)`), result.stderr);
    assert.equal(statSync(path).mode & 0o777, 0o600);

    const now = parseTerms(readFileSync(path));
    assert.deepEqual(entries(now), ['$future_setting', '$repos']);
    assert.deepEqual(value(now, '$future_setting'), value(old, '$future_setting'));
    const repos = value(now, '$repos');
    assert.deepEqual(get(repos, binary('hexpm')), get(value(old, '$repos'), binary('hexpm')));
    assert.deepEqual(get(repos, binary('hexpm:beta')), get(value(old, '$repos'), binary('hexpm:beta')));
    // The token mix exchanged for the older key goes; by default hexts sends this registry's key
    // as it is, and so must mix, rather than exchange it at whatever API it is pointed at.
    assert.deepEqual(pairs(get(repos, binary('hexpm:acme'))), [['auth_key', key], ['auth_key_owner', 'organization'], ['future_key', 'kept'], ['oauth_exchange', 'false']]);

    // With repo_oauth_exchange, hexts exchanges the key at this registry's API: mix is told to do the same.
    const again = await runCli(['organization', 'auth', 'acme', '--key', key, '--mix'], { env: cliEnv(registry, dir, { HEX_HOME: hexHome, ...EXCHANGE }) });
    assert.equal(again.code, 0, again.stderr);
    const exchanged = value(parseTerms(readFileSync(path)), '$repos');
    assert.deepEqual(pairs(get(exchanged, binary('hexpm:acme'))), [['auth_key', key], ['auth_key_owner', 'organization'], ['future_key', 'kept'], ['oauth_exchange', 'true'], ['oauth_exchange_url', registry.apiUrl]]);
    assert.deepEqual(get(exchanged, binary('hexpm')), get(value(old, '$repos'), binary('hexpm')));
  });

  test('mix\'s hexpm repository is hex.pm, or the repository is on another host: the key is stored for hexts but not given to mix', async () => {
    const dir = home();
    const hexHome = join(dir, 'hexhome');
    mkdirSync(hexHome);
    const path = join(hexHome, 'hex.config');
    // What mix 2.3.2 left after its own organization auth: legacy keys, hexpm at repo.hex.pm, an older acme key.
    const before = fixture('hex-2.3.2_06-org-auth-acme-key.hex.config');
    writeFileSync(path, before);
    const env = cliEnv(registry, dir, { HEX_HOME: hexHome });
    registry.clearRequests();
    const refused = await runCli(['organization', 'auth', 'acme', '--key', orgKey('tohexpm'), '--mix'], { env });
    assert.equal(refused.code, 1);
    assert.deepEqual(registry.requests(), [], 'refused before the key is checked');
    assert.ok(!refused.stderr.includes('Stored the key'), refused.stderr);
    assert.ok(refused.stderr.includes(`error: mix would send this key to https://repo.hex.pm, not to ${registry.repoUrl}: it fetches hexpm:acme from its hexpm repository\n`
      + `Point mix at this registry first: \`mix hex.repo set hexpm --url ${registry.repoUrl} --public-key ${registry.repoPublicKeyPath}\`, then try again. Nothing was written to ${path}.`), refused.stderr);
    assert.deepEqual(readFileSync(path), before);

    // No hex.config: mix's hexpm repository is repo.hex.pm; none is made.
    const fresh = join(dir, 'fresh');
    const noFile = await runCli(['organization', 'auth', 'acme', '--key', orgKey('tohexpm2'), '--mix'], { env: cliEnv(registry, dir, { HEX_HOME: fresh }) });
    assert.equal(noFile.code, 1);
    assert.match(noFile.stderr, /error: mix would send this key to https:\/\/repo\.hex\.pm, not to /);
    assert.ok(!existsSync(fresh));

    // The repository on another host: hexts does not send it this registry's keys, nor does it give them to mix for it.
    writeFileSync(path, hexpmHere().replace(registry.repoUrl, `${proxy.url}/repo`));
    const elsewhere = await runCli(['organization', 'auth', 'acme', '--key', orgKey('toproxy'), '--mix'], { env: { ...env, HEX_REPO_URL: `${proxy.url}/repo` } });
    assert.equal(elsewhere.code, 1);
    assert.ok(elsewhere.stderr.includes(`error: hexts does not send this registry's credentials to ${new URL(proxy.url).host}, so it does not give them to mix for it either\n`), elsewhere.stderr);
    assert.match(elsewhere.stderr, /`hexts config repo_trusted true` \(or HEXTS_REPO_TRUSTED=true\)\. Nothing was written to /);
    assert.equal(readFileSync(path, 'utf8'), hexpmHere().replace(registry.repoUrl, `${proxy.url}/repo`));
  });

  test('an OAuth login in hex.config stays; the file is $HEX_HOME\'s, ~/.hex\'s, or the XDG directory\'s with MIX_XDG', async () => {
    const dir = home();
    const hexHome = join(dir, 'h');
    mkdirSync(hexHome);
    writeFileSync(join(hexHome, 'hex.config'), Buffer.concat([fixture('hex-2.5.1_03-user-auth.hex.config'), Buffer.from(hexpmHere())]));
    const key = orgKey('mix2');
    assert.equal((await runCli(['organization', 'auth', 'acme', '--key', key, '--mix'], { env: cliEnv(registry, dir, { HEX_HOME: hexHome }) })).code, 0);
    const terms = parseTerms(readFileSync(join(hexHome, 'hex.config')));
    assert.deepEqual(entries(terms), ['$oauth_token', '$repos']);
    assert.equal(text(get(value(terms, '$oauth_token'), atom('access_token'))), 'at_8d0dffb193f4f879915c7d9c');
    assert.equal(text(get(get(value(terms, '$repos'), binary('hexpm:acme')), atom('auth_key'))), key);

    const plain = home();
    mkdirSync(join(plain, '.hex'));
    writeFileSync(join(plain, '.hex', 'hex.config'), hexpmHere());
    assert.equal((await runCli(['organization', 'auth', 'acme', '--key', key, '--mix'], { env: cliEnv(registry, plain) })).code, 0);
    assert.equal(text(get(get(value(parseTerms(readFileSync(join(plain, '.hex', 'hex.config'))), '$repos'), binary('hexpm:acme')), atom('auth_key'))), key);

    const xdg = home();
    mkdirSync(join(xdg, 'cfg', 'hex'), { recursive: true });
    writeFileSync(join(xdg, 'cfg', 'hex', 'hex.config'), hexpmHere());
    assert.equal((await runCli(['organization', 'auth', 'acme', '--key', key, '--mix'], { env: cliEnv(registry, xdg, { MIX_XDG: '1', XDG_CONFIG_HOME: join(xdg, 'cfg') }) })).code, 0);
    assert.equal(text(get(get(value(parseTerms(readFileSync(join(xdg, 'cfg', 'hex', 'hex.config'))), '$repos'), binary('hexpm:acme')), atom('auth_key'))), key);
    assert.ok(!existsSync(join(xdg, '.hex')));
  });

  test('a refused key writes nothing; a hex.config mix has not converted yet is left alone', async () => {
    const dir = home();
    const hexHome = join(dir, 'h');
    const refused = await runCli(['organization', 'auth', 'acme', '--key', 'ffffffffffffffffffffffffffffffff', '--mix'], { env: cliEnv(registry, dir, { HEX_HOME: hexHome }) });
    assert.equal(refused.code, 1);
    assert.ok(!existsSync(hexHome));

    mkdirSync(hexHome);
    const legacy = '[username: "alice", key: "abc"]\n';
    writeFileSync(join(hexHome, 'hex.config'), legacy);
    const result = await runCli(['organization', 'auth', 'acme', '--key', orgKey('mix3'), '--mix'], { env: cliEnv(registry, dir, { HEX_HOME: hexHome }) });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /is not in the Erlang term format mix writes today .*\nRun any `mix hex` task once so mix rewrites it, then try again\. Nothing was changed\./);
    assert.equal(readFileSync(join(hexHome, 'hex.config'), 'utf8'), legacy);
  });
});
