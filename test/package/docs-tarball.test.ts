import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { TarballError } from '../../src/package/tar/error.js';
import { collectDocsFiles, createDocsTarball } from '../../src/package/docs-tarball.js';
import { readWithNodeTar, removeDir, sha256, tempDir } from './tarball-helpers.js';

async function rejectsWith(promise: Promise<unknown>, code: string, message: string): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof TarballError, `expected a TarballError, got ${String(err)}`);
    assert.equal(err.code, code);
    assert.equal(err.message, message);
    return true;
  });
}

function write(root: string, path: string, contents = path): void {
  mkdirSync(join(root, path, '..'), { recursive: true });
  writeFileSync(join(root, path), contents);
}

describe('createDocsTarball', () => {
  test('the Docs vector: [{"index.html", <<"Docs">>}]', async () => {
    const tarball = await createDocsTarball([{ path: 'index.html', contents: Buffer.from('Docs') }]);
    assert.equal(tarball.length, 101);
    assert.equal(sha256(tarball).toUpperCase(), 'F1055C009EEB3EE9212691E0E510514540D10FC7B7D75A899E773A2D0771DE48');
  });

  test('hex_core\'s docs limits (docs_too_big_to_create_test)', async () => {
    const files = [{ path: 'index.html', contents: Buffer.from('Docs') }];
    await rejectsWith(createDocsTarball(files, { limits: { maxSize: 100 } }), 'too_big_compressed', 'package exceeds max compressed size 0.0001 MB');
    await rejectsWith(createDocsTarball(files, { limits: { maxUncompressedSize: 100 } }), 'too_big_uncompressed', 'package exceeds max uncompressed size 0.0001 MB');
    assert.equal((await createDocsTarball(files, { limits: { maxSize: 101, maxUncompressedSize: 2048 } })).length, 101);
  });

  test('refuses unsafe paths', async () => {
    await rejectsWith(createDocsTarball([{ path: '../index.html', contents: Buffer.from('x') }]), 'unsafe_path', 'unsafe path in tarball: ../index.html');
  });
});

describe('collectDocsFiles', () => {
  test('collects regular files like Path.wildcard("doc/**"): sorted, no dotfiles, symlinks followed', async (t) => {
    const base = tempDir();
    t.after(() => removeDir(base));
    const doc = join(base, 'doc');
    for (const path of ['index.html', 'a-b.html', 'a/b.html', 'dist/app.js', 'Z.html', 'é.html', '.build', '.git/config', 'dist/.cache/x', 'v1.0.0/x.html']) {
      write(doc, path);
    }
    mkdirSync(join(doc, 'empty'));
    write(base, 'shared/logo.svg', '<svg/>');
    symlinkSync('../shared', join(doc, 'assets'));
    symlinkSync('index.html', join(doc, 'latest.html'));
    symlinkSync('missing', join(doc, 'broken'));
    symlinkSync('.', join(doc, 'dist/self'));

    const files = await collectDocsFiles(doc);
    assert.deepEqual(
      files.map((f) => f.path),
      ['Z.html', 'a-b.html', 'a/b.html', 'assets/logo.svg', 'dist/app.js', 'index.html', 'latest.html', 'v1.0.0/x.html', 'é.html'],
    );

    const tarball = await createDocsTarball(files);
    const { entries } = await readWithNodeTar(gunzipSync(tarball));
    assert.deepEqual(entries.map((e) => e.path), files.map((f) => f.path));
    assert.ok(entries.every((e) => e.type === 'File' && e.mode === 0o100644));
    assert.equal(entries.find((e) => e.path === 'latest.html')!.data.toString(), 'index.html');
    assert.equal(entries.find((e) => e.path === 'assets/logo.svg')!.data.toString(), '<svg/>');
  });

  test('requires index.html, naming the directory as given', async (t) => {
    const base = tempDir();
    t.after(() => removeDir(base));
    write(base, 'docs/readme.html');
    await rejectsWith(collectDocsFiles(join(base, 'docs')), 'docs', `File not found: ${join(base, 'docs')}/index.html`);
  });

  test('rejects top-level names that are semantic versions', async (t) => {
    for (const name of ['1.0.0', '0.1.0-rc.1', '2.0.0+build.5']) {
      const base = tempDir();
      t.after(() => removeDir(base));
      write(base, 'index.html');
      write(base, `${name}/index.html`);
      await rejectsWith(collectDocsFiles(base), 'docs', 'Invalid filename: top-level filenames cannot match a semantic version pattern');
    }
    const base = tempDir();
    t.after(() => removeDir(base));
    write(base, 'index.html');
    write(base, '1.0.0.html');
    for (const name of ['v1.0.0', '1.0', '01.0.0', '1.0.0-', 'x/1.0.0']) write(base, `${name}/index.html`);
    const files = await collectDocsFiles(base);
    assert.equal(files.length, 7);
  });
});
