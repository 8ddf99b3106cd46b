// The registry builder against the real `mix hex.registry build` (test/fixtures/registry-build,
// README there): the same printed lines and the same files, byte for byte, run after run; then
// what hexts adds: everything checked before anything is written, retirements kept in
// retirements.json, publishing into the directory, the key kept out of it.
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, describe, test } from 'node:test';
import { readRegistrySigningKey, type RegistrySigningKey } from '../../src/credentials/registry-key.js';
import { CliError, UsageError } from '../../src/errors.js';
import { compareBytes } from '../../src/package/files.js';
import { decodeSigned, type Package } from '../../src/repository/protobuf.js';
import { buildRegistryFiles, type RegistryPackage } from '../../src/repository/registry-builder.js';
import { openRegistryResource, sealRegistryResource } from '../../src/repository/signing.js';
import {
  buildStaticRepository,
  changeLine,
  publishToDirectory,
  retireInDirectory,
  unretireInDirectory,
  type StaticDirectory,
} from '../../src/repository/static-directory.js';
import { gunzipSync } from 'node:zlib';

const FIXTURES = new URL('../fixtures/registry-build/', import.meta.url).pathname;
const KEYS = join(FIXTURES, 'keys');
const fixtureTarball = (name: string) => join(FIXTURES, 'tarballs', `${name}.tar`);

const scratchDirs: string[] = [];
after(() => {
  for (const dir of scratchDirs) rmSync(dir, { recursive: true, force: true });
});
function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), 'hexts-regbuild-'));
  scratchDirs.push(dir);
  return dir;
}

const key = (name: string, cwd = KEYS, dir = 'public') => readRegistrySigningKey(cwd, join(KEYS, name), dir);

/** A build of `cwd/dir` as repository acme: the printed lines and the warnings. */
async function build(cwd: string, dir: string, keyName = 'key.pem'): Promise<{ lines: string[]; warnings: string[] }> {
  const lines: string[] = [];
  const warnings: string[] = [];
  await buildStaticRepository({ cwd, dir, key: await key(keyName, cwd, dir), onChange: (c) => lines.push(changeLine(c)), onWarning: (w) => warnings.push(w) }, 'acme');
  return { lines, warnings };
}

/** Every file under `dir` but the tarballs, relative and sorted. */
function registryFiles(dir: string): string[] {
  const walk = (at: string): string[] =>
    readdirSync(at).flatMap((name) => {
      const path = join(at, name);
      if (statSync(path).isDirectory()) return name === 'tarballs' && at === dir ? [] : walk(path);
      return [relative(dir, path)];
    });
  return walk(dir).sort(compareBytes);
}

/** The directory holds exactly mix's files of `run`, byte for byte. */
function assertSameFiles(dir: string, expectedDir: string): void {
  assert.deepEqual(registryFiles(dir), registryFiles(expectedDir));
  for (const file of registryFiles(expectedDir)) {
    assert.ok(readFileSync(join(dir, file)).equals(readFileSync(join(expectedDir, file))), `${file} differs from mix's`);
  }
}

const expectedLines = (run: string) => readFileSync(join(FIXTURES, 'runs', run, 'stdout'), 'utf8').trimEnd().split('\n');

function addTarball(publicDir: string, name: string, mtime: number, as = name): void {
  const path = join(publicDir, 'tarballs', `${as}.tar`);
  cpSync(fixtureTarball(name), path);
  utimesSync(path, mtime, mtime);
}

describe('byte for byte what mix hex.registry build does', () => {
  const cwd = scratch();
  const publicDir = join(cwd, 'public');
  const replay = async (run: string, keyName = 'key.pem') => {
    assert.deepEqual((await build(cwd, 'public', keyName)).lines, expectedLines(run));
    assertSameFiles(publicDir, join(FIXTURES, 'runs', run, 'public'));
  };

  // One directory through the runs of registry-runs.sh, in order.
  test('run0: an empty directory gets public_key, tarballs/, names and versions', () => replay('run0-empty'));

  test('run1: seven tarballs; updated_at from the newest mtime, releases and dependencies in mix\'s order', async () => {
    const mtimes: Array<[string, number]> = [['foo-0.1.0', 1700000000], ['foo-1.0.0', 1700000100], ['bar-1.0.0', 1700000200], ['baz-0.2.0', 1700000300], ['qux-1.9.0', 1700000400], ['qux-2.0.0-rc.1', 1700000500], ['zap-0.1.0', 1700000600]];
    for (const [name, mtime] of mtimes) addTarball(publicDir, name, mtime);
    await replay('run1-add');
  });

  test('run2: nothing changed, every file rewritten with the same bytes', () => replay('run2-same'));

  test('run3: a touched tarball, a new release, a package removed (its file too)', async () => {
    utimesSync(join(publicDir, 'tarballs', 'bar-1.0.0.tar'), 1700002000, 1700002000);
    addTarball(publicDir, 'foo-1.1.0', 1700001000);
    rmSync(join(publicDir, 'tarballs', 'qux-1.9.0.tar'));
    rmSync(join(publicDir, 'tarballs', 'qux-2.0.0-rc.1.tar'));
    await replay('run3-change');
  });

  test('run4: another key replaces public_key, said as mix says it', () => replay('run4-other-key', 'other-key.pem'));

  test('run5: the first key again, as a PKCS#1 file: the files of run3', () => replay('run5-pkcs1', 'key-pkcs1.pem'));
});

test('PUBLIC_DIR with a trailing slash is printed as mix prints it', async () => {
  const cwd = scratch();
  mkdirSync(join(cwd, 'pub2', 'tarballs'), { recursive: true });
  for (const name of ['foo-0.1.0', 'foo-1.0.0', 'bar-1.0.0', 'baz-0.2.0', 'qux-1.9.0', 'qux-2.0.0-rc.1', 'zap-0.1.0']) addTarball(join(cwd, 'pub2'), name, 1700000000);
  assert.deepEqual((await build(cwd, 'pub2/')).lines, expectedLines('run6-trailing-slash'));
});

test('a misnamed tarball is listed under its file name, as by mix, and the user is told', async () => {
  const cwd = scratch();
  mkdirSync(join(cwd, 'misnamed', 'tarballs'), { recursive: true });
  addTarball(join(cwd, 'misnamed'), 'foo-1.0.0', 1700000100, 'bar-9.9.9');
  const { lines, warnings } = await build(cwd, 'misnamed');
  assert.deepEqual(lines, expectedLines('edge-misnamed'));
  assertSameFiles(join(cwd, 'misnamed'), join(FIXTURES, 'runs', 'edge-misnamed', 'public'));
  assert.deepEqual(warnings, [
    'misnamed/tarballs/bar-9.9.9.tar holds foo 1.0.0 but is listed as bar 1.0.0 (as with mix, the package name comes from the file name), which clients download from misnamed/tarballs/bar-1.0.0.tar: rename the file to foo-1.0.0.tar',
  ]);
});

test('release order: pre-releases first, rc.2 before rc.10, versions equal but for build metadata in reverse file order', async () => {
  const cwd = scratch();
  const source = join(FIXTURES, 'version-order');
  mkdirSync(join(cwd, 'M', 'tarballs'), { recursive: true });
  readdirSync(join(source, 'tarballs')).sort(compareBytes).forEach((file, i) => {
    const path = join(cwd, 'M', 'tarballs', file);
    cpSync(join(source, 'tarballs', file), path);
    utimesSync(path, 1700000100 + 100 * i, 1700000100 + 100 * i);
  });
  assert.deepEqual((await build(cwd, 'M')).lines, ['* creating M/public_key', '* creating M/packages/foo', '* creating M/names', '* creating M/versions']);
  assertSameFiles(join(cwd, 'M'), join(source, 'public'));
  const versions = openRegistryResource(readFileSync(join(cwd, 'M', 'versions')), readFileSync(join(cwd, 'M', 'public_key'), 'utf8'), { repository: 'acme', kind: 'versions' });
  assert.deepEqual(versions.packages[0]!.versions, ['1.0.0+b', '1.0.0+a', '2.0.0-alpha', '2.0.0-rc.2', '2.0.0-rc.10']);
});

test('the core alone: mix\'s release records give mix\'s files; hexpm\'s encoding leaves out the dependency defaults', async () => {
  const expectedDir = join(FIXTURES, 'runs', 'run3-change', 'public');
  const publicKey = readFileSync(join(expectedDir, 'public_key'), 'utf8');
  const names = openRegistryResource(readFileSync(join(expectedDir, 'names')), publicKey, { repository: 'acme', kind: 'names' });
  const packages: RegistryPackage[] = names.packages.map(({ name, updatedAt }) => {
    const pkg: Package = openRegistryResource(readFileSync(join(expectedDir, 'packages', name)), publicKey, { repository: 'acme', kind: 'package', name });
    // Out of order on purpose: the builder orders releases and dependencies itself.
    return { name, updatedAt, releases: pkg.releases.map((r) => ({ ...r, dependencies: [...r.dependencies].reverse(), outerChecksum: r.outerChecksum! })).reverse() };
  });
  const signingKey = (await key('key.pem')).privateKey;
  const files = buildRegistryFiles('acme', packages.reverse(), signingKey, 'mix');
  assert.ok(files.names.equals(readFileSync(join(expectedDir, 'names'))));
  assert.ok(files.versions.equals(readFileSync(join(expectedDir, 'versions'))));
  assert.deepEqual([...files.packages.keys()], ['bar', 'baz', 'foo', 'zap']);
  for (const [name, file] of files.packages) assert.ok(file.equals(readFileSync(join(expectedDir, 'packages', name))), name);

  const zap = (encoding: 'mix' | 'hexpm') => {
    const file = buildRegistryFiles('acme', packages, signingKey, encoding).packages.get('zap')!;
    return openRegistryResource(file, publicKey, { repository: 'acme', kind: 'package', name: 'zap' }).releases[0]!.dependencies;
  };
  // mix: by package name, optional and app always; hexpm: by repository first, defaults left out.
  assert.deepEqual(zap('mix'), [
    { package: 'absinthe', requirement: '~> 1.7', optional: false, app: 'absinthe', repository: 'hexpm' },
    { package: 'bar', requirement: '~> 1.0', optional: false, app: 'bar' },
    { package: 'jason', requirement: '~> 1.4', optional: false, app: 'json_lib', repository: 'hexpm' },
  ]);
  assert.deepEqual(zap('hexpm'), [
    { package: 'bar', requirement: '~> 1.0' },
    { package: 'absinthe', requirement: '~> 1.7', repository: 'hexpm' },
    { package: 'jason', requirement: '~> 1.4', app: 'json_lib', repository: 'hexpm' },
  ]);
});

test('sealing gzips as Erlang\'s zlib:gzip/1: mix\'s files re-sealed from their payloads are the same bytes', async () => {
  const signingKey = (await key('key.pem')).privateKey;
  const dir = join(FIXTURES, 'runs', 'run1-add', 'public');
  for (const file of ['names', 'versions', 'packages/bar', 'packages/baz', 'packages/foo', 'packages/qux', 'packages/zap']) {
    const original = readFileSync(join(dir, file));
    assert.ok(sealRegistryResource(decodeSigned(gunzipSync(original)).payload, signingKey).equals(original), file);
  }
});

test('a bad tarball is named, and nothing is written before everything has been read', async () => {
  const cwd = scratch();
  mkdirSync(join(cwd, 'public', 'tarballs'), { recursive: true });
  addTarball(join(cwd, 'public'), 'foo-1.0.0', 1700000000);
  writeFileSync(join(cwd, 'public', 'tarballs', 'junk-1.0.0.tar'), 'not a tarball\n');
  await assert.rejects(build(cwd, 'public'), (err: unknown) => {
    assert.ok(err instanceof CliError);
    assert.match(err.message, /^public\/tarballs\/junk-1\.0\.0\.tar is not a valid package tarball: /);
    return true;
  });
  assert.deepEqual(readdirSync(join(cwd, 'public')), ['tarballs']);
});

describe('retirements, kept in retirements.json', () => {
  const cwd = scratch();
  const publicDir = join(cwd, 'public');
  let target: StaticDirectory;
  const publicKey = () => readFileSync(join(publicDir, 'public_key'), 'utf8');
  const versions = () => openRegistryResource(readFileSync(join(publicDir, 'versions')), publicKey(), { repository: 'acme', kind: 'versions' });
  const foo = () => openRegistryResource(readFileSync(join(publicDir, 'packages', 'foo')), publicKey(), { repository: 'acme', kind: 'package', name: 'foo' });

  test('retiring writes the sidecar and signs the retirement into versions and packages/NAME', async () => {
    target = { cwd, dir: 'public', key: await key('key.pem', cwd) };
    await build(cwd, 'public');
    for (const [name, mtime] of [['foo-0.1.0', 1700000000], ['foo-1.0.0', 1700000100], ['bar-1.0.0', 1700000200], ['baz-0.2.0', 1700000300], ['qux-1.9.0', 1700000400], ['qux-2.0.0-rc.1', 1700000500], ['zap-0.1.0', 1700000600]] as const) {
      addTarball(publicDir, name, mtime);
    }
    await build(cwd, 'public');
    const lines: string[] = [];
    await retireInDirectory({ ...target, onChange: (c) => lines.push(changeLine(c)) }, 'foo', '1.0.0', { reason: 'security', message: 'CVE-2026-1, use 1.1.0' });
    await retireInDirectory(target, 'qux', '2.0.0-rc.1', { reason: 'invalid' });
    assert.deepEqual(lines, expectedLines('run2-same'));
    assert.deepEqual(JSON.parse(readFileSync(join(publicDir, 'retirements.json'), 'utf8')), {
      foo: { '1.0.0': { reason: 'security', message: 'CVE-2026-1, use 1.1.0' } },
      qux: { '2.0.0-rc.1': { reason: 'invalid' } },
    });
    assert.deepEqual(versions().packages.map((p) => [p.name, p.retired]), [['bar', []], ['baz', []], ['foo', [1]], ['qux', [1]], ['zap', []]]);
    assert.deepEqual(foo().releases.map((r) => r.retired), [undefined, { reason: 'security', message: 'CVE-2026-1, use 1.1.0' }]);
  });

  test('a plain build keeps them (mix would drop them)', async () => {
    await build(cwd, 'public');
    assert.deepEqual(versions().packages.find((p) => p.name === 'foo')!.retired, [1]);
  });

  test('a release that is not there is refused, naming those that are', async () => {
    await assert.rejects(retireInDirectory(target, 'foo', '9.9.9', { reason: 'other', message: 'gone' }), (err: unknown) => {
      assert.ok(err instanceof CliError);
      assert.equal(err.message, 'acme in public has no release foo 9.9.9');
      assert.equal(err.hint, 'Its releases of foo: 0.1.0, 1.0.0.');
      return true;
    });
  });

  test('unretiring both gives mix\'s files again', async () => {
    assert.equal((await unretireInDirectory(target, 'foo', '1.0.0')).wasRetired, true);
    assert.equal((await unretireInDirectory(target, 'qux', '2.0.0-rc.1')).wasRetired, true);
    assert.equal((await unretireInDirectory(target, 'qux', '2.0.0-rc.1')).wasRetired, false);
    assert.deepEqual(JSON.parse(readFileSync(join(publicDir, 'retirements.json'), 'utf8')), {});
    rmSync(join(publicDir, 'retirements.json'));
    assertSameFiles(publicDir, join(FIXTURES, 'runs', 'run1-add', 'public'));
  });

  test('a retirements.json that is not one is named, with its shape', async () => {
    writeFileSync(join(publicDir, 'retirements.json'), JSON.stringify({ foo: { '1.0.0': { reason: 'broken' } } }));
    await assert.rejects(build(cwd, 'public'), /^CliError: public\/retirements\.json: foo 1\.0\.0: "reason" must be one of other, invalid, security, deprecated, renamed$/);
    rmSync(join(publicDir, 'retirements.json'));
  });
});

describe('publishing into the directory', () => {
  const cwd = scratch();
  const publicDir = join(cwd, 'public');
  let target: StaticDirectory;

  test('needs a repository there, signed by the key', async () => {
    target = { cwd, dir: 'public', key: await key('key.pem', cwd) };
    await assert.rejects(publishToDirectory(target, readFileSync(fixtureTarball('foo-1.0.0'))), /^CliError: public holds no repository yet \(no public\/names\)$/);
    await build(cwd, 'public', 'other-key.pem');
    await assert.rejects(publishToDirectory(target, readFileSync(fixtureTarball('foo-1.0.0'))), /^CliError: public\/names is not signed by this private key$/);
    await build(cwd, 'public');
  });

  test('copies the tarball to tarballs/NAME-VERSION.tar and rebuilds; the reader verifies the result', async () => {
    const lines: string[] = [];
    const published = await publishToDirectory({ ...target, onChange: (c) => lines.push(changeLine(c)) }, readFileSync(fixtureTarball('bar-1.0.0')));
    assert.equal(published.tarball, 'public/tarballs/bar-1.0.0.tar');
    assert.equal(published.copied, true);
    assert.deepEqual(lines, ['* creating public/packages/bar', '* updating public/names', '* updating public/versions']);
    assert.ok(readFileSync(join(publicDir, 'tarballs', 'bar-1.0.0.tar')).equals(readFileSync(fixtureTarball('bar-1.0.0'))));
    const publicKey = readFileSync(join(publicDir, 'public_key'), 'utf8');
    const bar = openRegistryResource(readFileSync(join(publicDir, 'packages', 'bar')), publicKey, { repository: 'acme', kind: 'package', name: 'bar' });
    assert.deepEqual(bar.releases.map((r) => [r.version, r.dependencies]), [['1.0.0', [{ package: 'foo', requirement: '~> 1.0', optional: false, app: 'foo' }]]]);
    const names = openRegistryResource(readFileSync(join(publicDir, 'names')), publicKey, { repository: 'acme', kind: 'names' });
    assert.deepEqual(names.packages.map((p) => p.name), ['bar']);
    assert.ok(Math.abs(names.packages[0]!.updatedAt!.seconds - Date.now() / 1000) < 3600);
  });

  test('the same tarball again is no change; a different one of that release only with replace', async () => {
    assert.equal((await publishToDirectory(target, readFileSync(fixtureTarball('bar-1.0.0')))).copied, false);
    cpSync(fixtureTarball('foo-1.0.0'), join(publicDir, 'tarballs', 'foo-1.0.0.tar'));
    const otherBuild = readFileSync(fixtureTarball('foo-0.1.0'));
    writeFileSync(join(publicDir, 'tarballs', 'foo-0.1.0.tar'), readFileSync(fixtureTarball('foo-1.1.0')));
    await assert.rejects(publishToDirectory(target, otherBuild), (err: unknown) => {
      assert.ok(err instanceof CliError);
      assert.equal(err.message, 'public/tarballs/foo-0.1.0.tar already exists with different contents: foo 0.1.0 is already published in acme');
      return true;
    });
    assert.ok(readFileSync(join(publicDir, 'tarballs', 'foo-0.1.0.tar')).equals(readFileSync(fixtureTarball('foo-1.1.0'))));
    assert.equal((await publishToDirectory(target, otherBuild, { replace: true })).copied, true);
    assert.ok(readFileSync(join(publicDir, 'tarballs', 'foo-0.1.0.tar')).equals(otherBuild));
  });

  test('what is not a package tarball is refused', async () => {
    await assert.rejects(publishToDirectory(target, Buffer.from('nope')), /^CliError: not a valid package tarball: /);
  });
});

describe('the private key', () => {
  test('is refused inside PUBLIC_DIR, as named or through a link', async () => {
    const cwd = scratch();
    mkdirSync(join(cwd, 'public'));
    cpSync(join(KEYS, 'key.pem'), join(cwd, 'public', 'key.pem'));
    symlinkSync(join(cwd, 'public', 'key.pem'), join(cwd, 'outside.pem'));
    symlinkSync(join(cwd, 'public'), join(cwd, 'alias'));
    for (const [path, dir] of [['public/key.pem', 'public'], ['outside.pem', 'public'], ['public/key.pem', 'alias'], ['./public/../public/key.pem', 'public/']]) {
      await assert.rejects(readRegistrySigningKey(cwd, path!, dir!), (err: unknown) => {
        assert.ok(err instanceof UsageError, String(err));
        assert.equal(err.message, `the private key ${path} is inside ${dir}, the directory that is published`);
        return true;
      });
    }
    // Beside it is fine, also when PUBLIC_DIR does not exist yet.
    await readRegistrySigningKey(cwd, 'outside.pem', 'elsewhere/new');
    assert.equal(existsSync(join(cwd, 'elsewhere')), false);
  });

  test('must be an unencrypted RSA private key; public_key is its public half as mix writes it', async () => {
    const cwd = scratch();
    const signing: RegistrySigningKey = await readRegistrySigningKey(KEYS, 'key.pem', cwd);
    assert.equal(signing.publicKeyPem, readFileSync(join(FIXTURES, 'runs', 'run1-add', 'public', 'public_key'), 'utf8'));
    assert.match(signing.publicKeyPem, /^-----BEGIN RSA PUBLIC KEY-----\n[\s\S]+\n-----END RSA PUBLIC KEY-----\n\n$/);
    writeFileSync(join(cwd, 'public.pem'), signing.publicKeyPem);
    writeFileSync(join(cwd, 'junk.pem'), 'junk\n');
    await assert.rejects(readRegistrySigningKey(cwd, 'public.pem', 'public'), /^CliError: public\.pem is a public key, not an RSA private key$/);
    await assert.rejects(readRegistrySigningKey(cwd, 'junk.pem', 'public'), /^CliError: junk\.pem is not an RSA private key in PEM form$/);
    await assert.rejects(readRegistrySigningKey(cwd, 'missing.pem', 'public'), /^CliError: cannot read the private key missing\.pem: no such file \(ENOENT\)$/);
  });
});
