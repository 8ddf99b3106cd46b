// What an interrupt leaves behind: the built hexts, in a real child process, is stopped the
// moment its temporary file or directory appears (inotify, then SIGSTOP), proven to be
// caught half way, then sent the signal a user or a CI runner sends. Work big enough to be
// caught half way: a 48 MiB file to unpack, a 24 MB credentials file to rewrite.
//
// | Command                                   | Interrupted by   | Left behind                                         |
// |-------------------------------------------|------------------|-----------------------------------------------------|
// | package fetch --unpack -o DIR/bulky       | SIGINT (Ctrl-C)  | nothing: no DIR/bulky, no .bulky.*.tmp; exit by it  |
// | package diff bulky 1.0.0..1.1.0           | SIGINT (Ctrl-C)  | nothing: no hexts-diff-* in TMPDIR; exit by it      |
// | package diff wordy … | (reader goes away)  | EPIPE on stdout  | nothing: no hexts-diff-* in TMPDIR                  |
// | organization auth --insecure-storage      | SIGTERM          | no .credentials.json.*.tmp; the file as it was      |
// | organization auth --insecure-storage      | SIGKILL          | the temporary file (nothing can see SIGKILL), gone  |
// |                                           |                  | with the next write of the file once abandoned      |
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, utimesSync, watch, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { scratchHome } from '../helpers/cli.js';
import { cliEnv, testRegistry, type Registry } from '../helpers/registry.js';
import { removeDir, tempDir } from '../package/tarball-helpers.js';
import { file, packageWith } from './hostile-packages.js';

const BIN = new URL('../../bin/hexts.cjs', import.meta.url).pathname;

let registry: Registry;
let orgKey: string;
const cleanups: Array<() => void> = [];

before(async () => {
  registry = await testRegistry();
  registry.createUser({ username: 'alice', password: 'correct horse battery' });
  registry.createOrganization({ name: 'acme', admin: 'alice' });
  orgKey = registry.createKey({ organization: 'acme' }, { name: 'ci', permissions: [{ domain: 'repository', resource: 'acme' }] });
  // 48 MiB of zeros: about 50 KB to download, long enough to unpack to be caught half way.
  await registry.publish(await packageWith('bulky', '1.0.0', [file('priv/zeros.bin', Buffer.alloc(48 * 1024 * 1024)), file('lib/bulky.ex', 'x')]), { publisher: 'alice' });
  await registry.publish(await packageWith('bulky', '1.1.0', [file('priv/zeros.bin', Buffer.alloc(48 * 1024 * 1024)), file('lib/bulky.ex', 'y')]), { publisher: 'alice' });
  // Two releases whose diff is a few MB: more than a pipe holds.
  const lines = (tag: string) => Array.from({ length: 40_000 }, (_, i) => `line ${i} ${tag}\n`).join('');
  await registry.publish(await packageWith('wordy', '1.0.0', [file('words.txt', lines('before'))]), { publisher: 'alice' });
  await registry.publish(await packageWith('wordy', '1.1.0', [file('words.txt', lines('after'))]), { publisher: 'alice' });
});
after(async () => {
  await registry.stop();
  cleanups.forEach((c) => c());
});

function home(): string {
  const h = scratchHome();
  cleanups.push(h.cleanup);
  return h.home;
}

function scratch(): string {
  const dir = tempDir('hexts-interrupt-');
  cleanups.push(() => removeDir(dir));
  return dir;
}

interface Run {
  child: ChildProcess;
  /** How the child ended: its exit code, or the signal that ended it. */
  ended: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

function hexts(dir: string, argv: string[], stdin = ''): Run {
  const child = spawn(process.execPath, [BIN, ...argv], { cwd: dir, env: cliEnv(registry, dir) as NodeJS.ProcessEnv, stdio: ['pipe', 'ignore', 'pipe'] });
  child.stdin!.end(stdin);
  let stderr = '';
  child.stderr!.on('data', (c) => (stderr += c));
  const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stderr })),
  );
  return { child, ended };
}

/** Stops the child (SIGSTOP) as soon as a name matching `pattern` appears in `dir`; resolves with that name. */
function stopWhenCreated(run: Run, dir: string, pattern: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    const watcher = watch(dir, (_event, name) => {
      if (name === null || !pattern.test(name)) return;
      run.child.kill('SIGSTOP');
      watcher.close();
      resolve(name);
    });
    run.ended.then(({ code, signal, stderr }) => {
      watcher.close();
      reject(new Error(`hexts ended (${code ?? signal}) before anything matching ${pattern} appeared\n${stderr}`));
    });
  });
}

/** Sends `signal` to a stopped child and lets it run, so it meets the signal where it was stopped. */
async function interrupt(run: Run, signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  run.child.kill(signal);
  run.child.kill('SIGCONT');
  return run.ended;
}

test('Ctrl-C during package fetch --unpack: no package directory and no temporary directory with partial contents', async () => {
  const dir = home();
  const out = scratch();
  const run = hexts(dir, ['package', 'fetch', 'bulky', '--unpack', '-o', join(out, 'bulky')]);
  const temporary = await stopWhenCreated(run, out, /^\.bulky\.[0-9a-f]{12}\.tmp$/);
  assert.ok(existsSync(join(out, temporary)), 'caught while unpacking');
  assert.equal(existsSync(join(out, 'bulky')), false, 'caught before the package was in place');

  const ended = await interrupt(run, 'SIGINT');
  assert.equal(ended.signal, 'SIGINT', `ended by Ctrl-C as the shell expects (130), not ${ended.code}\n${ended.stderr}`);
  assert.deepEqual(readdirSync(out), []);
});

describe('package diff\'s temporary directory', () => {
  /** hexts package diff with its own TMPDIR and stdout piped to the test. */
  function diff(dir: string, tmp: string, argv: string[]): Run & { stdout: NodeJS.ReadableStream } {
    const child = spawn(process.execPath, [BIN, 'package', 'diff', ...argv], { cwd: dir, env: cliEnv(registry, dir, { TMPDIR: tmp }) as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (c) => (stderr += c));
    const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stderr })));
    return { child, ended, stdout: child.stdout! };
  }

  test('Ctrl-C while a release is unpacked into it: the whole directory goes, and the exit is by the signal', async () => {
    const dir = home();
    const tmp = scratch();
    const run = diff(dir, tmp, ['bulky', '1.0.0..1.1.0']);
    run.stdout.resume();
    const parent = await stopWhenCreated(run, tmp, /^hexts-diff-/);
    // Let it go on until a release is being unpacked in there, then interrupt it.
    const unpacking = stopWhenCreated(run, join(tmp, parent), /^\.bulky-1\.[01]\.0\.[0-9a-f]{12}\.tmp$/);
    run.child.kill('SIGCONT');
    const temporary = await unpacking;
    assert.ok(existsSync(join(tmp, parent, temporary)), 'caught while unpacking');

    const ended = await interrupt(run, 'SIGINT');
    assert.equal(ended.signal, 'SIGINT', `ended by Ctrl-C, not ${ended.code}\n${ended.stderr}`);
    assert.deepEqual(readdirSync(tmp), []);
  });

  test('the reader of stdout goes away (hexts package diff … | head): the directory goes too', async () => {
    const dir = home();
    const tmp = scratch();
    const run = diff(dir, tmp, ['wordy', '1.0.0..1.1.0']);
    // Read the first piece of the diff, then close the pipe, as `head -c` does.
    const first = await new Promise<string>((resolve) =>
      run.stdout.once('data', (c) => {
        run.stdout.pause(); // hexts blocks on the full pipe until it is closed
        resolve(String(c));
      }),
    );
    assert.match(first, /^diff --git wordy-1\.0\.0\//);
    (run.stdout as unknown as { destroy(): void }).destroy();
    const ended = await run.ended;
    assert.equal(ended.code, 0, ended.stderr);
    assert.deepEqual(readdirSync(tmp), []);
  });
});

describe('a credential being written', () => {
  const TEMPORARY = /^\.credentials\.json\.[0-9a-f]{12}\.tmp$/;

  /** A HOME whose fallback file already holds a credential for another registry, 24 MB of it. */
  function homeWithCredentials(): { dir: string; hextsHome: string; before: string } {
    const dir = home();
    const hextsHome = join(dir, '.config', 'hexts');
    mkdirSync(hextsHome, { recursive: true, mode: 0o700 });
    const before = JSON.stringify({ version: 1, registries: { 'https://other.example/api': { user: { type: 'key', key: 'k'.repeat(24 * 1024 * 1024) } } } });
    writeFileSync(join(hextsHome, 'credentials.json'), before, { mode: 0o600 });
    return { dir, hextsHome, before };
  }
  const storeOrgKey = (dir: string) => hexts(dir, ['organization', 'auth', 'acme', '--key', '-', '--insecure-storage'], orgKey);

  test('SIGTERM while the key is written: no temporary file holding it, the file as it was', async () => {
    const { dir, hextsHome, before } = homeWithCredentials();
    const run = storeOrgKey(dir);
    const temporary = await stopWhenCreated(run, hextsHome, TEMPORARY);
    assert.ok(existsSync(join(hextsHome, temporary)), 'caught while writing');

    const ended = await interrupt(run, 'SIGTERM');
    assert.equal(ended.signal, 'SIGTERM', ended.stderr);
    assert.deepEqual(readdirSync(hextsHome).filter((name) => TEMPORARY.test(name)), []);
    assert.equal(readFileSync(join(hextsHome, 'credentials.json'), 'utf8'), before);
  });

  test('SIGKILL while the key is written: the temporary file it leaves goes with the next write, once abandoned', async () => {
    const { dir, hextsHome } = homeWithCredentials();
    const run = storeOrgKey(dir);
    const temporary = await stopWhenCreated(run, hextsHome, TEMPORARY);
    const ended = await interrupt(run, 'SIGKILL');
    assert.equal(ended.signal, 'SIGKILL');
    assert.ok(existsSync(join(hextsHome, temporary)), 'no process can clean up after SIGKILL');

    // Two minutes later (its mtime moved back), the next run that writes the file removes it.
    const aMinuteAgo = new Date(Date.now() - 2 * 60_000);
    utimesSync(join(hextsHome, temporary), aMinuteAgo, aMinuteAgo);
    const next = await storeOrgKey(dir).ended;
    assert.equal(next.code, 0, next.stderr);
    assert.deepEqual(readdirSync(hextsHome).filter((name) => TEMPORARY.test(name)), []);
    assert.equal(JSON.parse(readFileSync(join(hextsHome, 'credentials.json'), 'utf8')).registries[registry.apiUrl]['repository:hexpm:acme'].key, orgKey);
  });
});
