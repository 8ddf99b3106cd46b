// What unpacking a hostile package may leave on disk (`package fetch --unpack`, `build
// --unpack`, src/package/unpack.ts): no symlink that leads outside the unpack directory,
// however the links are chained, and no mode the archive asks for beyond what the umask
// allows or below what the user needs to read and remove what was unpacked.
import assert from 'node:assert/strict';
import { lstatSync, readdirSync, readFileSync, readlinkSync, realpathSync, statSync } from 'node:fs';
import { join, sep } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { unpackPackageTarball } from '../../src/package/unpack.js';
import { runCli, scratchHome } from '../helpers/cli.js';
import { cliEnv, testRegistry, type Registry } from '../helpers/registry.js';
import { rejectsWith, removeDir, tempDir } from '../package/tarball-helpers.js';
import { climbingLinks, directory, file, link, packageWith } from './hostile-packages.js';

const cleanups: Array<() => void> = [];
after(() => cleanups.forEach((c) => c()));

function scratch(): string {
  const dir = tempDir('hexts-unpack-');
  cleanups.push(() => removeDir(dir));
  return dir;
}

/** Enough climbing links to reach the file system's root from `destination`. */
const depthOf = (destination: string) => destination.split(sep).filter(Boolean).length;

describe('symlink chains', () => {
  test('links that each stay inside but climb out together: refused, the member named, nothing written', async () => {
    const dir = scratch();
    const destination = join(dir, 'deeper', 'out');
    const tarball = await packageWith('climber', '1.0.0', [file('lib/climber.ex', 'x'), ...climbingLinks(depthOf(destination))]);
    await rejectsWith(unpackPackageTarball(tarball, { output: { directory: destination } }), 'unsafe_symlink', 'unsafe symlink in tarball: d/up1 -> up0/..');
    assert.deepEqual(readdirSync(dir), [], 'no destination, no temporary directory, not even the parent made for it');
  });

  test('a link that escapes through a link later in the archive is refused too', async () => {
    const dir = scratch();
    // When `x` is created `y` does not exist yet; once `y -> .` is there, x/.. is the parent.
    const tarball = await packageWith('later', '1.0.0', [link('x', 'y/..'), link('y', '.')]);
    await rejectsWith(unpackPackageTarball(tarball, { output: { directory: join(dir, 'out') } }), 'unsafe_symlink', 'unsafe symlink in tarball: x -> y/..');
    assert.deepEqual(readdirSync(dir), []);
  });

  test('links through links that stay inside are unpacked as they are', async () => {
    const dir = scratch();
    const destination = join(dir, 'out');
    const tarball = await packageWith('inside', '1.0.0', [
      file('data/v1/notes.txt', 'notes'),
      link('releases/current', '../data/v1'),
      link('lib/notes', '../releases/current/notes.txt'),
      link('up', 'releases/current/..'),
    ]);
    await unpackPackageTarball(tarball, { output: { directory: destination } });
    assert.equal(readFileSync(join(destination, 'lib/notes'), 'utf8'), 'notes');
    assert.equal(readlinkSync(join(destination, 'lib/notes')), '../releases/current/notes.txt');
    assert.equal(realpathSync.native(join(destination, 'up')), realpathSync.native(join(destination, 'data')));
  });

  describe('package fetch --unpack', () => {
    let registry: Registry;
    before(async () => {
      registry = await testRegistry();
      registry.createUser({ username: 'mallory', password: 'correct horse battery' });
    });
    after(() => registry.stop());

    test('a published package with a climbing chain: exit 1 naming the member; no passwd link, nothing written', async () => {
      const home = scratchHome();
      cleanups.push(home.cleanup);
      const out = scratch();
      const destination = join(out, 'climber');
      await registry.publish(await packageWith('climber', '1.0.0', [file('lib/climber.ex', 'x'), ...climbingLinks(depthOf(destination))]), { publisher: 'mallory' });
      const result = await runCli(['package', 'fetch', 'climber', '--unpack', '-o', destination], { env: cliEnv(registry, home.home), cwd: home.home });
      assert.equal(result.code, 1, result.stderr);
      assert.match(result.stderr, /^error: unsafe symlink in tarball: d\/up1 -> up0\/\.\.$/m);
      assert.deepEqual(readdirSync(out), []);
    });
  });
});

describe('modes', () => {
  const umask = process.umask();
  after(() => process.umask(umask));

  async function unpackUnder(mask: number, entries: Parameters<typeof packageWith>[2]): Promise<string> {
    process.umask(mask);
    const destination = join(scratch(), 'out');
    await unpackPackageTarball(await packageWith('modes', '1.0.0', entries), { output: { directory: destination } });
    return destination;
  }
  const modeOf = (path: string) => statSync(path).mode & 0o7777;

  test('umask 022: nothing becomes writable by others; a mode-0 directory or file stays the user\'s to read and remove', async () => {
    const out = await unpackUnder(0o022, [
      file('bin/open', '#!/bin/sh\n', 0o777),
      file('priv/shared', 's', 0o666),
      file('priv/sealed', 'secret', 0o000),
      directory('wide', 0o777),
      directory('locked', 0o000),
      file('locked/inside', 'i'),
      file('setuid', 'x', 0o4777),
    ]);
    assert.equal(modeOf(join(out, 'bin/open')), 0o755);
    assert.equal(modeOf(join(out, 'priv/shared')), 0o644);
    assert.equal(modeOf(join(out, 'priv/sealed')), 0o400);
    assert.equal(modeOf(join(out, 'wide')), 0o755);
    assert.equal(modeOf(join(out, 'locked')), 0o700);
    assert.equal(modeOf(join(out, 'setuid')), 0o755);
    assert.equal(modeOf(join(out, 'hex_metadata.config')), 0o644);
    assert.ok(lstatSync(join(out, 'locked/inside')).isFile());
  });

  test('umask 077: the user\'s own umask narrows what the archive asks for, hex_metadata.config too', async () => {
    const out = await unpackUnder(0o077, [file('bin/run', '#!/bin/sh\n', 0o755), file('lib/a.ex', 'a', 0o644), directory('priv', 0o755)]);
    assert.equal(modeOf(join(out, 'bin/run')), 0o700);
    assert.equal(modeOf(join(out, 'lib/a.ex')), 0o600);
    assert.equal(modeOf(join(out, 'priv')), 0o700);
    assert.equal(modeOf(join(out, 'hex_metadata.config')), 0o600);
  });

});
