// `hexts package fetch` end to end against the local registry: resolution, the files written,
// and every check a tampered registry or tarball must fail (through a man-in-the-middle proxy,
// or a registry whose stored files were altered).
import { fixedAuthorization } from '../../src/api/client.js';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { gunzipSync, gzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { main } from '../../src/cli.js';
import { gzip } from '../../src/package/tar/gzip.js';
import { decodeSigned, encodeSigned } from '../../src/repository/protobuf.js';
import { publicKeyFingerprint } from '../../src/repository/signing.js';
import { runCli, scratchHome } from '../helpers/cli.js';
import { makeProject } from '../helpers/projects.js';
import { clientFor, cliEnv, testRegistry, type Registry } from '../helpers/registry.js';
import { startRepoProxy, type RepoProxy } from '../helpers/repo-proxy.js';
import { buildTar, fileEntry } from '../package/tarball-helpers.js';
import { makeTarball, type TarballSpec } from '../../registry/tarballs.js';

let registry: Registry;
let proxy: RepoProxy;
let orgKey: string;
const tarballs = new Map<string, Buffer>();
const cleanups: Array<() => void> = [];
const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

function home(): string {
  const h = scratchHome();
  cleanups.push(h.cleanup);
  return h.home;
}

async function publish(name: string, version: string, repository?: string, extra: Partial<TarballSpec> = {}): Promise<void> {
  const tarball = await makeTarball({ name, version, ...extra });
  tarballs.set(`${repository ?? 'hexpm'}/${name}-${version}`, tarball);
  await registry.publish(tarball, { publisher: 'pub', repository });
}

before(async () => {
  registry = await testRegistry();
  registry.createUser({ username: 'pub', password: 'correct horse battery' });
  registry.createOrganization({ name: 'acme', admin: 'pub' });
  for (const version of ['0.9.0', '1.0.0', '1.1.0', '1.2.0-rc.1', '2.0.0']) await publish('tiny', version);
  await publish('billing', '0.3.0', 'acme', { requirements: [{ name: 'tiny', requirement: '~> 1.0' }] });
  // 2.0.0 is retired: the newest stable version that is not retired is 1.1.0.
  const apiKey = registry.createKey({ user: 'pub' }, { name: 'admin', permissions: [{ domain: 'api', resource: null }] });
  await clientFor(registry, { auth: fixedAuthorization(apiKey, 'a test key') }).request({
    method: 'POST', path: '/packages/tiny/releases/2.0.0/retire', body: { reason: 'security', message: 'CVE-2026-0001' },
  });
  orgKey = registry.createKey({ organization: 'acme' }, { name: 'ci', permissions: [{ domain: 'repository', resource: 'acme' }] });
  proxy = await startRepoProxy(registry);
});
after(async () => {
  await proxy.stop();
  await registry.stop();
  cleanups.forEach((c) => c());
});

describe('resolving and saving', () => {
  test('no version: the newest stable release that is not retired, saved as NAME-VERSION.tar', async () => {
    const dir = home();
    const result = await runCli(['package', 'fetch', 'tiny'], { env: cliEnv(registry, dir), cwd: dir });
    assert.equal(result.code, 0, result.stderr);
    const path = join(dir, 'tiny-1.1.0.tar');
    assert.equal(result.stdout, `tiny v1.1.0 downloaded to ${path}\n`);
    assert.deepEqual(readFileSync(path), tarballs.get('hexpm/tiny-1.1.0'));
  });

  test('requirements, exact versions and retirements, several packages at once', async () => {
    const dir = home();
    const env = cliEnv(registry, dir);
    const table: Array<[string, string | RegExp]> = [
      ['tiny@~> 1.0', '1.1.0'],
      ['tiny@~> 1.0.0', '1.0.0'],
      ['tiny@>= 1.0.0 and < 1.1.0 or == 0.9.0', '1.0.0'],
      ['tiny@~> 1.2.0-rc.0', '1.2.0-rc.1'],
      ['tiny@1.2.0-rc.1', '1.2.0-rc.1'],
      ['tiny@0.9.0', '0.9.0'],
      ['tiny@== 2.0.0', /every version of tiny matching "== 2.0.0" is retired \(the newest, 2\.0\.0, \(security\) CVE-2026-0001\)\nTo fetch it anyway, ask for it exactly: tiny@2\.0\.0/],
      ['tiny@~> 3.0', /no version of tiny matching "~> 3\.0" is available/],
      ['tiny@3.0.0', /tiny has no version 3\.0\.0\nIn the repository hexpm, versions: 2\.0\.0, 1\.2\.0-rc\.1, 1\.1\.0, 1\.0\.0, 0\.9\.0\./],
    ];
    for (const [spec, expected] of table) {
      const result = await runCli(['package', 'fetch', spec, '-o', join(dir, 'out')], { env });
      if (typeof expected === 'string') {
        assert.equal(result.code, 0, `${spec}: ${result.stderr}`);
        assert.match(result.stdout, new RegExp(`^tiny v${expected.replace(/\./g, '\\.')} downloaded to `), spec);
      } else {
        assert.equal(result.code, 1, spec);
        assert.match(result.stderr, expected, spec);
      }
    }
    const retired = await runCli(['--json', 'package', 'fetch', 'tiny@2.0.0', 'tiny@~> 1.0', '-o', join(dir, 'json')], { env });
    assert.equal(retired.code, 0, retired.stderr);
    assert.match(retired.stderr, /tiny 2\.0\.0 is retired: \(security\) CVE-2026-0001/);
    const listed = JSON.parse(retired.stdout);
    assert.deepEqual(listed.map((f: { version: string }) => f.version), ['2.0.0', '1.1.0']);
    assert.deepEqual(listed[0].retired, { reason: 'security', message: 'CVE-2026-0001' });
    assert.equal(listed[1].outer_checksum, sha256(tarballs.get('hexpm/tiny-1.1.0')!));
    assert.equal(listed[1].path, join(dir, 'json', 'tiny-1.1.0.tar'));

    const bad = await runCli(['package', 'fetch', 'tiny@~> one'], { env });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /"tiny@~> one": invalid requirement/);
    const badName = await runCli(['package', 'fetch', '../etc'], { env });
    assert.equal(badName.code, 2);
    assert.match(badName.stderr, /invalid package name "\.\.\/etc"/);
  });

  test('mix\'s `NAME VERSION` form: the version is that package\'s; a partial version is a usage error saying what to write', async () => {
    const dir = home();
    const result = await runCli(['package', 'fetch', 'tiny', '1.0.0', 'tiny', '0.9.0', '-o', dir], { env: cliEnv(registry, dir) });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, `tiny v1.0.0 downloaded to ${join(dir, 'tiny-1.0.0.tar')}\ntiny v0.9.0 downloaded to ${join(dir, 'tiny-0.9.0.tar')}\n`);
    assert.deepEqual(readFileSync(join(dir, 'tiny-0.9.0.tar')), tarballs.get('hexpm/tiny-0.9.0'));

    const partial = await runCli(['package', 'fetch', 'tiny', '1.0'], { env: cliEnv(registry, dir) });
    assert.equal(partial.code, 2);
    assert.equal(partial.stderr, 'error: "tiny 1.0": 1.0 is not a version\nGive a full version (tiny@1.0.0), or a requirement in quotes ("tiny@~> 1.0").\n');
  });

  test('a large tarball: a progress bar on a terminal\'s stderr, as uploads have; none with --no-progress, off a terminal, or for a small one', async () => {
    const project = makeProject({ app: 'bulky', version: '1.0.0' });
    cleanups.push(project.cleanup);
    mkdirSync(join(project.dir, 'priv'));
    writeFileSync(join(project.dir, 'priv', 'blob.bin'), randomBytes(1536 * 1024)); // random: it stays over 1 MiB gzipped
    const built = await runCli(['build', '-o', join(project.dir, 'bulky.tar')], { cwd: project.dir, env: cliEnv(registry, project.dir) });
    assert.equal(built.code, 0, built.stderr);
    const tarball = readFileSync(join(project.dir, 'bulky.tar'));
    await registry.publish(tarball, { publisher: 'pub' });

    const dir = home();
    const env = cliEnv(registry, dir);
    const shown = await runCli(['package', 'fetch', 'bulky', '-o', dir], { env, tty: true });
    assert.equal(shown.code, 0, shown.stderr);
    assert.deepEqual(readFileSync(join(dir, 'bulky-1.0.0.tar')), tarball);
    // Redrawn in place (\r), rising to 100%, then the line ends before anything else is written.
    const frames = shown.stderr.split('\r').filter(Boolean);
    assert.ok(frames.length >= 2, JSON.stringify(shown.stderr));
    for (const frame of frames) assert.match(frame, /^\[[# ]{25}\] \d{1,3}%\n?$/);
    const percents = frames.map((f) => Number(f.match(/(\d+)%/)![1]));
    assert.deepEqual(percents, [...percents].sort((a, b) => a - b));
    assert.equal(frames.at(-1), `[${'#'.repeat(25)}] 100%\n`);

    for (const [flags, tty] of [[['--no-progress'], true], [[], false]] as const) {
      const quiet = await runCli(['package', 'fetch', 'bulky', '-o', dir, ...flags], { env, tty });
      assert.equal(quiet.code, 0, quiet.stderr);
      assert.equal(quiet.stderr, '');
    }
    const small = await runCli(['package', 'fetch', 'tiny@1.0.0', '-o', dir], { env, tty: true });
    assert.equal(small.code, 0, small.stderr);
    assert.equal(small.stderr, '');
  });

  test('a failing package among several: the others are saved, each failure named, exit 1', async () => {
    const dir = home();
    const result = await runCli(['package', 'fetch', 'tiny', 'nosuch', '-o', dir], { env: cliEnv(registry, dir) });
    assert.equal(result.code, 1);
    assert.match(result.stdout, /^tiny v1\.1\.0 downloaded to /);
    assert.match(result.stderr, /error: nosuch: no package nosuch in the public repository \(hexpm\)/);
    assert.match(result.stderr, /error: 1 of 2 packages could not be fetched/);
  });

  test('--output - writes exactly the tarball to stdout and nothing else', async () => {
    const dir = home();
    const chunks: Buffer[] = [];
    const stdout = new PassThrough();
    stdout.on('data', (c: Buffer) => chunks.push(c));
    const stderr = new PassThrough();
    let err = '';
    stderr.on('data', (c) => (err += c));
    const code = await main(['package', 'fetch', 'tiny@1.0.0', '--output', '-'], {
      streams: { stdin: Readable.from([]), stdout, stderr },
      env: cliEnv(registry, dir),
      cwd: dir,
    });
    assert.equal(code, 0, err);
    assert.deepEqual(Buffer.concat(chunks), tarballs.get('hexpm/tiny-1.0.0'));
    assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.tar')), []);

    for (const argv of [['tiny', '--output', '-', '--unpack'], ['tiny', 'billing', '--output', '-']]) {
      const refused = await runCli(['package', 'fetch', ...argv], { env: cliEnv(registry, dir) });
      assert.equal(refused.code, 2, argv.join(' '));
    }
  });

  test('--unpack: the files and hex_metadata.config, in -o DIR for one package', async () => {
    const dir = home();
    const target = join(dir, 'unpacked');
    const result = await runCli(['package', 'fetch', 'tiny@1.0.0', '--unpack', '-o', target], { env: cliEnv(registry, dir) });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, `tiny v1.0.0 extracted to ${target}\n`);
    assert.deepEqual(readdirSync(target, { recursive: true }).sort(), ['hex_metadata.config', 'lib', 'lib/tiny.ex', 'mix.exs']);
    assert.match(readFileSync(join(target, 'hex_metadata.config'), 'utf8'), /\{<<"version">>,<<"1\.0\.0">>\}\./);
  });

  test('registry files are cached with their ETag: the next run asks If-None-Match and reuses the copy', async () => {
    const dir = home();
    const env = cliEnv(registry, dir);
    assert.equal((await runCli(['package', 'fetch', 'tiny@1.0.0', '-o', dir], { env })).code, 0);
    registry.clearRequests();
    assert.equal((await runCli(['package', 'fetch', 'tiny@1.1.0', '-o', dir], { env })).code, 0);
    const index = registry.requests().find((r) => r.path === '/repo/packages/tiny')!;
    assert.match(index.headers['if-none-match'] ?? '', /^"[0-9a-f]{32}"$/);
    assert.equal(index.status, 304);
    const cacheDir = join(dir, '.config', 'hexts', 'cache', 'registry');
    for (const file of readdirSync(cacheDir)) assert.equal(statSync(join(cacheDir, file)).mode & 0o777, 0o600);

    // A cached copy altered on disk: the 304 is not trusted, the file is fetched whole again.
    for (const file of readdirSync(cacheDir)) {
      const data = readFileSync(join(cacheDir, file));
      data[data.length - 1] ^= 0xff;
      writeFileSync(join(cacheDir, file), data);
    }
    registry.clearRequests();
    const again = await runCli(['package', 'fetch', 'tiny@0.9.0', '-o', dir], { env });
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(registry.requests().filter((r) => r.path === '/repo/packages/tiny').map((r) => [r.status, r.headers['if-none-match'] !== undefined]), [[304, true], [200, false]]);
  });
});

describe('what a tampered registry or tarball gets', () => {
  const viaProxy = (dir: string, extra: Record<string, string> = {}) => cliEnv(registry, dir, { HEX_REPO_URL: `${proxy.url}/repo`, ...extra });

  test('a tampered signature: refused, nothing written', async () => {
    proxy.reset();
    proxy.rewrite('/repo/packages/tiny', (body) => {
      const signed = decodeSigned(gunzipSync(body));
      const payload = Buffer.from(signed.payload);
      payload[payload.indexOf('1.0.0')] = '9'.charCodeAt(0); // 1.0.0 becomes 9.0.0
      return gzipSync(encodeSigned({ payload, signature: signed.signature }));
    });
    const dir = home();
    const result = await runCli(['package', 'fetch', 'tiny', '-o', dir], { env: viaProxy(dir) });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /error: signature verification failed for package tiny from repository hexpm\nThe configured key \(SHA256:[A-Za-z0-9+/]+, repo_public_key\) does not verify it/);
    assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.tar')), []);
  });

  test('a validly signed file of another repository: refused by name', async () => {
    proxy.reset();
    // The man in the middle answers for hexpm's "billing" with acme's, which the same key signed.
    proxy.rewrite('/repo/packages/billing', (_body, upstream) => upstream('/repo/repos/acme/packages/billing', { authorization: orgKey }));
    await publish('billing', '9.9.9'); // a public package of the same name, so the request is answered
    const dir = home();
    const result = await runCli(['package', 'fetch', 'billing', '-o', dir], { env: viaProxy(dir) });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /error: package billing from repository hexpm says it belongs to repository "acme"/);
    assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.tar')), []);
  });

  test('a tarball that is not the signed one: checksum mismatch, nothing written', async () => {
    proxy.reset();
    proxy.rewrite('/repo/tarballs/tiny-1.1.0.tar', () => tarballs.get('hexpm/tiny-1.0.0')!);
    const dir = home();
    for (const unpack of [[], ['--unpack']]) {
      const result = await runCli(['package', 'fetch', 'tiny@1.1.0', ...unpack], { env: viaProxy(dir), cwd: dir });
      assert.equal(result.code, 1);
      assert.match(result.stderr, new RegExp(`error: Checksum mismatch against registry \\(outer\\): the registry says ${sha256(tarballs.get('hexpm/tiny-1.1.0')!)}, the download is ${sha256(tarballs.get('hexpm/tiny-1.0.0')!)}`));
      assert.match(result.stderr, /nothing was written/);
      assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith('tiny')), []);
    }
  });

  test('a repository key pinned on first use: warned with its fingerprint, then required', async () => {
    const dir = home();
    const env = cliEnv(registry, dir, { HEXTS_REPO_PUBLIC_KEY_PATH: undefined });
    const first = await runCli(['package', 'fetch', 'tiny@1.0.0', '-o', dir], { env });
    assert.equal(first.code, 0, first.stderr);
    const pins = join(dir, '.config', 'hexts', 'repository-keys.json');
    const fingerprint = publicKeyFingerprint(registry.repoPublicKeyPem);
    assert.ok(first.stderr.includes(`Pinned the public key of ${registry.repoUrl} on first use: ${fingerprint}.`), first.stderr);
    assert.equal(statSync(pins).mode & 0o777, 0o600);
    assert.equal(JSON.parse(readFileSync(pins, 'utf8')).keys[registry.repoUrl].public_key, registry.repoPublicKeyPem);

    const second = await runCli(['package', 'fetch', 'tiny@1.1.0', '-o', dir], { env });
    assert.equal(second.code, 0, second.stderr);
    assert.doesNotMatch(second.stderr, /Pinned/);

    // The registry "changes" its key: the pinned one no longer verifies.
    const other = readFileSync(new URL('../fixtures/repository/test-public.pem', import.meta.url), 'utf8');
    const file = JSON.parse(readFileSync(pins, 'utf8'));
    file.keys[registry.repoUrl].public_key = other;
    writeFileSync(pins, JSON.stringify(file));
    const third = await runCli(['package', 'fetch', 'tiny@0.9.0', '-o', dir], { env });
    assert.equal(third.code, 1);
    assert.match(third.stderr, /signature verification failed for package tiny from repository hexpm\nThe key pinned for .* in .*repository-keys\.json \(SHA256:/);
  });

  test('a tarball with a path escape, signed by a compromised registry: refused by the safe reader', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'hexts-evil-registry-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const first = await testRegistry({ dataDir });
    first.createUser({ username: 'pub', password: 'correct horse battery' });
    await first.publish(await makeTarball({ name: 'evil', version: '1.0.0' }), { publisher: 'pub' });
    await first.stop();

    // Swap the stored tarball for one whose contents escape, and make the registry sign it.
    const metadata = Buffer.from('{<<"name">>,<<"evil">>}.\n{<<"version">>,<<"1.0.0">>}.\n');
    const contents = gzip(buildTar([fileEntry('lib/evil.ex', 'x'), fileEntry('../escape.txt', 'gotcha')]));
    const inner = createHash('sha256').update('3').update(metadata).update(contents).digest('hex').toUpperCase();
    const evil = buildTar([fileEntry('VERSION', '3'), fileEntry('CHECKSUM', inner), fileEntry('metadata.config', metadata), fileEntry('contents.tar.gz', contents)]);
    writeFileSync(join(dataDir, 'store', 'tarballs', 'evil-1.0.0.tar'), evil);
    const state = JSON.parse(readFileSync(join(dataDir, 'state.json'), 'utf8'));
    const release = state.data.releases.find((r: { version: string }) => r.version === '1.0.0');
    Object.assign(release, { innerChecksum: inner, outerChecksum: sha256(evil) });
    writeFileSync(join(dataDir, 'state.json'), JSON.stringify(state));

    const compromised = await testRegistry({ dataDir });
    try {
      const dir = home();
      const target = join(dir, 'deep', 'evil');
      const result = await runCli(['package', 'fetch', 'evil', '--unpack', '-o', target], { env: cliEnv(compromised, dir) });
      assert.equal(result.code, 1);
      assert.match(result.stderr, /error: unsafe path in tarball: \.\.\/escape\.txt/);
      assert.ok(!existsSync(target));
      assert.ok(!existsSync(join(dir, 'deep')), 'not even the directory made to hold it');
    } finally {
      await compromised.stop();
    }
  });
});

describe('fifty packages', () => {
  test('fetched concurrently, never more than HEX_HTTP_CONCURRENCY requests in flight, over kept-alive connections', async () => {
    const names = Array.from({ length: 50 }, (_, i) => `many_${String(i).padStart(2, '0')}`);
    for (const name of names) await publish(name, '1.0.0');
    proxy.reset();
    proxy.delayMs = 40;
    const dir = home();
    const result = await runCli(['package', 'fetch', ...names, '-o', dir], { env: cliEnv(registry, dir, { HEX_REPO_URL: `${proxy.url}/repo`, HEX_HTTP_CONCURRENCY: '4' }) });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(readdirSync(dir).filter((f) => f.endsWith('.tar')).length, 50);
    for (const name of names) assert.deepEqual(readFileSync(join(dir, `${name}-1.0.0.tar`)), tarballs.get(`hexpm/${name}-1.0.0`));
    assert.equal(proxy.requests.length, 100);
    // Four in flight at once (each answer waits 40 ms, so they overlap), and never more.
    assert.equal(proxy.maxInFlight, 4);
    assert.ok(proxy.connections <= 4, `${proxy.connections} connections`);
  });
});
