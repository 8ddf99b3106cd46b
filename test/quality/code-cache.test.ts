// The V8 code cache under HEXTS_HOME/cache/code (src/boot.ts) runs only code compiled from
// hexts's own source by this user's runs. V8 accepts any cache made from a source of the
// same length, so each test plants one (compiled from a same-length source that leaves a
// mark) the way an attacker could: over a file, with a forged manifest, from a CI cache
// restored into place, in a directory open to others or owned by someone else. The built
// hexts must never run it, and must keep working.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import { SPAWN_WATCHDOG_MS, finished, scratchHome, spawnCli } from '../helpers/cli.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const DIST = join(ROOT, 'dist');

// Compiles a source as long as the chunk's wrapped source (as src/boot.ts wraps it) that
// writes the mark and exits, and saves V8's cache of it. Run by node as hexts is, so that
// V8 takes the cache as its own.
const PLANT = `
const { Script } = require('node:vm');
const fs = require('node:fs');
const [chunkFile, cacheFile, mark] = process.argv.slice(1);
const head = '(function (exports, require, module, __filename, __dirname) {';
const length = head.length + fs.readFileSync(chunkFile, 'utf8').length + 3;
const body = 'require("fs").writeFileSync(' + JSON.stringify(mark) + ', "foreign code ran"); process.exit(0);';
const script = new Script(head + body.padEnd(length - head.length - 3) + '\\n})', { filename: chunkFile });
script.runInThisContext();
fs.writeFileSync(cacheFile, script.createCachedData(), { mode: 0o600 });
`;

let scratch: ReturnType<typeof scratchHome>;
let env: Record<string, string | undefined>;
let mark: string;

beforeEach(() => {
  scratch = scratchHome();
  env = { PATH: process.env.PATH, HOME: scratch.home };
  mark = join(scratch.home, 'foreign-code-ran');
});
afterEach(() => scratch.cleanup());

/** Runs `hexts --help` (or `argv`): it must work as always, and the planted code must not have run. */
async function runsOwnCode(argv = ['--help']): Promise<void> {
  const run = await spawnCli(argv, { env });
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, argv[0] === '--help' ? /^Usage: hexts / : /\S/);
  assert.equal(existsSync(mark), false, 'the planted code ran');
}

/** The cache directory, after a first run has filled it. */
async function filledCache(): Promise<string> {
  assert.equal((await spawnCli(['--help'], { env })).code, 0);
  const root = join(scratch.hextsHome, 'cache', 'code');
  const [dir] = readdirSync(root);
  return join(root, dir!);
}

function plant(cacheDir: string, chunk = 'cli.cjs'): void {
  const made = spawnSync(process.execPath, ['-e', PLANT, join(DIST, chunk), join(cacheDir, `${chunk}.v8`), mark], { encoding: 'utf8' });
  assert.equal(made.status, 0, made.stderr);
}

const inode = (path: string) => statSync(path).ino;

test('a chunk edited in place to a source of the same length is compiled anew, not served the old code', async () => {
  // A copy of the built hexts, since its dist/ is edited (same build id, same lengths).
  const copy = mkdtempSync(join(tmpdir(), 'hexts-copy-'));
  try {
    cpSync(join(ROOT, 'bin'), join(copy, 'bin'), { recursive: true });
    cpSync(DIST, join(copy, 'dist'), { recursive: true });
    const help = () => finished(spawn(process.execPath, [join(copy, 'bin', 'hexts.cjs'), '--help'], { env }), 'hexts --help', SPAWN_WATCHDOG_MS);
    assert.match((await help()).stdout, /^A command-line client for Hex/m);
    const chunk = readdirSync(join(copy, 'dist')).map((name) => join(copy, 'dist', name)).find((path) => readFileSync(path, 'utf8').includes('A command-line client'))!;
    writeFileSync(chunk, readFileSync(chunk, 'utf8').replace('A command-line client', 'A COMMAND-LINE CLIENT'));
    const edited = await help();
    assert.equal(edited.code, 0, edited.stderr);
    assert.match(edited.stdout, /^A COMMAND-LINE CLIENT for Hex/m);
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
});

test('a planted cache of a same-length source with other code does not run', async () => {
  const dir = await filledCache();
  plant(dir);
  await runsOwnCode();
  // …and the next run is served from a cache of our own again, which stays.
  const rewritten = readFileSync(join(dir, 'cli.cjs.v8'));
  await runsOwnCode();
  assert.deepEqual(readFileSync(join(dir, 'cli.cjs.v8')), rewritten);
});

test('a planted cache with a manifest naming the source and the file it replaced does not run', async () => {
  const dir = await filledCache();
  const manifest = join(dir, 'manifest.json');
  const vouching = existsSync(manifest) ? readFileSync(manifest) : undefined;
  rmSync(join(dir, 'cli.cjs.v8'));
  plant(dir);
  if (vouching) writeFileSync(manifest, vouching);
  await runsOwnCode();
});

test('a cache restored into place (a CI cache shared between jobs) is compiled anew, not run', async () => {
  const dir = await filledCache();
  const elsewhere = join(scratch.home, 'ci-cache');
  plant(dir);
  cpSync(dir, elsewhere, { recursive: true, preserveTimestamps: true });
  rmSync(dir, { recursive: true });
  cpSync(elsewhere, dir, { recursive: true, preserveTimestamps: true });
  const ours = readdirSync(dir).find((name) => name.startsWith('chunk-'))!;
  const restored = inode(join(dir, ours));
  await runsOwnCode();
  // Even the files that held our own code are not taken as ours: compiled anew and rewritten.
  assert.notEqual(inode(join(dir, ours)), restored);
});

test('a cache directory open to others is not trusted, and closed again', async () => {
  const dir = await filledCache();
  chmodSync(dir, 0o777);
  const before = inode(join(dir, 'cli.cjs.v8'));
  await runsOwnCode();
  assert.equal(statSync(dir).mode & 0o777, 0o700);
  assert.notEqual(inode(join(dir, 'cli.cjs.v8')), before, 'compiled anew, not read from the open directory');
});

test('a cache directory owned by someone else is neither run nor written', { skip: process.getuid?.() !== 0 && 'needs root to give files to another user' }, async () => {
  const dir = await filledCache();
  plant(dir);
  const codeRoot = join(scratch.hextsHome, 'cache', 'code');
  for (const path of [codeRoot, dir, ...readdirSync(dir).map((n) => join(dir, n))]) chownSync(path, 65534, 65534);
  // What that user could write: the planted file's true identity, now that it is theirs.
  const manifest = join(dir, 'manifest.json');
  if (existsSync(manifest)) {
    const vouching = JSON.parse(readFileSync(manifest, 'utf8'));
    const stats = statSync(join(dir, 'cli.cjs.v8'), { bigint: true });
    vouching['cli.cjs'].file = `${stats.dev}:${stats.ino}:${stats.size}:${stats.ctimeNs}`;
    writeFileSync(manifest, JSON.stringify(vouching));
  }
  const names = readdirSync(dir).sort();

  await runsOwnCode(['config', 'api_url']);
  assert.deepEqual(readdirSync(dir).sort(), names, 'nothing added to a directory that is not ours');
});
