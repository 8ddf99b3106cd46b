import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { checkFileSafety, compareBytes, expandFiles, wildcard } from '../../src/package/files.js';
import { tempDir, tempProject } from './project-helpers.js';

const project = tempProject({
  'mix.exs': '',
  '.formatter.exs': '',
  '.hidden': '',
  'README.md': '',
  'README': '',
  'README.fr.md': '',
  'lib/a.ex': '',
  'lib/b.ex': '',
  'lib/sub/c.ex': '',
  'lib/.secret.ex': '',
  'src/x.erl': '',
  'priv/a.json': '',
  'priv/x/y/b.json': '',
  'priv/.cache/c.json': '',
  'priv/t/layout/app.html.eex': '',
  'priv/t/map.svg.eex': '',
  'priv/é.json': '',
  'priv/z.json': '',
  'docs/.DS_Store': '',
  'docs/guide.md': '',
  'docs/guide.md.bak': '',
  'docs/draft/notes.md': '',
  'empty/': '',
});

describe('Path.wildcard', () => {
  const cases: Array<[string, string[]]> = [
    ['mix.exs', ['mix.exs']],
    ['nope', []],
    ['.formatter.exs', ['.formatter.exs']],
    ['*', ['README', 'README.fr.md', 'README.md', 'docs', 'empty', 'lib', 'mix.exs', 'priv', 'src']],
    ['.f*', []], // listings hide dotfiles, even from a pattern starting with a dot
    ['README*', ['README', 'README.fr.md', 'README.md']],
    ['README?md', ['README.md']],
    ['README.??.md', ['README.fr.md']],
    ['README{,.md}', ['README', 'README.md']],
    ['{lib,src}/*.e*', ['lib/a.ex', 'lib/b.ex', 'src/x.erl']],
    ['lib/[a-b].ex', ['lib/a.ex', 'lib/b.ex']],
    ['lib/[b].ex', ['lib/b.ex']],
    ['lib/*', ['lib/a.ex', 'lib/b.ex', 'lib/sub']],
    ['lib/**', ['lib/a.ex', 'lib/b.ex', 'lib/sub', 'lib/sub/c.ex']],
    ['priv/**/*.json', ['priv/a.json', 'priv/x/y/b.json', 'priv/z.json', 'priv/é.json']],
    ['priv/t/**/*.eex', ['priv/t/layout/app.html.eex', 'priv/t/map.svg.eex']],
    ['*/sub/*.ex', ['lib/sub/c.ex']],
    ['priv/*/.cache', []], // a literal part after a wildcard is matched against the (dot-free) listing
    ['priv/.cache/*.json', ['priv/.cache/c.json']],
    ['/lib/a.ex', ['lib/a.ex']], // joined onto the project like Path.join
    ['./lib//a.ex', ['lib/a.ex']],
    ['lib/sub/../a.ex', ['lib/sub/../a.ex']],
    ['empty', ['empty']],
    ['.', ['.']],
  ];
  for (const [pattern, expected] of cases) {
    test(pattern, () => assert.deepEqual(wildcard(project, pattern), expected));
  }
});

describe('expandFiles', () => {
  test('directories are listed, then walked depth-first in byte order, dotfiles included', () => {
    assert.deepEqual(expandFiles(project, ['lib', 'mix.exs', 'README*'], []), [
      'lib', 'lib/.secret.ex', 'lib/a.ex', 'lib/b.ex', 'lib/sub', 'lib/sub/c.ex', 'mix.exs', 'README', 'README.fr.md', 'README.md',
    ]);
  });

  test('each pattern in turn; duplicates keep their first place', () => {
    assert.deepEqual(expandFiles(project, ['lib/sub', 'lib', 'lib/a.ex'], []), ['lib/sub', 'lib/sub/c.ex', 'lib', 'lib/.secret.ex', 'lib/a.ex', 'lib/b.ex']);
  });

  test('.DS_Store and exclude_patterns (substring or regex) are dropped; an excluded directory is still walked', () => {
    assert.deepEqual(expandFiles(project, ['docs'], []), ['docs', 'docs/draft', 'docs/draft/notes.md', 'docs/guide.md', 'docs/guide.md.bak']);
    assert.deepEqual(expandFiles(project, ['docs'], [/\.bak$/, 'draft/']), ['docs', 'docs/draft', 'docs/guide.md']);
    assert.deepEqual(expandFiles(project, ['docs', 'priv/x'], [/^docs$/, 'y']), ['docs/draft', 'docs/draft/notes.md', 'docs/guide.md', 'docs/guide.md.bak', 'priv/x']);
  });

  test('an empty directory is listed; a missing pattern adds nothing', () => {
    assert.deepEqual(expandFiles(project, ['empty', 'missing', 'priv/*.txt'], []), ['empty']);
  });

  test('a caller can supply the walking order (mix used raw readdir order)', () => {
    const reversed = (dir: string) => readdirSync(dir).sort(compareBytes).reverse();
    assert.deepEqual(expandFiles(project, ['lib'], [], { listDir: reversed }), ['lib', 'lib/sub', 'lib/sub/c.ex', 'lib/b.ex', 'lib/a.ex', 'lib/.secret.ex']);
  });

  test('symlinks are listed, not followed; paths outside the project stay absolute', () => {
    const outside = tempProject({ 'secret.txt': 'x', 'dir/f': 'y' });
    const root = tempProject({ 'lib/a.ex': '' });
    symlinkSync(join(outside, 'dir'), join(root, 'lib', 'linked'));
    assert.deepEqual(expandFiles(root, ['lib'], []), ['lib', 'lib/a.ex', 'lib/linked']);
    assert.deepEqual(expandFiles(root, ['../' + outside.split('/').pop() + '/secret.txt'], []), [join(outside, 'secret.txt')]);
  });
});

describe('checkFileSafety', () => {
  test('files inside the project, and symlinks that stay inside, are fine', () => {
    const root = tempProject({ 'lib/a.ex': '', 'priv/data.json': '' });
    symlinkSync('../lib/a.ex', join(root, 'priv', 'alias.ex'));
    symlinkSync('missing', join(root, 'priv', 'dangling'));
    assert.equal(checkFileSafety(root, expandFiles(root, ['lib', 'priv'], [])), undefined);
  });

  test('files: ["."] lists the project directory itself, as an absolute path mix cannot package', () => {
    const root = tempProject({ 'lib/a.ex': '' });
    assert.deepEqual(expandFiles(root, ['.'], []), [root, 'lib', 'lib/a.ex']);
    assert.equal(checkFileSafety(root, [root]), `Creating tarball failed: unsafe path in tarball: ${root}`);
  });

  test('paths that leave the project', () => {
    const root = tempProject({ 'lib/a.ex': '' });
    assert.equal(checkFileSafety(root, ['lib', '/etc/passwd']), 'Creating tarball failed: unsafe path in tarball: /etc/passwd');
    assert.equal(checkFileSafety(root, ['lib/../../x']), 'Creating tarball failed: unsafe path in tarball: lib/../../x');
  });

  test('symlinks pointing outside, by a relative or an absolute target', () => {
    const root = tempProject({ 'lib/a.ex': '' });
    symlinkSync('../../outside', join(root, 'lib', 'up'));
    assert.equal(checkFileSafety(root, ['lib/up']), 'Creating tarball failed: unsafe symlink in tarball: lib/up -> ../../outside');
    const other = tempProject({ 'abs/x': '' });
    symlinkSync(join(other, 'abs', 'x'), join(root, 'abs'));
    assert.equal(checkFileSafety(root, ['abs']), `Creating tarball failed: unsafe symlink in tarball: abs -> ${join(other, 'abs', 'x')}`);
  });

  test('a file reached through a symlinked directory that leads outside', () => {
    const outside = tempProject({ 'data/leak.json': '{}' });
    const root = tempProject({ 'priv/ok.json': '' });
    symlinkSync(join(outside, 'data'), join(root, 'priv', 'linked'));
    const files = expandFiles(root, ['priv/*/*.json'], []);
    assert.deepEqual(files, ['priv/linked/leak.json']);
    assert.equal(checkFileSafety(root, files), 'Creating tarball failed: unsafe path in tarball: priv/linked/leak.json');
  });

  test('fifos are refused', () => {
    const root = tempDir();
    execFileSync('mkfifo', [join(root, 'pipe')]);
    assert.deepEqual(expandFiles(root, ['*'], []), ['pipe']);
    assert.equal(checkFileSafety(root, ['pipe']), 'Creating tarball failed: unsupported file type in tarball: pipe (other)');
  });
});
