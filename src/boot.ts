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
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { Script } from 'node:vm';
import type { main as Main } from './cli.js';
import { hextsHome } from './config/paths.js';

// A hash of dist/'s chunks, written in by scripts/build.mjs: a rebuilt dist/ must never meet
// the code cached for the one before, and V8 checks only that the source's length matches.
declare const HEXTS_BUILD_ID: string;

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
  private readonly uncached: Array<{ script: Script; chunkFile: string }> = [];

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

    let cachedData: Buffer | undefined;
    try {
      cachedData = readFileSync(this.cacheFileOf(chunkFile));
    } catch {
      // Not cached yet, or unreadable: compiled from source, and cached at exit.
    }
    // The source starts on the wrapper's first line, so stack traces keep their line numbers.
    const source = `(function (exports, require, module, __filename, __dirname) {${readFileSync(chunkFile, 'utf8')}\n})`;
    const script = new Script(source, { filename: chunkFile, cachedData });
    if (cachedData === undefined || script.cachedDataRejected) this.uncached.push({ script, chunkFile });

    (script.runInThisContext() as Wrapper).call(chunk.exports, chunk.exports, this.require, chunk, chunkFile, this.distDir);
    return chunk.exports;
  }

  /** Caches V8's code for the chunks that had none; at exit, when the most of it is compiled. */
  save(): void {
    if (this.uncached.length === 0) return;
    try {
      mkdirSync(this.cacheDir, { recursive: true, mode: 0o700 });
      for (const { script, chunkFile } of this.uncached) {
        const target = this.cacheFileOf(chunkFile);
        const partial = `${target}.${process.pid}.tmp`;
        try {
          writeFileSync(partial, script.createCachedData(), { mode: 0o600 });
          renameSync(partial, target);
        } catch (err) {
          rmSync(partial, { force: true }); // a full disk leaves no half-written file behind
          throw err;
        }
      }
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
