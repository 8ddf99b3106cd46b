// `hexts package diff NAME V1..V2` end to end against the local registry: the built-in diff
// (exact when piped, escaped on a terminal, applicable with git apply), binary files named,
// the external diff_command as mix runs it (no shell), exit codes, organizations, tampered
// tarballs and hostile packages refused — and no temporary directory left behind by any run.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { unpackPackageTarball } from '../../src/package/unpack.js';
import { runCli, scratchHome, spawnCli } from '../helpers/cli.js';
import { cliEnv, testRegistry, type Registry } from '../helpers/registry.js';
import { startRepoProxy, type RepoProxy } from '../helpers/repo-proxy.js';
import { file, link, packageWith, type InnerEntry } from '../quality/hostile-packages.js';

let registry: Registry;
let proxy: RepoProxy;
let orgKey: string;
const cleanups: Array<() => void> = [];

const WIDGET_1 = [
  file('lib/widget.ex', 'defmodule Widget do\n  def a, do: 1\nend\n'),
  file('README.md', 'Widget\n'),
  file('priv/logo.png', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2])),
  file('bin/run', '#!/bin/sh\necho run\n'),
  file('old.txt', 'gone\n'),
  file('notes.txt', 'no newline'),
  file('term.txt', 'plain\n'),
];
const WIDGET_2 = [
  file('lib/widget.ex', 'defmodule Widget do\n  def a, do: 2\nend\n'),
  file('README.md', 'Widget\n'),
  file('priv/logo.png', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 3, 4])),
  file('bin/run', '#!/bin/sh\necho run\n', 0o755),
  file('new.txt', 'fresh\r\nline\n'),
  file('notes.txt', 'no newline\n'),
  file('term.txt', 'evil \u001b]0;pwned\u0007 \u001b[31mred\n'),
  link('docs', 'README.md'),
];

async function publish(name: string, version: string, entries: InnerEntry[], repository?: string): Promise<void> {
  await registry.publish(await packageWith(name, version, entries), { publisher: 'pub', repository });
}

before(async () => {
  registry = await testRegistry();
  registry.createUser({ username: 'pub', password: 'correct horse battery' });
  registry.createOrganization({ name: 'acme', admin: 'pub' });
  await publish('widget', '1.0.0', WIDGET_1);
  await publish('widget', '1.1.0', WIDGET_2);
  await publish('billing', '0.1.0', [file('lib/billing.ex', 'v1\n')], 'acme');
  await publish('billing', '0.2.0', [file('lib/billing.ex', 'v2\n')], 'acme');
  orgKey = registry.createKey({ organization: 'acme' }, { name: 'ci', permissions: [{ domain: 'repository', resource: 'acme' }] });
  proxy = await startRepoProxy(registry);
});
after(async () => {
  await proxy.stop();
  await registry.stop();
  cleanups.forEach((c) => c());
});

/** A HOME, and a TMPDIR of its own in which every run's temporary directory must be gone after it. */
function world(extra: Record<string, string> = {}) {
  const h = scratchHome();
  cleanups.push(h.cleanup);
  const tmp = join(h.home, 'tmp');
  mkdirSync(tmp);
  return { dir: h.home, tmp, env: cliEnv(registry, h.home, { TMPDIR: tmp, ...extra }) };
}

/** The part of a git-style diff about one file: from its `diff --git` line to the next. */
function section(output: string, path: string): string {
  const parts = output.split(/^(?=diff --git )/m);
  const found = parts.filter((p) => p.startsWith(`diff --git widget-1.0.0/${path} `) || p.startsWith(`diff --git "widget-1.0.0/${path}`));
  assert.equal(found.length, 1, `one section for ${path} in\n${output}`);
  return found[0]!;
}

describe('the built-in diff', () => {
  test('piped: git\'s format, exact bytes, binary files named, exit 1 because they differ', async () => {
    const { tmp, env } = world();
    const result = await runCli(['package', 'diff', 'widget', '1.0.0..1.1.0'], { env });
    assert.equal(result.code, 1, result.stderr);
    assert.equal(result.stderr, '');
    const out = result.stdout;
    // Files in byte order of their paths; the unchanged README.md is not there.
    assert.deepEqual(
      [...out.matchAll(/^diff --git widget-1\.0\.0\/(\S+) /gm)].map((m) => m[1]),
      ['bin/run', 'docs', 'hex_metadata.config', 'lib/widget.ex', 'new.txt', 'notes.txt', 'old.txt', 'priv/logo.png', 'term.txt'],
    );
    assert.equal(section(out, 'bin/run'), 'diff --git widget-1.0.0/bin/run widget-1.1.0/bin/run\nold mode 100644\nnew mode 100755\n');
    assert.equal(section(out, 'docs'), 'diff --git widget-1.0.0/docs widget-1.1.0/docs\nnew file mode 120000\n--- /dev/null\n+++ widget-1.1.0/docs\n@@ -0,0 +1 @@\n+README.md\n\\ No newline at end of file\n');
    assert.equal(section(out, 'lib/widget.ex'), [
      'diff --git widget-1.0.0/lib/widget.ex widget-1.1.0/lib/widget.ex',
      '--- widget-1.0.0/lib/widget.ex',
      '+++ widget-1.1.0/lib/widget.ex',
      '@@ -1,3 +1,3 @@',
      ' defmodule Widget do',
      '-  def a, do: 1',
      '+  def a, do: 2',
      ' end',
      '',
    ].join('\n'));
    assert.equal(section(out, 'new.txt'), 'diff --git widget-1.0.0/new.txt widget-1.1.0/new.txt\nnew file mode 100644\n--- /dev/null\n+++ widget-1.1.0/new.txt\n@@ -0,0 +1,2 @@\n+fresh\r\n+line\n');
    assert.equal(section(out, 'notes.txt'), 'diff --git widget-1.0.0/notes.txt widget-1.1.0/notes.txt\n--- widget-1.0.0/notes.txt\n+++ widget-1.1.0/notes.txt\n@@ -1 +1 @@\n-no newline\n\\ No newline at end of file\n+no newline\n');
    assert.equal(section(out, 'old.txt'), 'diff --git widget-1.0.0/old.txt widget-1.1.0/old.txt\ndeleted file mode 100644\n--- widget-1.0.0/old.txt\n+++ /dev/null\n@@ -1 +0,0 @@\n-gone\n');
    assert.equal(section(out, 'priv/logo.png'), 'diff --git widget-1.0.0/priv/logo.png widget-1.1.0/priv/logo.png\nBinary files widget-1.0.0/priv/logo.png and widget-1.1.0/priv/logo.png differ\n');
    // The file's own bytes, escape sequences included: a pipe gets exactly what the package holds.
    assert.match(section(out, 'term.txt'), /^\+evil \u001b\]0;pwned\u0007 \u001b\[31mred\n$/m);
    assert.match(section(out, 'hex_metadata.config'), /^-\{<<"version">>,<<"1\.0\.0">>\}\.\n\+\{<<"version">>,<<"1\.1\.0">>\}\.\n/m);
    assert.deepEqual(readdirSync(tmp), [], 'the temporary directory is gone');

    // mix's other form, V1 V2, is the same diff.
    const spaced = await runCli(['package', 'diff', 'widget', '1.0.0', '1.1.0'], { env });
    assert.equal(spaced.code, 1);
    assert.equal(spaced.stdout, out);
  });

  test('on a terminal: control characters escaped, removed lines red and added ones green (none with NO_COLOR)', async () => {
    const { env } = world();
    const shown = await runCli(['package', 'diff', 'widget', '1.0.0..1.1.0'], { env, tty: true });
    assert.equal(shown.code, 1, shown.stderr);
    assert.ok(shown.stdout.includes('\u001b[32m+evil \\x1b]0;pwned\\x07 \\x1b[31mred\u001b[39m\n'), shown.stdout);
    assert.ok(shown.stdout.includes('\u001b[31m-  def a, do: 1\u001b[39m\n'));
    assert.ok(shown.stdout.includes('\u001b[32m+fresh\\x0d\u001b[39m\n'), 'a CR at the end of a line shows');
    const plain = await runCli(['package', 'diff', 'widget', '1.0.0..1.1.0'], { env: { ...env, NO_COLOR: '1' }, tty: true });
    assert.ok(plain.stdout.includes('\n+evil \\x1b]0;pwned\\x07 \\x1b[31mred\n'));
    assert.doesNotMatch(plain.stdout, /\u001b/);
  });

  test('the piped diff applies: git apply turns the first release into the second', async () => {
    const { dir, env } = world();
    const base = join(dir, 'base');
    const fetched = await runCli(['package', 'fetch', 'widget@1.0.0', '--unpack', '-o', base], { env });
    assert.equal(fetched.code, 0, fetched.stderr);
    const target = join(dir, 'target');
    assert.equal((await runCli(['package', 'fetch', 'widget@1.1.0', '--unpack', '-o', target], { env })).code, 0);
    const patch = (await runCli(['package', 'diff', 'widget', '1.0.0..1.1.0'], { env })).stdout;
    // git cannot apply "Binary files … differ": that one file is copied over, the rest comes from the patch.
    cpSync(join(target, 'priv', 'logo.png'), join(base, 'priv', 'logo.png'));
    const textual = patch.split(/^(?=diff --git )/m).filter((p) => !p.includes('Binary files')).join('');
    writeFileSync(join(dir, 'changes.patch'), textual);
    const applied = spawnSync('git', ['apply', '-p1', '--unsafe-paths', join(dir, 'changes.patch')], { cwd: base, encoding: 'utf8' });
    assert.equal(applied.status, 0, applied.stderr);
    for (const name of ['lib/widget.ex', 'new.txt', 'notes.txt', 'term.txt', 'hex_metadata.config']) {
      assert.deepEqual(readFileSync(join(base, name)), readFileSync(join(target, name)), name);
    }
    assert.equal(readdirSync(base).includes('old.txt'), false);
    assert.equal(readlinkSync(join(base, 'docs')), 'README.md');
    assert.equal(statSync(join(base, 'bin', 'run')).mode & 0o111, 0o111);
  });

  test('--json: each changed file with its status, modes and patch', async () => {
    const { env } = world();
    const result = await runCli(['--json', 'package', 'diff', 'widget', '1.0.0..1.1.0'], { env });
    assert.equal(result.code, 1, result.stderr);
    const report = JSON.parse(result.stdout);
    assert.equal(report.name, 'widget');
    assert.equal(report.repository, 'hexpm');
    assert.equal(report.from, '1.0.0');
    assert.equal(report.to, '1.1.0');
    const byPath = Object.fromEntries(report.files.map((f: { path: string }) => [f.path, f]));
    assert.deepEqual(byPath['priv/logo.png'], {
      path: 'priv/logo.png', status: 'modified', old_mode: '100644', new_mode: '100644', binary: true,
      patch: 'diff --git widget-1.0.0/priv/logo.png widget-1.1.0/priv/logo.png\nBinary files widget-1.0.0/priv/logo.png and widget-1.1.0/priv/logo.png differ\n',
    });
    assert.equal(byPath['old.txt'].status, 'removed');
    assert.equal(byPath['new.txt'].status, 'added');
    assert.equal(byPath['term.txt'].patch, section((await runCli(['package', 'diff', 'widget', '1.0.0..1.1.0'], { env })).stdout, 'term.txt'));
  });

  test('an organization\'s package: with its key, or through --repo hexpm:ORG with the stored key', async () => {
    const { env } = world();
    const result = await runCli(['package', 'diff', 'billing', '0.1.0..0.2.0', '--organization', 'acme', '--key', orgKey], { env });
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stdout, /^--- billing-0\.1\.0\/lib\/billing\.ex\n\+\+\+ billing-0\.2\.0\/lib\/billing\.ex\n@@ -1 \+1 @@\n-v1\n\+v2\n/m);

    const stored = await runCli(['organization', 'auth', 'acme', '--key', orgKey], { env });
    assert.equal(stored.code, 0, stored.stderr);
    const viaRepo = await runCli(['package', 'diff', 'billing', '0.1.0', '0.2.0', '--repo', 'hexpm:acme'], { env });
    assert.equal(viaRepo.code, 1, viaRepo.stderr);
    assert.equal(viaRepo.stdout, result.stdout);

    const without = await runCli(['package', 'diff', 'billing', '0.1.0..0.2.0', '--organization', 'acme'], { env: world().env });
    assert.equal(without.code, 1);
    assert.match(without.stderr, /organization acme's repository needs credentials/);
  });
});

describe('what is refused', () => {
  test('a tarball that is not the one the registry signed: nothing printed, exit 1, no temporary directory left', async () => {
    const { tmp, env } = world({ HEX_REPO_URL: `${proxy.url}/repo` });
    proxy.reset();
    proxy.rewrite('/repo/tarballs/widget-1.1.0.tar', (_body, upstream) => upstream('/repo/tarballs/widget-1.0.0.tar'));
    const result = await runCli(['package', 'diff', 'widget', '1.0.0..1.1.0'], { env });
    assert.equal(result.code, 1);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /error: Checksum mismatch against registry \(outer\)/);
    assert.deepEqual(readdirSync(tmp), []);
  });

  test('a release whose symlink leads outside, signed by a compromised registry: refused by the safe reader, no temporary directory left', async () => {
    // A registry that signs what it is given: sneaky 2.0.0's stored tarball is swapped for one
    // with a link out of the package, and its record's checksums made to match.
    const dataDir = mkdtempSync(join(tmpdir(), 'hexts-evil-registry-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const first = await testRegistry({ dataDir });
    first.createUser({ username: 'pub', password: 'correct horse battery' });
    await first.publish(await packageWith('sneaky', '1.0.0', [file('a.txt', 'a\n')]), { publisher: 'pub' });
    await first.publish(await packageWith('sneaky', '2.0.0', [file('a.txt', 'b\n')]), { publisher: 'pub' });
    await first.stop();
    const evil = await packageWith('sneaky', '2.0.0', [file('a.txt', 'b\n'), link('escape', '../../etc/passwd')]);
    writeFileSync(join(dataDir, 'store', 'tarballs', 'sneaky-2.0.0.tar'), evil);
    const state = JSON.parse(readFileSync(join(dataDir, 'state.json'), 'utf8'));
    const release = state.data.releases.find((r: { version: string }) => r.version === '2.0.0');
    const { innerChecksum } = await unpackPackageTarball(evil, { output: 'none' });
    Object.assign(release, { innerChecksum, outerChecksum: createHash('sha256').update(evil).digest('hex') });
    writeFileSync(join(dataDir, 'state.json'), JSON.stringify(state));

    const compromised = await testRegistry({ dataDir });
    try {
      const { tmp, env } = world();
      const result = await runCli(['package', 'diff', 'sneaky', '1.0.0..2.0.0'], { env: { ...env, ...compromised.env() } });
      assert.equal(result.code, 1);
      assert.equal(result.stdout, '');
      assert.match(result.stderr, /^error: unsafe symlink in tarball: escape -> \.\.\/\.\.\/etc\/passwd\n/);
      assert.deepEqual(readdirSync(tmp), []);
    } finally {
      await compromised.stop();
    }
  });

  test('one release refused while the other is still on its way: nothing of either is left once hexts has exited', async () => {
    // heavy 1.0.0 (8 MB that do not compress: its checks take a while) is served first; 1.1.0,
    // altered, is refused while 1.0.0 is still being checked, before it is unpacked.
    await publish('heavy', '1.0.0', [file('blob.bin', randomBytes(8 * 1024 * 1024))]);
    await publish('heavy', '1.1.0', [file('a.txt', 'a\n')]);
    proxy.reset();
    let servedFirst!: () => void;
    const first = new Promise<void>((resolve) => (servedFirst = resolve));
    proxy.rewrite('/repo/tarballs/heavy-1.0.0.tar', (body) => {
      servedFirst();
      return body;
    });
    proxy.rewrite('/repo/tarballs/heavy-1.1.0.tar', async () => {
      await first;
      await sleep(30);
      return Buffer.from('not the tarball the registry signed');
    });
    const { dir, tmp, env } = world({ HEX_REPO_URL: `${proxy.url}/repo` });
    // A process of its own: it exits only once nothing of it runs any more, unpacking included.
    const result = await spawnCli(['package', 'diff', 'heavy', '1.0.0..1.1.0'], { env, cwd: dir });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /error: Checksum mismatch against registry \(outer\)/);
    assert.deepEqual(readdirSync(tmp), []);
  });

  test('usage errors: one version (mix\'s diff against deps/), a partial version, the same version twice, a key for a public package', async () => {
    const { env } = world();
    const table: Array<[string[], RegExp]> = [
      [['widget', '1.0.0'], /give two versions of widget to compare \(widget 1\.0\.0\.\.VERSION\)\nmix's `diff APP VERSION`/],
      [['widget', '1.0..1.1.0'], /"1\.0" is not a version/],
      [['widget', '1.0.0', '1.1.0', '1.2.0'], /expected two versions/],
      [['widget', '1.0.0..1.0.0'], /both versions are 1\.0\.0: there is nothing to compare/],
      [['Widget', '1.0.0..1.1.0'], /invalid package name "Widget"/],
      [['widget', '1.0.0..1.1.0', '--key', orgKey], /--key goes with --organization/],
    ];
    for (const [argv, message] of table) {
      const result = await runCli(['package', 'diff', ...argv], { env });
      assert.equal(result.code, 2, argv.join(' '));
      assert.match(result.stderr, message, argv.join(' '));
    }
    const missing = await runCli(['package', 'diff', 'widget', '1.0.0..9.9.9'], { env });
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /widget has no version 9\.9\.9/);
  });
});

describe('diff_command, as mix runs it', () => {
  /** A program that records its arguments, working directory and what it sees there, then exits with `code`. */
  function recorder(dir: string, code: number): { program: string; record: string } {
    const record = join(dir, 'record.txt');
    const program = join(dir, 'fake diff');
    writeFileSync(program, `#!/bin/sh\n{ for a in "$@"; do printf '[%s]\\n' "$a"; done; pwd; ls; } > '${record}'\nenv | grep '^HEX_' | sort > '${record}.env'\necho "compared $1"\nexit ${code}\n`, { mode: 0o755 });
    return { program, record };
  }

  test('HEX_DIFF_COMMAND: split into arguments but never read by a shell, run in the directory of the two trees, its output and exit code passed on', async () => {
    const { dir, tmp, env } = world();
    const { program, record } = recorder(dir, 3);
    const command = `'${program}' --label "a b" $HOME;echo\\ x __PATH1__ --right=__PATH2__`;
    const secrets = { HEX_API_KEY: 'a-key-the-program-must-not-see', HEX_OTP: '123456' };
    const result = await runCli(['package', 'diff', 'widget', '1.0.0..1.1.0'], { env: { ...env, ...secrets, HEX_DIFF_COMMAND: command } });
    assert.equal(result.code, 3, result.stderr);
    assert.equal(result.stdout, 'compared --label\n');
    const [args, cwd] = readFileSync(record, 'utf8').split(/\n(?=\/)/);
    assert.equal(args, '[--label]\n[a b]\n[$HOME;echo x]\n[widget-1.0.0]\n[--right=widget-1.1.0]');
    assert.match(cwd!, new RegExp(`^${tmp}/hexts-diff-\\w+\\nwidget-1\\.0\\.0\\nwidget-1\\.1\\.0\\n$`));
    // The environment, less the key and the two-factor code of the run.
    const seen = readFileSync(`${record}.env`, 'utf8');
    assert.match(seen, /^HEX_API_URL=/m);
    assert.doesNotMatch(seen, /HEX_API_KEY|HEX_OTP|a-key-the-program-must-not-see/);
    assert.deepEqual(readdirSync(tmp), []);
  });

  test('the diff_command setting: checked when set, used when HEX_DIFF_COMMAND is not; exit 0 when the program says so', async () => {
    const { dir, env } = world();
    const { program, record } = recorder(dir, 0);
    for (const [value, problem] of [['meld __PATH1__', /must name both directories, with __PATH1__ and __PATH2__/], ['"unclosed __PATH1__ __PATH2__', /a double quote is not closed/]] as const) {
      const refused = await runCli(['config', 'diff_command', value], { env });
      assert.equal(refused.code, 2, value);
      assert.match(refused.stderr, problem);
    }
    const set = await runCli(['config', 'diff_command', `"${program}" __PATH1__ __PATH2__`], { env });
    assert.equal(set.code, 0, set.stderr);
    const result = await runCli(['package', 'diff', 'widget', '1.0.0..1.1.0'], { env });
    assert.equal(result.code, 0, result.stderr);
    assert.match(readFileSync(record, 'utf8'), /^\[widget-1\.0\.0\]\n\[widget-1\.1\.0\]\n/);

    const json = await runCli(['--json', 'package', 'diff', 'widget', '1.0.0..1.1.0'], { env });
    assert.equal(json.code, 2);
    assert.match(json.stderr, /--json cannot be used with the diff command set in .*config\.json: its output is the program's/);
  });

  test('a program that is not there: one error naming it and where it was set', async () => {
    const { tmp, env } = world({ HEX_DIFF_COMMAND: 'no-such-difftool __PATH1__ __PATH2__' });
    const result = await runCli(['package', 'diff', 'widget', '1.0.0..1.1.0'], { env });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^error: cannot run the diff command set in HEX_DIFF_COMMAND: no-such-difftool: not found\n/);
    assert.deepEqual(readdirSync(tmp), []);
  });
});

describe('big files', () => {
  test('two 60 000-line files that share no unique line: a correct diff that applies, without quadratic work', async () => {
    // Lines repeat (no line occurs once), so nothing anchors the diff; every third line changed.
    const lines = (version: number) => Array.from({ length: 60_000 }, (_, i) => `line ${i % 50}${i % 3 === 0 ? ` v${version}` : ''}\n`).join('');
    await publish('bulky_text', '1.0.0', [file('big.txt', lines(1))]);
    await publish('bulky_text', '2.0.0', [file('big.txt', lines(2))]);
    const { dir, env } = world();
    const result = await runCli(['package', 'diff', 'bulky_text', '1.0.0..2.0.0'], { env });
    assert.equal(result.code, 1, result.stderr);
    const base = join(dir, 'base');
    assert.equal((await runCli(['package', 'fetch', 'bulky_text@1.0.0', '--unpack', '-o', base], { env })).code, 0);
    writeFileSync(join(dir, 'big.patch'), result.stdout);
    const applied = spawnSync('git', ['apply', '-p1', join(dir, 'big.patch')], { cwd: base, encoding: 'utf8' });
    assert.equal(applied.status, 0, applied.stderr);
    assert.equal(readFileSync(join(base, 'big.txt'), 'utf8'), lines(2));
  });
});
