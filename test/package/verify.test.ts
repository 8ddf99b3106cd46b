// verifyRelease: a release tarball against the tarball its source builds. Every release mix
// built in the reference corpus matches its project (one of them walked with an unsorted
// readdir order), so do hexts's own builds in any directory order and an OTP 26-like key order;
// and each change to a source that can be made is named.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chmodSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, test } from 'node:test';
import { resolveAssumptions } from '../../src/elixir/assumptions.js';
import { compareBytes } from '../../src/package/files.js';
import { preparePackage } from '../../src/package/project.js';
import { createProjectTarball } from '../../src/package/tarball.js';
import { verifyRelease, type VerifyReport } from '../../src/package/verify.js';
import { CONSTRUCTS_DIR, builtCaseNames, copyProject, loadBuiltCase } from '../helpers/corpus.js';
import { ASSUMED, tempDir, tempProject } from './project-helpers.js';
import { buildTar, fileEntry, readWithNodeTar } from './tarball-helpers.js';

const verify = (tarball: Buffer, source: string, name: string, version: string, env: Record<string, string> = {}, assumptions = ASSUMED) =>
  verifyRelease(tarball, { source, name, version, env, assumptions });

describe('releases that match their source', () => {
  for (const root of [undefined, CONSTRUCTS_DIR]) {
    for (const name of builtCaseNames(root)) {
      test(`${root ? 'construct' : 'corpus'} ${name}: mix's tarball`, async () => {
        const c = loadBuiltCase(name, root);
        const env: Record<string, string> = c.info.mix_env && c.info.mix_env !== 'dev' ? { MIX_ENV: c.info.mix_env } : {};
        const assumptions = c.info.elixir_version ? resolveAssumptions(env, { elixirVersion: c.info.elixir_version, otpRelease: c.info.otp_release }) : ASSUMED;
        const [pkg, version] = [c.tarballName.replace(/-\d.*$/, ''), c.tarballName.replace(/^.*?-(\d.*)\.tar$/, '$1')];
        const report = await verify(c.tarball, copyProject(c, tempDir()), pkg, version, env, assumptions);
        assert.deepEqual({ match: report.match, files: report.files, metadata: report.metadata }, { match: true, files: [], metadata: [] });
        assert.equal(report.releaseChecksum, c.outerSha256);
        assert.equal(report.sourceChecksum, c.outerSha256);
      });
    }
  }

  test('ref_fancy: mix walked priv/ in readdir order (static before scripts), which the release records', async () => {
    const c = loadBuiltCase('ref_fancy');
    assert.ok(c.files.indexOf('priv/static') < c.files.indexOf('priv/scripts'), 'the fixture is unsorted');
    const report = await verify(c.tarball, copyProject(c, tempDir()), 'fancy_pkg', '0.2.0-rc.1');
    assert.equal(report.match, true);
  });

  test('a hexts build in a reversed directory order, and one with OTP 26-like key order', async () => {
    const source = smallProject();
    const reversed = (dir: string) => readdirSync(dir).sort(compareBytes).reverse();
    const keys = ['links', 'name', 'version', 'description', 'elixir', 'files', 'app', 'licenses', 'requirements', 'build_tools'];
    for (const options of [{ listDir: reversed }, { metadataOrder: { keys, requirementKeys: ['name', 'app', 'optional', 'requirement', 'repository'] } }]) {
      const tarball = await build(source, options);
      const report = await verify(tarball, source, 'small', '1.0.0');
      assert.equal(report.match, true, JSON.stringify(report.files));
      // Without the release's orders the source would not give the same bytes.
      assert.notEqual(report.releaseChecksum, (await plainBuild(source)).outerChecksum);
    }
  });
});

describe('what a mismatch names', () => {
  test('a changed text file: the first entry that differs, and a unified diff', async () => {
    const { report } = await changed((dir) => writeFileSync(join(dir, 'lib/b.ex'), 'defmodule B do\n  def b, do: :changed\nend\n'));
    assert.equal(report.match, false);
    assert.deepEqual(report.firstDifference, { member: 'contents.tar.gz', index: 1, release: 'lib/b.ex', source: 'lib/b.ex', detail: 'content' });
    assert.deepEqual(report.files.map((f) => [f.path, f.status, f.binary]), [['lib/b.ex', 'content', false]]);
    assert.deepEqual(report.files[0]!.hunks[0]!.lines, [
      { kind: ' ', text: 'defmodule B do\n' },
      { kind: '-', text: '  def b, do: :b\n' },
      { kind: '+', text: '  def b, do: :changed\n' },
      { kind: ' ', text: 'end\n' },
    ]);
    assert.deepEqual(report.metadata, []);
  });

  test('a binary file: named with both sizes, no diff', async () => {
    const { report } = await changed((dir) => writeFileSync(join(dir, 'priv/logo.bin'), Buffer.from([0, 1, 2, 3, 4])));
    assert.deepEqual(report.files.map((f) => [f.path, f.status, f.binary, f.releaseSize, f.sourceSize, f.hunks.length]), [['priv/logo.bin', 'content', true, 3, 5, 0]]);
  });

  test('a file only in the source, and one only in the release (and the files key that lists them)', async () => {
    const { report } = await changed((dir) => {
      writeFileSync(join(dir, 'lib/extra.ex'), 'defmodule Extra do\nend\n');
      rmSync(join(dir, 'lib/a.ex'));
    });
    assert.deepEqual(report.files.map((f) => [f.path, f.status]), [['lib/a.ex', 'only_in_release'], ['lib/extra.ex', 'only_in_source']]);
    assert.deepEqual(report.metadata.map((m) => m.key), ['files']);
    assert.deepEqual(report.firstDifference, { member: 'metadata.config', key: 'files', detail: 'value' });
  });

  test('a mode: 100644 in the release, 100755 in the source', async () => {
    const { report } = await changed((dir) => chmodSync(join(dir, 'lib/a.ex'), 0o755));
    assert.deepEqual(report.files.map((f) => [f.path, f.status, f.releaseMode, f.sourceMode]), [['lib/a.ex', 'mode', '100644', '100755']]);
    assert.deepEqual(report.firstDifference, { member: 'contents.tar.gz', index: 0, release: 'lib/a.ex', source: 'lib/a.ex', detail: 'mode' });
  });

  test('a metadata field: which key, both values as Erlang terms', async () => {
    const { report } = await changed((dir) => writeFileSync(join(dir, 'mix.exs'), mixExs({ description: 'Edited after the release.' })));
    assert.deepEqual(report.metadata, [{ key: 'description', release: '<<"A small package.">>', source: '<<"Edited after the release.">>' }]);
    assert.deepEqual(report.firstDifference, { member: 'metadata.config', key: 'description', detail: 'value' });
    // mix.exs itself is in the package too.
    assert.deepEqual(report.files.map((f) => [f.path, f.status]), [['mix.exs', 'content']]);
  });

  test('a file list in another order (the files: patterns reordered): the fewest entries that moved', async () => {
    const { report } = await changed((dir) => writeFileSync(join(dir, 'mix.exs'), mixExs({ files: '["priv", "lib", "mix.exs"]' })));
    assert.deepEqual(report.files.filter((f) => f.status === 'order').map((f) => [f.path, f.releaseIndex, f.sourceIndex]), [['priv/logo.bin', 2, 0]]);
    assert.deepEqual(report.metadata.map((m) => m.key), ['files']);
    assert.deepEqual(report.files.filter((f) => f.status !== 'order').map((f) => [f.path, f.status]), [['mix.exs', 'content']]);
  });

  test('the same members, packed otherwise: contents.tar.gz compressed by another zlib, or other outer tar headers', async () => {
    const source = smallProject();
    const tarball = await build(source);
    const members = new Map((await readWithNodeTar(tarball)).entries.map((e) => [e.path, e.data]));
    const repack = (contents: Buffer, mode: number) => {
      const version = members.get('VERSION')!;
      const metadata = members.get('metadata.config')!;
      const checksum = createHash('sha256').update(version).update(metadata).update(contents).digest('hex').toUpperCase();
      return buildTar([fileEntry('VERSION', version, mode), fileEntry('CHECKSUM', checksum, mode), fileEntry('metadata.config', metadata, mode), fileEntry('contents.tar.gz', contents, mode)]);
    };
    const regzipped = gzipSync(gunzipSync(members.get('contents.tar.gz')!), { level: 9 });
    const compression = await verify(repack(regzipped, 0o100644), source, 'small', '1.0.0');
    assert.deepEqual([compression.match, compression.firstDifference, compression.files, compression.metadata], [false, { member: 'contents.tar.gz', index: null, release: null, source: null, detail: 'compression' }, [], []]);
    const headers = await verify(repack(members.get('contents.tar.gz')!, 0o100600), source, 'small', '1.0.0');
    assert.deepEqual([headers.match, headers.firstDifference, headers.files, headers.metadata], [false, { member: 'outer tar', detail: 'headers' }, [], []]);
  });

  test('another version checked out, another package, no mix.exs: one error each, before any comparison', async () => {
    const source = smallProject();
    const tarball = await build(source);
    await assert.rejects(verify(tarball, source, 'small', '1.0.1'), { message: 'source is small 1.0.0, release is small 1.0.1', hint: /git checkout v1\.0\.1/ });
    await assert.rejects(verify(tarball, source, 'other', '1.0.0'), { message: 'source is small 1.0.0, release is other 1.0.0' });
    const empty = tempDir();
    await assert.rejects(verify(tarball, empty, 'small', '1.0.0'), { message: `no mix.exs in ${empty}`, hint: /--source DIR/ });
  });
});

// ------------------------------------------------------------ helpers

function mixExs(o: { description?: string; files?: string } = {}): string {
  return `defmodule Small.MixProject do
  use Mix.Project
  def project do
    [app: :small, version: "1.0.0", elixir: "~> 1.14", description: "${o.description ?? 'A small package.'}",
     package: [licenses: ["MIT"], links: %{"GitHub" => "https://github.com/example/small"}${o.files ? `, files: ${o.files}` : ''}],
     deps: [{:jason, "~> 1.4"}]]
  end
end
`;
}

function smallProject(): string {
  return tempProject({
    'mix.exs': mixExs(),
    'lib/a.ex': 'defmodule A do\nend\n',
    'lib/b.ex': 'defmodule B do\n  def b, do: :b\nend\n',
    'priv/logo.bin': Buffer.from([0, 1, 2]),
  });
}

type BuildOptions = Omit<Parameters<typeof preparePackage>[1], 'env' | 'assumptions'>;

/** The tarball `hexts build` writes of `source`, with the directory and key orders `options` give. */
async function plainBuild(source: string, options: BuildOptions = {}) {
  return createProjectTarball(await preparePackage(source, { env: {}, assumptions: ASSUMED, ...options }), source);
}

async function build(source: string, options: BuildOptions = {}): Promise<Buffer> {
  return (await plainBuild(source, options)).tarball!;
}

/** The small project released, then changed by `edit`, and verified against that release. */
async function changed(edit: (dir: string) => void): Promise<{ report: VerifyReport }> {
  const source = smallProject();
  const tarball = await build(source);
  edit(source);
  return { report: await verify(tarball, source, 'small', '1.0.0') };
}
