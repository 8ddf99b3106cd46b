// The built entry point (bin/hexts.cjs → dist/boot.cjs). It loads dist/'s CommonJS chunks
// itself so that V8 can reuse their compiled code from a cache in HEXTS_HOME/cache/code:
// compiling hexts's JavaScript anew is the largest part of a short command's start-up
// after node's own (a `hexts build` of a small package: ≈14 ms of ≈100). Node 20 has no
// compile cache for modules (22 added module.enableCompileCache), hence this small loader
// over vm.Script's cachedData.
//
// The cache holds V8's code for dist/'s files and nothing from a run. A cache V8 does not
// accept (another node, a cut-short file) is compiled anew and rewritten; a cache that
// cannot be read or written costs only the time it would have saved.
//
// V8 checks only that a cache was made from a source of the same length: a cache file is
// code that runs. So one is used only when this user's runs wrote it right there: the
// directories are the user's and 0700, the file is the user's, and the manifest written
// with the files names, for each, the identity on disk (device, inode, size, ctime to the
// nanosecond) of the chunk it was compiled from and of the cache file itself. A chunk whose
// bytes changed, or a cache file copied or restored there (a CI cache shared between jobs),
// cannot keep that identity, since nobody sets a ctime; on any doubt the chunk is compiled
// from source and cached anew. (Identities, not a hash of the source: loading node:crypto
// alone would cost more than the cache saves.)
import {
  type BigIntStats,
  chmodSync,
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { Script } from 'node:vm';
import type { main as Main } from './cli.js';
import { hextsHome } from './config/paths.js';

// A hash of dist/'s chunks, written in by scripts/build.mjs: a rebuilt dist/ must never meet
// the code cached for the one before.
declare const HEXTS_BUILD_ID: string;

/** Per chunk: the identities of its source file and of its cache file when this user's run wrote the cache. */
type Manifest = Record<string, { source: string; file: string }>;

const MANIFEST = 'manifest.json';

interface Chunk {
  exports: unknown;
}

type Wrapper = (
  this: unknown,
  exports: unknown,
  require: (id: string) => unknown,
  module: Chunk,
  filename: string,
  dirname: string,
) => void;

class ChunkLoader {
  private readonly chunks = new Map<string, Chunk>();
  private readonly uncached: Array<{ script: Script; chunkFile: string; source: string }> = [];
  /** What the cache directory vouches for; undefined until first read, null when it vouches for nothing. */
  private manifest: Manifest | null | undefined;

  // Every chunk sits in distDir, so one require serves them all: `./…` comes back here,
  // the rest goes to node's require (resolving from distDir).
  private readonly require: (id: string) => unknown;

  constructor(
    private readonly distDir: string,
    private readonly cacheDir: string,
  ) {
    const nodeRequire = createRequire(join(distDir, 'boot.cjs'));
    this.require = (id) => (id.startsWith('./') ? this.load(join(distDir, id)) : nodeRequire(id));
  }

  /** The exports of one of distDir's chunks. */
  load(chunkFile: string): unknown {
    const known = this.chunks.get(chunkFile);
    if (known) return known.exports;
    // Registered before it runs, so that chunks requiring each other get the exports so far,
    // as with node's require.
    const chunk: Chunk = { exports: {} };
    this.chunks.set(chunkFile, chunk);

    const { code, source } = readSource(chunkFile);
    const cachedData = this.cachedCode(chunkFile, source);
    // The code starts on the wrapper's first line, so stack traces keep their line numbers.
    const wrapped = `(function (exports, require, module, __filename, __dirname) {${code}\n})`;
    const script = new Script(wrapped, { filename: chunkFile, cachedData });
    if (cachedData === undefined || script.cachedDataRejected) this.uncached.push({ script, chunkFile, source });

    (script.runInThisContext() as Wrapper).call(chunk.exports, chunk.exports, this.require, chunk, chunkFile, this.distDir);
    return chunk.exports;
  }

  /** The cached code for this very source, if this user's runs wrote it here; else undefined. */
  private cachedCode(chunkFile: string, source: string): Buffer | undefined {
    if (this.manifest === undefined) this.manifest = this.readManifest();
    const entry = this.manifest?.[basename(chunkFile)];
    if (entry?.source !== source) return undefined;
    let fd: number | undefined;
    try {
      fd = openSync(this.cacheFileOf(chunkFile), constants.O_RDONLY | constants.O_NOFOLLOW);
      const file = ownIdentity(fd);
      if (file === undefined || file !== entry.file) return undefined;
      return readFileSync(fd);
    } catch {
      return undefined; // not cached yet, or unreadable: compiled from source, and cached at exit
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  }

  private readManifest(): Manifest | null {
    try {
      if (!ownedPrivateDirectory(dirname(this.cacheDir)) || !ownedPrivateDirectory(this.cacheDir)) return null;
      const manifest: unknown = JSON.parse(readFileSync(join(this.cacheDir, MANIFEST), 'utf8'));
      return typeof manifest === 'object' && manifest !== null ? (manifest as Manifest) : null;
    } catch {
      return null;
    }
  }

  /** Caches V8's code for the chunks that had none; at exit, when the most of it is compiled. */
  save(): void {
    if (this.uncached.length === 0) return;
    try {
      mkdirSync(this.cacheDir, { recursive: true, mode: 0o700 });
      if (!makePrivate(dirname(this.cacheDir)) || !makePrivate(this.cacheDir)) return;
      // What the directory held before it was private vouches for nothing.
      const manifest: Manifest = this.manifest ? { ...this.manifest } : {};
      for (const { script, chunkFile, source } of this.uncached) {
        const target = this.cacheFileOf(chunkFile);
        writeAtomically(target, script.createCachedData());
        const fd = openSync(target, constants.O_RDONLY | constants.O_NOFOLLOW);
        try {
          const file = ownIdentity(fd);
          if (file !== undefined) manifest[basename(chunkFile)] = { source, file };
        } finally {
          closeSync(fd);
        }
      }
      writeAtomically(join(this.cacheDir, MANIFEST), JSON.stringify(manifest));
      // What other builds or other nodes cached is stale: one directory is kept.
      const parent = dirname(this.cacheDir);
      for (const entry of readdirSync(parent)) {
        if (entry !== basename(this.cacheDir)) rmSync(join(parent, entry), { recursive: true, force: true });
      }
    } catch {
      // An optimisation only: an unwritable HEXTS_HOME must not fail the command.
    }
  }

  private cacheFileOf(chunkFile: string): string {
    return join(this.cacheDir, `${basename(chunkFile)}.v8`);
  }
}

const ownUid = process.getuid?.();

/** A chunk's text, and the identity of the file it was read from. */
function readSource(chunkFile: string): { code: string; source: string } {
  const fd = openSync(chunkFile, 'r');
  try {
    return { source: identity(fstatSync(fd, { bigint: true })), code: readFileSync(fd, 'utf8') };
  } finally {
    closeSync(fd);
  }
}

/** A file as it is on disk: written to, copied or replaced, it is another. */
function identity(stats: BigIntStats): string {
  return `${stats.dev}:${stats.ino}:${stats.size}:${stats.ctimeNs}`;
}

/** The identity of a regular file of this user's that is closed to others; undefined for anything else. */
function ownIdentity(fd: number): string | undefined {
  const stats = fstatSync(fd, { bigint: true });
  if (!stats.isFile() || (ownUid !== undefined && (stats.uid !== BigInt(ownUid) || (stats.mode & 0o077n) !== 0n))) return undefined;
  return identity(stats);
}

/** A directory (not a link to one) that is this user's and closed to others. Windows has no such modes: there, any directory. */
function ownedPrivateDirectory(path: string): boolean {
  const stats = lstatSync(path);
  return stats.isDirectory() && (ownUid === undefined || (stats.uid === ownUid && (stats.mode & 0o077) === 0));
}

/** As ownedPrivateDirectory, closing a directory of this user's that was open to others. */
function makePrivate(path: string): boolean {
  const stats = lstatSync(path);
  if (!stats.isDirectory() || (ownUid !== undefined && stats.uid !== ownUid)) return false;
  if (ownUid !== undefined && (stats.mode & 0o077) !== 0) chmodSync(path, 0o700);
  return true;
}

// A full disk leaves no half-written file behind.
function writeAtomically(target: string, data: string | Uint8Array): void {
  const partial = `${target}.${process.pid}.tmp`;
  try {
    writeFileSync(partial, data, { mode: 0o600 });
    renameSync(partial, target);
  } catch (err) {
    rmSync(partial, { force: true });
    throw err;
  }
}

/** Runs hexts from the built dist/ directory with the process's own IO. */
export async function run(distDir: string): Promise<void> {
  // A reader that goes away early (`hexts … | head`) is not an error.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });

  const env = process.env;
  const loader = new ChunkLoader(distDir, join(hextsHome(env), 'cache', 'code', `${process.version}-${process.arch}-${HEXTS_BUILD_ID}`));
  process.on('exit', () => loader.save());

  const { main } = loader.load(join(distDir, 'cli.cjs')) as { main: typeof Main };
  process.exitCode = await main(process.argv.slice(2), {
    streams: { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr },
    env,
    cwd: process.cwd(),
  });
}
