// Repositories added with `hexts repo add`, over real HTTPS against the local registry's
// mini_repo-style server (/mini): publishing through its legacy route (found on the releases
// route's 404), reading packages back with their own key and auth key, and `repo doctor` on a
// good repository, a wrongly named one, a wrong key and a refused auth key.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { publicKeyFingerprint } from '../../src/repository/signing.js';
import { runCli, scratchHome, type CliResult } from '../helpers/cli.js';
import { makeProject } from '../helpers/projects.js';
import { testRegistry, type Registry } from '../helpers/registry.js';

const TOKEN = 'mini-token-sentinel';
const KEYS = new URL('../fixtures/keys/', import.meta.url).pathname;
let registry: Registry;
let home: ReturnType<typeof scratchHome>;
let env: Record<string, string | undefined>;
const ok = (r: CliResult) => assert.equal(r.code, 0, r.stdout + r.stderr);
const run = (argv: string[], options: { cwd?: string; stdin?: string } = {}) => runCli(argv, { env, ...options });

before(async () => {
  registry = await testRegistry({ mini: { repositories: ['acme'], token: TOKEN } });
  home = scratchHome();
  mkdirSync(join(home.home, 'hex'));
  // No hex.pm registry settings: an added repository must need nothing of them.
  env = { PATH: process.env.PATH, HOME: home.home, HEX_HOME: join(home.home, 'hex'), HEX_CACERTS_PATH: registry.caCertPath, DBUS_SESSION_BUS_ADDRESS: process.env.DBUS_SESSION_BUS_ADDRESS };
  const pem = join(home.home, 'acme.pem');
  writeFileSync(pem, registry.mini!.publicKeyPem('acme'));
  ok(await run(['repo', 'add', 'acme', registry.mini!.repoUrl('acme'), '--fetch-public-key', publicKeyFingerprint(registry.mini!.publicKeyPem('acme')), '--api-url', `${registry.mini!.apiUrl}/repos/acme`, '--auth-key', '-'], { stdin: TOKEN }));
});
after(async () => {
  await registry?.stop();
  home?.cleanup();
});

describe('publishing to and reading from an added repository', () => {
  test('publish --repo: the releases route answers 404, so the legacy route takes it; no account calls, the key only to that host', async () => {
    const { dir } = makeProject({ app: 'minipkg', version: '1.2.0' });
    const before = registry.requests().length;
    const published = await run(['publish', 'package', '--repo', 'acme', '--yes'], { cwd: dir });
    ok(published);
    assert.match(published.stderr, /has no releases route \(404\); publishing through its legacy route/);
    assert.match(published.stderr, /Package published to repository acme/);
    assert.deepEqual(Object.entries(registry.mini!.published('acme')).map(([name, releases]) => [name, releases.map((r) => r.version)]), [['minipkg', ['1.2.0']]]);
    const requests = registry.requests().slice(before).map((r) => `${r.method} ${r.path}`);
    assert.deepEqual(requests.filter((r) => r.includes('/api/')), ['POST /mini/api/repos/acme/packages/minipkg/releases?replace=false', 'POST /mini/api/repos/acme/publish']);
    assert.ok(!requests.some((r) => r.includes('users/me')), requests.join('\n'));
  });

  test('publish --repo with --publish legacy goes straight there; a wrong key is refused clearly', async () => {
    ok(await run(['repo', 'set', 'acme', '--publish', 'legacy']));
    const { dir } = makeProject({ app: 'minipkg', version: '1.3.0' });
    const before = registry.requests().length;
    ok(await run(['publish', 'package', '--repo', 'acme', '--yes'], { cwd: dir }));
    assert.deepEqual(registry.requests().slice(before).map((r) => `${r.method} ${r.path}`).filter((r) => r.includes('/api/')), ['POST /mini/api/repos/acme/publish']);
    const wrong = await run(['publish', 'package', '--repo', 'acme', '--yes', '--key', 'not-the-token'], { cwd: makeProject({ app: 'minipkg', version: '1.4.0' }).dir });
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /Publishing to repository acme failed: the key from --key was refused \(401\)/);
  });

  test('package fetch and info --repo read it, verified with the key it was added with', async () => {
    const out = join(home.home, 'fetched');
    mkdirSync(out);
    const fetched = await run(['package', 'fetch', 'minipkg@1.2.0', '--repo', 'acme', '--output', out]);
    ok(fetched);
    assert.ok(readFileSync(join(out, 'minipkg-1.2.0.tar')).length > 0);
    const search = await run(['package', 'search', 'mini', '--repo', 'acme']);
    ok(search);
    assert.match(search.stdout, /^Repository +Package +Version +URL\nacme +minipkg +1\.3\.0$/m);
    const info = await run(['info', 'minipkg', '--repo', 'acme']);
    ok(info);
    assert.match(info.stdout, /^Config: \{:minipkg, "~> 1\.3", repo: "acme"\}$/m);
    assert.match(info.stdout, /1\.3\.0/);
  });

  test('publish --tarball --repo: a tarball built elsewhere goes byte for byte, and reads back the same', async () => {
    const { dir } = makeProject({ app: 'minitar', version: '0.1.0' });
    const built = await run(['--json', 'build'], { cwd: dir });
    ok(built);
    const { path, checksum } = JSON.parse(built.stdout) as { path: string; checksum: string };
    const published = await run(['publish', '--tarball', path, '--expect-checksum', checksum, '--repo', 'acme', '--yes'], { cwd: home.home });
    ok(published);
    assert.match(published.stdout, /^Publishing package to repository acme using /m);
    assert.match(published.stderr, new RegExp(`Package published to repository acme .*\\(${checksum}\\)`));
    assert.equal(registry.mini!.published('acme').minitar![0]!.outerChecksum.toString('hex'), checksum);
    const out = join(home.home, 'fetched-minitar');
    mkdirSync(out);
    ok(await run(['package', 'fetch', 'minitar@0.1.0', '--repo', 'acme', '--output', out]));
    assert.ok(readFileSync(join(out, 'minitar-0.1.0.tar')).equals(readFileSync(path)));
  });

  test('retire --repo and --unretire through the legacy API; readers see it in the signed files', async () => {
    ok(await run(['retire', 'minipkg', '1.2.0', 'security', '--message', 'leaks memory', '--repo', 'acme']));
    assert.deepEqual(registry.mini!.published('acme').minipkg!.find((r) => r.version === '1.2.0')!.retired, { reason: 'security', message: 'leaks memory' });
    const info = await run(['info', 'minipkg', '1.2.0', '--repo', 'acme']);
    ok(info);
    assert.match(info.stdout, /This version has been retired: \(security\) leaks memory/);
    ok(await run(['retire', 'minipkg', '1.2.0', '--unretire', '--repo', 'acme']));
    assert.equal(registry.mini!.published('acme').minipkg!.find((r) => r.version === '1.2.0')!.retired, undefined);
  });

  test('a repository whose files are signed with another key is refused on reading', async () => {
    ok(await run(['repo', 'add', 'otherkey', registry.mini!.repoUrl('acme'), '--public-key', join(KEYS, 'other-public.pem')]));
    const r = await run(['package', 'fetch', 'minipkg', '--repo', 'otherkey', '--output', home.home]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /signature verification failed/);
    assert.match(r.stderr, /repo doctor/);
  });
});

describe('repo doctor', () => {
  test('a good repository: every check ok, and its Dependabot settings', async () => {
    const r = await run(['repo', 'doctor', 'acme']);
    ok(r);
    assert.doesNotMatch(r.stdout, /FAIL/);
    for (const check of ['connection', 'public key', 'names', 'versions', 'packages/minipkg', 'API']) assert.match(r.stdout, new RegExp(`^ok {3}${check}: `, 'm'));
    assert.match(r.stdout, /type: hex-repository\n {6}repo: acme\n {6}url: https:\/\/127\.0\.0\.1:\d+\/mini\/repos\/acme\n {6}auth-key: \$\{\{secrets\.ACME_AUTH_KEY\}\}\n {6}public-key-fingerprint: SHA256:/);
    assert.ok(!r.stdout.includes(TOKEN));
  });

  test('a repository added under another name than its files state', async () => {
    ok(await run(['repo', 'add', 'wrongname', registry.mini!.repoUrl('acme'), '--public-key', join(home.home, 'acme.pem')]));
    const r = await run(['repo', 'doctor', 'wrongname']);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^FAIL names: signature verified, but it names repository "acme", not "wrongname"\n {6}It was built with --name acme: rebuild it with --name wrongname, or add it under that name/m);
  });

  test('a wrong key: both fingerprints, and the signatures fail', async () => {
    const r = await run(['repo', 'doctor', 'otherkey']);
    assert.equal(r.code, 1);
    const served = publicKeyFingerprint(registry.mini!.publicKeyPem('acme'));
    assert.match(r.stdout, new RegExp(`^FAIL public key: the key served \\(${served.replace(/[+/]/g, '\\$&')}\\) is not the one otherkey was added with \\(SHA256:nd0w/LFZC3GiZ8lvhlK1pGtzz8678hWh4JWiviD5lEM\\)`, 'm'));
    assert.match(r.stdout, /^FAIL names: signature verification failed/m);
  });

  test('a refused auth key', async () => {
    // Another machine, where acme was added with a wrong key.
    const other = { ...env, HEXTS_HOME: join(home.home, 'other-machine') };
    const added = await runCli(['repo', 'add', 'acme', registry.mini!.repoUrl('acme'), '--public-key', join(home.home, 'acme.pem'), '--api-url', `${registry.mini!.apiUrl}/repos/acme`, '--auth-key', 'wrong-token'], { env: other });
    ok(added);
    const r = await runCli(['repo', 'doctor', 'acme', '--json'], { env: other });
    assert.equal(r.code, 1);
    const report = JSON.parse(r.stdout) as { ok: boolean; checks: Array<{ check: string; ok: boolean; detail: string }> };
    assert.equal(report.ok, false);
    assert.deepEqual(report.checks.filter((c) => !c.ok).map((c) => c.check), ['API']);
    assert.match(report.checks.find((c) => c.check === 'API')!.detail, /refused the auth key of repository acme \(401\)/);
  });
});
