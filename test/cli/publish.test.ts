// `hexts publish` end to end against the local registry: public and private packages,
// every credential path, replace/revert windows, docs, refusals and faults.
import { fixedAuthorization } from '../../src/api/client.js';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as releases from '../../src/api/releases.js';
import { base32Decode, totpCode } from '../../registry/crypto.js';
import { makeTarball } from '../../registry/tarballs.js';
import { runCli, scratchHome, type CliResult } from '../helpers/cli.js';
import { makeProject, type ProjectSpec } from '../helpers/projects.js';
import { clientFor, cliEnv, deviceLogin, testRegistry, type Registry } from '../helpers/registry.js';

let registry: Registry;
const cleanups: Array<() => void> = [];
const TOTP_SECRET = 'JBSWY3DPEHPK3PXP';
const otp = () => totpCode(base32Decode(TOTP_SECRET)!, Math.floor(registry.now().getTime() / 1000));
let home: string;
let aliceKey: string;

before(async () => {
  registry = await testRegistry();
  registry.createUser({ username: 'alice', password: 'correct horse battery' });
  registry.setTotp('alice', TOTP_SECRET);
  registry.createOrganization({ name: 'acme', admin: 'alice' });
  registry.createOrganization({ name: 'other', admin: 'alice' });
  aliceKey = registry.createKey({ user: 'alice' }, { name: 'alice-cli', permissions: [{ domain: 'api', resource: null }] });
  const h = scratchHome();
  cleanups.push(h.cleanup);
  home = h.home;
});
after(async () => {
  await registry.stop();
  cleanups.forEach((c) => c());
});

function project(spec: ProjectSpec): string {
  const p = makeProject(spec);
  cleanups.push(p.cleanup);
  return p.dir;
}

const env = (extra: Record<string, string | undefined> = {}) => cliEnv(registry, home, extra);
const publish = (dir: string, argv: string[], extra: Parameters<typeof runCli>[1] = {}) =>
  runCli(['publish', ...argv], { cwd: dir, env: env(), ...extra });

async function builtChecksum(dir: string): Promise<string> {
  const result = await runCli(['--json', 'build', '-o', join(dir, 'check.tar')], { cwd: dir, env: env() });
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout).checksum;
}

const uploads = (name: string) => registry.requests().filter((r) => r.method === 'POST' && new RegExp(`/packages/${name}/releases(\\?|$)`).test(r.path));

describe('public packages', () => {
  test('dry run: the screen, no credentials anywhere, no request', async () => {
    const dir = project({ app: 'dry_pkg', version: '0.1.0', docs: true });
    registry.clearRequests();
    const result = await publish(dir, ['--dry-run'], { env: { PATH: process.env.PATH, HOME: home, ...registry.env() } });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^Building dry_pkg 0\.1\.0\n/);
    assert.match(result.stdout, /Before publishing, please read the Code of Conduct: https:\/\/hex\.pm\/policies\/codeofconduct\n\nPublishing package using https:\/\/127\.0\.0\.1:\d+\/api\.\n$/);
    assert.match(result.stderr, /Dry run: nothing was sent\./);
    assert.equal(registry.requests().length, 0);
  });

  test('dry run: what hex.pm refuses stops it, in the server\'s words: a name, a version, a dependency on an organization', async () => {
    const bare = { env: { PATH: process.env.PATH, HOME: home, ...registry.env() } };
    for (const [spec, lines] of [
      [{ app: 'dry_bad', name: 'Dry-Bad', version: 'banana' }, ['hex.pm refuses package name "Dry-Bad": has invalid format', 'hex.pm refuses version "banana": is invalid SemVer']],
      [{ app: 'dry_dep', version: '0.1.0', deps: ['{:thing, "~> 1.0", organization: "acme"}'] }, ['thing: dependencies can only belong to public repository "hexpm", got: "acme"']],
    ] as Array<[ProjectSpec, string[]]>) {
      const dir = project(spec);
      registry.clearRequests();
      const result = await publish(dir, ['--dry-run'], bare);
      assert.equal(result.code, 1, result.stderr);
      assert.equal(result.stderr, ['error: Stopping package build due to errors.', ...lines].map((l) => `${l}\n`).join(''));
      assert.doesNotMatch(result.stdout, /Publishing package/);
      assert.equal(registry.requests().length, 0);
    }
  });

  test('without a terminal and without --yes: refused, nothing sent', async () => {
    const dir = project({ app: 'shy_pkg', version: '0.1.0', docs: true });
    registry.clearRequests();
    const result = await publish(dir, [], { env: env({ HEX_API_KEY: aliceKey }) });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /error: publishing needs a confirmation, but there is no terminal to ask on\nPass --yes to publish without the prompt\./);
    assert.equal(registry.requests().filter((r) => r.method !== 'GET').length, 0);
  });

  test('with an API key via HEX_API_KEY: package and docs, Expect: 100-continue, the build\'s bytes', async () => {
    const dir = project({ app: 'first_pkg', version: '1.0.0', docs: true });
    const checksum = await builtChecksum(dir);
    registry.clearRequests();
    const result = await publish(dir, ['--yes'], { env: env({ HEX_API_KEY: aliceKey }) });
    assert.equal(result.code, 0, result.stderr);
    const url = registry.url.replace(/[.]/g, '\\.');
    assert.match(result.stderr, new RegExp(`Publishing package\\.\\.\\.\\n\\nPackage published to ${url}/packages/first_pkg/1\\.0\\.0 \\(${checksum}\\)\\n`));
    assert.match(result.stderr, new RegExp(`Publishing docs\\.\\.\\.\\n\\nDocs will soon be available at ${url}/repo/docs/first_pkg-1\\.0\\.0\\.tar\\.gz\\n`));
    const [upload] = uploads('first_pkg');
    assert.equal(upload!.path, '/api/packages/first_pkg/releases?replace=false');
    assert.equal(upload!.headers.expect, '100-continue');
    assert.equal(upload!.headers['content-type'], 'application/octet-stream');
    const client = clientFor(registry);
    const release = await releases.get(client, 'first_pkg', '1.0.0');
    await client.close();
    assert.equal(release.checksum, checksum);
    assert.equal(release.has_docs, true);
  });

  test('--key and --key - work the same; --json prints one object', async () => {
    const dir = project({ app: 'keyed_pkg', version: '1.0.0' });
    let result = await publish(dir, ['package', '--yes', '--key', aliceKey]);
    assert.equal(result.code, 0, result.stderr);
    const dir2 = project({ app: 'keyed_pkg', version: '1.1.0' });
    result = await publish(dir2, ['--json', 'package', '--yes', '--key', '-'], { stdin: `${aliceKey}\n` });
    assert.equal(result.code, 0, result.stderr);
    const json = JSON.parse(result.stdout);
    assert.deepEqual(Object.keys(json).sort(), ['checksum', 'docs_url', 'name', 'package_url', 'repository', 'version']);
    assert.equal(json.name, 'keyed_pkg');
    assert.equal(json.repository, 'hexpm');
    assert.match(json.package_url, /\/packages\/keyed_pkg\/1\.1\.0$/);
    assert.equal(json.docs_url, null);
  });

  test('with OAuth and 2FA: the OTP from HEX_OTP, after the logged-in user confirmed on a terminal', async () => {
    await deviceLogin(registry, env(), 'alice');
    const dir = project({ app: 'oauth_pkg', version: '1.0.0' });
    registry.clearRequests();
    // alice belongs to organizations and the package is new: mix's owner choice comes up.
    const result = await publish(dir, ['package'], { env: env({ HEX_OTP: otp() }), tty: true, answers: [[/Your selection:/, '\r']] });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /You are a member of one or multiple organizations\. Would you like to publish the package with yourself as owner or an organization as owner\?/);
    assert.match(result.stderr, /Package published to/);
    const statuses = uploads('oauth_pkg').map((u) => [u.status, u.body_bytes]);
    assert.deepEqual(statuses[0], [401, 0], 'the first try is refused for the missing OTP before any body is sent');
    assert.equal(statuses.at(-1)![0], 201);
  });

  test('on a terminal, Proceed? [Y/n] is asked; "n" publishes nothing: "Aborted.", not an error', async () => {
    registry.createUser({ username: 'bob', password: 'correct horse battery' });
    const bobKey = registry.createKey({ user: 'bob' }, { name: 'bob-cli', permissions: [{ domain: 'api', resource: null }] });
    const dir = project({ app: 'asked_pkg', version: '1.0.0' });
    let result = await publish(dir, ['package'], { env: env({ HEX_API_KEY: bobKey }), tty: true, answers: [[/Proceed\?/, 'n\r']] });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /Aborted\.\n$/);
    assert.doesNotMatch(result.stderr, /error/);
    assert.equal(uploads('asked_pkg').length, 0);
    result = await publish(dir, ['package'], { env: env({ HEX_API_KEY: bobKey }), tty: true, answers: [[/Proceed\?/, 'y\r']] });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(uploads('asked_pkg').length, 1);
    assert.match(result.stderr, /\r\[#{25}\] 100%\n/, 'the upload bar, on a terminal');
    const quiet = await publish(project({ app: 'asked_pkg', version: '1.0.1' }), ['package', '--yes', '--no-progress'], { env: env({ HEX_API_KEY: bobKey }), tty: true });
    assert.equal(quiet.code, 0, quiet.stderr);
    assert.doesNotMatch(quiet.stderr, /\] \d+%/);
  });

  test('choosing an organization as owner transfers the package after publishing', async () => {
    const dir = project({ app: 'org_owned', version: '1.0.0' });
    const result = await publish(dir, ['package'], { env: env({ HEX_OTP: otp() }), tty: true, answers: [[/Your selection:/, '\u001b[B\r']] });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /Transferring ownership to acme\.\.\./);
    const client = clientFor(registry);
    const list = (await client.get<Array<{ username: string }>>('/packages/org_owned/owners')).body;
    await client.close();
    assert.deepEqual(list.map((o) => o.username), ['acme']);
  });

  test('an existing version: the server\'s message and "pass --replace"; --replace inside the window; refused outside it', async () => {
    const dir = project({ app: 'again_pkg', version: '1.0.0' });
    const key = env({ HEX_API_KEY: aliceKey });
    assert.equal((await publish(dir, ['package', '--yes'], { env: key })).code, 0);
    let result = await publish(dir, ['package', '--yes'], { env: key });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /error: Publishing failed: Validation error\(s\)\n {2}inserted_at: must include the --replace flag to update an existing release\nPass --replace to overwrite it/);
    result = await publish(dir, ['package', '--yes', '--replace'], { env: key });
    assert.equal(result.code, 0, result.stderr);
    assert.ok(uploads('again_pkg').at(-1)!.path.endsWith('?replace=true'));
    registry.advanceClock(25 * 3600);
    result = await publish(dir, ['package', '--yes', '--replace'], { env: key });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /inserted_at: can only modify a release up to one hour after publication/);
  });

  test('revert: the docs, then the release; and the messages when there is nothing to revert', async () => {
    const dir = project({ app: 'revert_pkg', version: '1.0.0', docs: true });
    const key = env({ HEX_API_KEY: aliceKey });
    assert.equal((await publish(dir, ['--yes'], { env: key })).code, 0);
    let result = await publish(dir, ['docs', '--revert', '1.0.0'], { env: key });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /^Reverted docs for revert_pkg 1\.0\.0\n$/);
    result = await publish(dir, ['--revert', '1.0.0'], { env: key });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /^Reverted revert_pkg 1\.0\.0\n$/);
    result = await publish(dir, ['docs', '--revert', '1.0.0'], { env: key });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /error: Docs do not exist/);
    result = await publish(dir, ['--revert', '1.0.0'], { env: key });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /error: Reverting revert_pkg 1\.0\.0 failed: no such release/);
  });

  test('revert --dry-run says what would be deleted and sends nothing: the release and its docs stay', async () => {
    const dir = project({ app: 'kept_pkg', version: '1.0.0', docs: true });
    assert.equal((await publish(dir, ['--yes'], { env: env({ HEX_API_KEY: aliceKey }) })).code, 0);
    registry.clearRequests();
    // No credentials at all, as for a publish dry run.
    const bare = { env: { PATH: process.env.PATH, HOME: home, ...registry.env() } };
    let result = await publish(dir, ['--revert', '1.0.0', '--dry-run'], bare);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, 'Would delete kept_pkg 1.0.0 (the release and its docs) from repository hexpm.\nDry run: nothing was sent.\n');
    result = await publish(dir, ['docs', '--revert', '1.0.0', '--dry-run', '--otp', '123456'], bare);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, 'Would delete the docs of kept_pkg 1.0.0 from repository hexpm.\nDry run: nothing was sent; a real run would use --otp.\n');
    result = await publish(dir, ['--json', '--revert', '1.0.0', '--dry-run'], bare);
    assert.deepEqual(JSON.parse(result.stdout), { name: 'kept_pkg', version: '1.0.0', repository: 'hexpm', reverted: 'release', dry_run: true });
    assert.deepEqual(registry.requests(), []);
    const client = clientFor(registry);
    try {
      assert.equal((await releases.get(client, 'kept_pkg', '1.0.0')).has_docs, true);
    } finally {
      await client.close();
    }
  });

  test('revert outside the one-hour window: the server\'s message', async () => {
    const key = env({ HEX_API_KEY: aliceKey });
    assert.equal((await publish(project({ app: 'old_pkg', version: '1.0.0' }), ['package', '--yes'], { env: key })).code, 0);
    registry.advanceClock(25 * 3600);
    const dir = project({ app: 'old_pkg', version: '1.1.0' });
    assert.equal((await publish(dir, ['package', '--yes'], { env: key })).code, 0);
    registry.advanceClock(2 * 3600);
    const result = await publish(dir, ['--revert', '1.1.0'], { env: key });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /error: Reverting old_pkg 1\.1\.0 failed: Validation error\(s\)\n {2}inserted_at: can only delete a release up to one hour after publication/);
  });

  test('docs alone; docs missing: the default publish asks, `publish docs` fails, --docs-dir', async () => {
    const key = env({ HEX_API_KEY: aliceKey });
    const dir = project({ app: 'docless', version: '1.0.0' });
    let result = await publish(dir, ['--yes'], { env: key });
    assert.equal(result.code, 0, result.stderr);
    // Nothing asks under --yes, and mix would have built the docs: the warning says so plainly.
    assert.match(result.stderr, /^WARNING: the docs will NOT be published: there is no documentation in doc\/ or docs\/\.\nmix hex\.publish would build them with `mix docs`; hexts does not run mix\. Publish them afterwards: `mix docs && hexts publish docs`\.$/m);
    assert.doesNotMatch(result.stderr, /Publishing docs/);
    result = await publish(dir, ['docs'], { env: key });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /Documentation could not be found in doc\/ or docs\//);
    const noTty = await publish(project({ app: 'docless2', version: '1.0.0' }), [], { env: key });
    assert.equal(noTty.code, 1);
    assert.match(noTty.stderr, /there is no documentation to publish, but there is no terminal|hexts publish package/);

    const withDocs = project({ app: 'docless', version: '1.0.0', docs: true });
    result = await publish(withDocs, ['docs', '--docs-dir', 'doc'], { env: key });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /Docs will soon be available at/);
  });

  test('docs go like a release, Expect: 100-continue and their length: a refused OTP costs no byte of them', async () => {
    const dir = project({ app: 'otp_docs', version: '1.0.0', docs: true });
    const published = await publish(dir, ['package', '--yes'], { env: env({ HEX_API_KEY: aliceKey }) });
    assert.equal(published.code, 0, published.stderr);
    await deviceLogin(registry, env(), 'alice');
    const docsUploads = () => registry.requests().filter((r) => r.method === 'POST' && r.path === '/api/packages/otp_docs/releases/1.0.0/docs');
    const wrong = String((Number(otp()) + 500_000) % 1_000_000).padStart(6, '0');
    registry.clearRequests();
    const refused = await publish(dir, ['docs'], { env: env({ HEX_OTP: wrong }) });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /the two-factor authentication code from HEX_OTP was rejected/);
    assert.deepEqual(docsUploads().map((u) => [u.status, u.body_bytes, u.headers.expect]), [[401, 0, '100-continue'], [401, 0, '100-continue']]);
    registry.clearRequests();
    const accepted = await publish(dir, ['docs'], { env: env({ HEX_OTP: otp() }) });
    assert.equal(accepted.code, 0, accepted.stderr);
    const [first, last] = docsUploads();
    assert.deepEqual([first!.status, first!.body_bytes], [401, 0], 'the first try, without a code, sends nothing either');
    assert.equal(last!.status, 201);
    assert.equal(last!.body_bytes, Number(last!.headers['content-length']));
    assert.ok(last!.body_bytes > 0);
  });
});

describe('private packages', () => {
  test('--organization with an organization key: the private target line and the private repository', async () => {
    const orgKey = registry.createKey({ organization: 'acme' }, { name: 'ci-publish', permissions: [{ domain: 'api', resource: 'write' }] });
    const dir = project({ app: 'secret', version: '0.1.0', docs: true });
    const result = await publish(dir, ['--organization', 'acme', '--yes'], { env: env({ HEX_API_KEY: orgKey }) });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /Publishing package to private repository acme using https:\/\/127\.0\.0\.1:\d+\/api\.\n$/);
    assert.match(result.stderr, /Package published to .*\/packages\/acme\/secret\/0\.1\.0/);
    assert.match(result.stderr, /Docs will soon be available at .*\/repo\/repos\/acme\/docs\/secret-0\.1\.0\.tar\.gz/);
    assert.equal(uploads('secret')[0]!.path, '/api/repos/acme/packages/secret/releases?replace=false');
  });

  test('organization: in mix.exs, overridden by --organization; private packages may always be replaced', async () => {
    const dir = project({ app: 'config_org', version: '0.1.0', organization: 'acme' });
    const key = env({ HEX_API_KEY: aliceKey });
    assert.equal((await publish(dir, ['package', '--yes'], { env: key })).code, 0);
    assert.equal(uploads('config_org')[0]!.path, '/api/repos/acme/packages/config_org/releases?replace=false');
    registry.advanceClock(48 * 3600);
    assert.equal((await publish(dir, ['package', '--yes', '--replace'], { env: key })).code, 0);
    assert.equal((await publish(dir, ['package', '--yes', '--organization', 'other'], { env: key })).code, 0);
    assert.equal(uploads('config_org').at(-1)!.path, '/api/repos/other/packages/config_org/releases?replace=false');
  });

  test('a dependency on another organization is refused locally, with the server\'s wording, before any request', async () => {
    const dir = project({ app: 'crossdep', version: '0.1.0', organization: 'acme', deps: ['{:thing, "~> 1.0", organization: "other"}'] });
    registry.clearRequests();
    const result = await publish(dir, ['package', '--yes'], { env: env({ HEX_API_KEY: aliceKey }) });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /dependencies can only belong to public repository "hexpm" or current repository "acme", got: "other"/);
    assert.equal(registry.requests().length, 0);
  });

  test('the registry enforces the same rule when the local check is bypassed', async () => {
    await registry.publish(await makeTarball({ name: 'thing', version: '1.0.0' }), { publisher: 'alice', repository: 'other' });
    const tarball = await makeTarball({ name: 'bypass', version: '0.1.0', requirements: [{ name: 'thing', requirement: '~> 1.0', repository: 'other' }] });
    const client = clientFor(registry, { auth: fixedAuthorization(aliceKey, 'a test key') });
    try {
      await assert.rejects(releases.publish(client, 'bypass', tarball, { organization: 'acme', replace: false }), (err: { status: number; lines(): string[] }) => {
        assert.equal(err.status, 422);
        assert.ok(err.lines().some((l) => l.includes('dependencies can only belong to public repository "hexpm" or current repository "acme", got: "other"')), err.lines().join('\n'));
        return true;
      });
    } finally {
      await client.close();
    }
  });
});

describe('faults', () => {
  test('the server cuts the upload before taking it: "nothing was published", run it again', async () => {
    const dir = project({ app: 'cut_pkg', version: '1.0.0' });
    registry.addFault({ type: 'reset_after_body', method: 'POST', path: '/api/packages/cut_pkg/releases' });
    const result = await publish(dir, ['package', '--yes'], { env: env({ HEX_API_KEY: aliceKey }) });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /while the upload was under way\. Asking the registry whether cut_pkg 1\.0\.0 arrived\.\.\./);
    assert.match(result.stderr, /error: the upload was interrupted and cut_pkg 1\.0\.0 is not on the registry: nothing was published\nRun the same `hexts publish` again\./);
    assert.equal(uploads('cut_pkg').length, 1, 'never retried');
  });

  test('the answer is cut after the registry took it: hexts finds the release and says it was published', async () => {
    const dir = project({ app: 'taken_pkg', version: '1.0.0' });
    registry.addFault({ type: 'truncate_download', method: 'POST', path: '/api/packages/taken_pkg/releases' });
    const result = await publish(dir, ['package', '--yes'], { env: env({ HEX_API_KEY: aliceKey }) });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /The registry has taken_pkg 1\.0\.0 with this build's checksum: it was published\./);
  });

  test('a rate-limited publish says when to try again', async () => {
    const dir = project({ app: 'limited_pkg', version: '1.0.0' });
    registry.addFault({ type: 'rate_limited', method: 'POST', path: '/api/packages/limited_pkg/releases', reset_after_seconds: 30 });
    const result = await publish(dir, ['package', '--yes'], { env: env({ HEX_API_KEY: aliceKey }) });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /API rate limit exceeded for IP 127\.0\.0\.1\nRate limited: try again in (29|30) s/);
  });

  test('a refused credential costs no upload', async () => {
    const dir = project({ app: 'nokey_pkg', version: '1.0.0' });
    registry.clearRequests();
    const result = await publish(dir, ['package', '--yes', '--key', 'ffffffffffffffffffffffffffffffff']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /invalid API key/);
    assert.deepEqual(uploads('nokey_pkg').map((u) => u.body_bytes), [0]);
  });
});

test('no publish path prints or writes a key, an OTP or a token', async () => {
  const sentinel = registry.createKey({ user: 'alice' }, { name: 'sentinel', permissions: [{ domain: 'api', resource: null }] });
  const h = scratchHome();
  cleanups.push(h.cleanup);
  const e = cliEnv(registry, h.home);
  const code = otp();
  const runs: CliResult[] = [];
  let n = 0;
  for (const verbose of [[], ['--verbose']]) {
    for (const [argv, extra] of [
      [['package', '--yes', '--key', sentinel], {}],
      [['package', '--yes', '--key', '-'], { stdin: sentinel }],
      [['package', '--yes'], { env: { ...e, HEX_API_KEY: sentinel } }],
      [['--yes', '--otp', code, '--key', sentinel], {}],
      [['--revert', '0.0.1', '--key', sentinel], {}],
      [['package', '--yes', '--dry-run', '--key', sentinel], {}],
    ] as Array<[string[], Parameters<typeof runCli>[1]]>) {
      const dir = project({ app: 'leak_pkg', version: `0.0.${++n}`, docs: true });
      runs.push(await runCli([...verbose, 'publish', ...argv], { cwd: dir, env: e, ...extra }));
    }
  }
  assert.ok(runs.filter((r) => r.code === 0).length >= 6, runs.map((r) => r.stderr).join('\n---\n'));
  const sha = (s: string) => createHash('sha256').update(s).digest('hex');
  for (const r of runs) {
    for (const secret of [sentinel, sha(sentinel)]) {
      assert.ok(!r.stdout.includes(secret) && !r.stderr.includes(secret), r.stderr);
    }
  }
  const files = existsSync(h.home) ? readdirSync(h.home, { recursive: true, withFileTypes: true }).filter((f) => f.isFile()) : [];
  for (const f of files) assert.ok(!readFileSync(join(f.parentPath, f.name)).includes(sentinel));
});
