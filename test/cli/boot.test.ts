// The built entry point's code cache (src/boot.ts): written once, reused without rewriting,
// replaced when V8 refuses it, never in the way of a command, and never holding a secret.
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { scratchHome, spawnCli } from '../helpers/cli.js';

let scratch: ReturnType<typeof scratchHome>;
let env: Record<string, string | undefined>;
let codeRoot: string;

before(() => {
  scratch = scratchHome();
  env = { PATH: process.env.PATH, HOME: scratch.home };
  codeRoot = join(scratch.hextsHome, 'cache', 'code');
});
after(() => scratch.cleanup());

/** The one cache directory's files: name → [bytes, mtime]. */
function cached(): { dir: string; files: Map<string, [Buffer, number]> } {
  const dirs = readdirSync(codeRoot);
  assert.equal(dirs.length, 1, `one cache directory, not ${dirs.join(', ')}`);
  const dir = join(codeRoot, dirs[0]!);
  const files = new Map<string, [Buffer, number]>();
  for (const name of readdirSync(dir)) files.set(name, [readFileSync(join(dir, name)), statSync(join(dir, name)).mtimeMs]);
  return { dir, files };
}

test('the first run caches the code of the chunks it loaded; the next reuses it as it is', async () => {
  const first = await spawnCli(['--help'], { env });
  assert.equal(first.code, 0, first.stderr);

  const { dir, files } = cached();
  assert.match(dir, new RegExp(`/${process.version}-${process.arch}-[0-9a-f]{16}$`));
  assert.ok(files.has('cli.cjs.v8'), [...files.keys()].join(' '));
  // V8's code per chunk, and the manifest that vouches for each file (test/quality/code-cache.test.ts).
  assert.ok([...files.keys()].every((name) => /^[\w-]+\.cjs\.v8$/.test(name) || name === 'manifest.json'), [...files.keys()].join(' '));
  assert.deepEqual(Object.keys(JSON.parse(files.get('manifest.json')![0].toString())).map((chunk) => `${chunk}.v8`).sort(), [...files.keys()].filter((name) => name !== 'manifest.json').sort());
  assert.equal(statSync(codeRoot).mode & 0o777, 0o700);
  assert.equal(statSync(dir).mode & 0o777, 0o700);
  for (const name of files.keys()) assert.equal(statSync(join(dir, name)).mode & 0o777, 0o600, name);

  // Accepted by V8, so not written again: same bytes, same mtime; and the same output.
  const second = await spawnCli(['--help'], { env });
  assert.equal(second.code, 0, second.stderr);
  assert.equal(second.stdout, first.stdout);
  assert.deepEqual(cached().files, files);

  // Another command adds the chunks it loads and leaves the others alone.
  const config = await spawnCli(['config', 'api_url'], { env });
  assert.equal(config.code, 0, config.stderr);
  assert.equal(config.stdout, 'https://hex.pm/api\n');
  const grown = cached().files;
  assert.ok(grown.size > files.size);
  for (const [name, entry] of files) {
    if (name !== 'manifest.json') assert.deepEqual(grown.get(name), entry, name);
  }
});

test('a cache V8 refuses is compiled anew and written over', async () => {
  assert.equal((await spawnCli(['--help'], { env })).code, 0);
  const { dir } = cached();
  const garbage = Buffer.alloc(2000, 7);
  writeFileSync(join(dir, 'cli.cjs.v8'), garbage);

  const run = await spawnCli(['--help'], { env });
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /^Usage: hexts /);
  assert.notDeepEqual(readFileSync(join(dir, 'cli.cjs.v8')), garbage);
  // …and the rewritten one is accepted: a third run leaves it be.
  const rewritten = cached().files.get('cli.cjs.v8');
  assert.equal((await spawnCli(['--help'], { env })).code, 0);
  assert.deepEqual(cached().files.get('cli.cjs.v8'), rewritten);
});

test('caches of other builds and other nodes are removed when one is written', async () => {
  const stale = join(codeRoot, 'v0.0.0-x64-0123456789abcdef');
  mkdirSync(stale, { recursive: true });
  writeFileSync(join(stale, 'cli.cjs.v8'), 'old');
  // A chunk not cached yet (the build command's) makes this run write.
  const run = await spawnCli(['build', '--help'], { env });
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(readdirSync(codeRoot).filter((d) => d.startsWith('v0.0.0')), []);
  assert.equal(readdirSync(codeRoot).length, 1);
});

test('a HEXTS_HOME where nothing can be written costs the cache only, not the command', async () => {
  const blocker = join(scratch.home, 'a-file');
  writeFileSync(blocker, '');
  // Under a regular file, so that not even root can create it.
  const run = await spawnCli(['--help'], { env: { ...env, HEXTS_HOME: join(blocker, 'hexts') } });
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /^Usage: hexts /);
  assert.equal(run.stderr, '');
});

test('the cache holds no secret a command was given', async () => {
  const secret = 'c0ffee'.repeat(5) + 'feed';
  const home = scratchHome();
  try {
    // Refused before it is stored (nothing listens there), but the key went through the code.
    const run = await spawnCli(['--api-url', 'https://127.0.0.1:9/api', 'organization', 'auth', 'acme', '--key', secret], {
      env: { PATH: process.env.PATH, HOME: home.home },
    });
    assert.equal(run.code, 1, run.stderr);
    const root = join(home.hextsHome, 'cache', 'code');
    const dirs = readdirSync(root);
    assert.equal(dirs.length, 1);
    const files = readdirSync(join(root, dirs[0]!));
    assert.ok(files.length > 5, files.join(' '));
    for (const name of files) {
      const bytes = readFileSync(join(root, dirs[0]!, name));
      for (const encoding of ['latin1', 'utf16le'] as const) assert.equal(bytes.indexOf(Buffer.from(secret, encoding)), -1, `${name} (${encoding})`);
    }
  } finally {
    home.cleanup();
  }
});
