#!/usr/bin/env node
// `hexts build` on a large generated package (≈1,500 files, ≈45 MB of Elixir-like source)
// against `tar cf - … | gzip -6` on the same files and against the deflate alone (pako 2,
// level 6, over the same uncompressed tar, in a process of its own); and `hexts build` of
// the small ref_tiny fixture against `node -e 0` (medians of interleaved runs). Prints the
// figures and asserts nothing. Targets: time beyond the deflate ≤ 30 %, peak RSS ≤ 120 MiB,
// small build ≤ 1.7 × `node -e 0`.
// Usage: node bench/build.mjs [--json]   (needs `npm run build` first)
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FILES, generatePackage } from './large-package.mjs';
import { gunzipSync } from 'node:zlib';
import { median } from './median.mjs';

const BIG_RUNS = 3;
const SMALL_RUNS = 15;
const MIB = 1024 * 1024;

const bin = fileURLToPath(new URL('../bin/hexts.cjs', import.meta.url));
const tinyProject = fileURLToPath(new URL('../test/fixtures/corpus/ref_tiny/project/', import.meta.url));

// Child mode: time pako's deflate of a file, cold, as hexts does it once per build.
if (process.argv[2] === '--deflate-child') {
  const { deflateRaw } = await import('pako');
  const data = readFileSync(process.argv[3]);
  const start = process.hrtime.bigint();
  const compressed = deflateRaw(data, { level: 6, windowBits: 15, memLevel: 8, strategy: 0 });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  process.stdout.write(JSON.stringify({ ms, size: compressed.length }));
  process.exit(0);
}

// --- measuring ---------------------------------------------------------------------------

const hasGnuTime = existsSync('/usr/bin/time');

/** Runs a command; wall time in ms and peak RSS in bytes (GNU time, else /proc/PID/status VmHWM). */
function measure(command, args, options) {
  return new Promise((resolve, reject) => {
    const [file, argv] = hasGnuTime ? ['/usr/bin/time', ['-f', '%M', command, ...args]] : [command, args];
    const start = process.hrtime.bigint();
    const child = spawn(file, argv, { ...options, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let polledKiB = 0;
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const poll = hasGnuTime
      ? undefined
      : setInterval(() => {
          try {
            const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
            if (match) polledKiB = Math.max(polledKiB, Number(match[1]));
          } catch {
            // The process has just ended; the last reading stands.
          }
        }, 5);
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      if (poll) clearInterval(poll);
      if (code !== 0) return reject(new Error(`${command} ${args.join(' ')} exited ${code}\n${stderr}`));
      const kib = hasGnuTime ? Number(stderr.trim().split('\n').at(-1)) : polledKiB;
      resolve({ ms, rss: kib * 1024 });
    });
  });
}

function timeSync(command, args, options) {
  const start = process.hrtime.bigint();
  const result = spawnSync(command, args, { ...options, stdio: ['ignore', 'ignore', 'inherit'] });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.status}`);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** The uncompressed inner tar of a Hex tarball: contents.tar.gz, gunzipped. */
function innerTar(tarball) {
  for (let offset = 0; offset + 512 <= tarball.length; ) {
    const name = tarball.toString('latin1', offset, offset + 100).replace(/\0.*$/s, '');
    const size = parseInt(tarball.toString('latin1', offset + 124, offset + 136).replace(/\0.*$/s, ''), 8);
    if (name === 'contents.tar.gz') return gunzipSync(tarball.subarray(offset + 512, offset + 512 + size));
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  throw new Error('no contents.tar.gz in the tarball');
}

const scratch = mkdtempSync(join(tmpdir(), 'hexts-bench-build-'));
try {
  const pkg = join(scratch, 'bench_pkg');
  const out = join(scratch, 'out');
  mkdirSync(pkg);
  mkdirSync(out);
  const sourceBytes = generatePackage(pkg);
  const tarball = join(out, 'bench_pkg-1.0.0.tar');

  // Once to warm the file cache and to get the inner tar the deflate-alone runs read.
  await measure(process.execPath, [bin, 'build', '-o', tarball], { cwd: pkg });
  const built = readFileSync(tarball);
  const tarBytes = innerTar(built);
  const innerPath = join(out, 'contents.tar');
  writeFileSync(innerPath, tarBytes);

  const hexts = [];
  const tarGzip = [];
  const deflate = [];
  let deflatedSize = 0;
  for (let i = 0; i < BIG_RUNS; i++) {
    rmSync(tarball, { force: true });
    hexts.push(await measure(process.execPath, [bin, 'build', '-o', tarball], { cwd: pkg, env: { ...process.env, HEXTS_HOME: join(scratch, 'hexts-home') } }));
    tarGzip.push(timeSync('sh', ['-c', `tar cf - mix.exs README.md LICENSE lib | gzip -6 > '${join(out, 'plain.tar.gz')}'`], { cwd: pkg }));
    const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--deflate-child', innerPath], { encoding: 'utf8' });
    if (child.status !== 0) throw new Error(`deflate child exited ${child.status}\n${child.stderr}`);
    const { ms, size } = JSON.parse(child.stdout);
    deflate.push(ms);
    deflatedSize = size;
  }

  // The small build, interleaved with bare node so that machine noise hits both alike. Both
  // get this environment: some variables (NODE_EXTRA_CA_CERTS) cost every node start-up.
  // hexts runs with a HEXTS_HOME of its own: once fresh each time, as a first run is (no
  // code cache yet, and writing it), then with the code cache the first run left.
  const tiny = join(scratch, 'tiny');
  cpSync(tinyProject, tiny, { recursive: true });
  const tinyArgs = [bin, 'build', '-o', join(out, 'tiny-1.0.0.tar')];
  const withHome = (home) => ({ cwd: tiny, env: { ...process.env, HEXTS_HOME: home } });
  const cachedHome = join(scratch, 'hexts-home');
  timeSync(process.execPath, ['-e', '0']);
  timeSync(process.execPath, tinyArgs, withHome(cachedHome));
  const bare = [];
  const small = [];
  const smallFirst = [];
  for (let i = 0; i < SMALL_RUNS; i++) {
    bare.push(timeSync(process.execPath, ['-e', '0']));
    small.push(timeSync(process.execPath, tinyArgs, withHome(cachedHome)));
    const freshHome = join(scratch, `fresh-home-${i}`);
    smallFirst.push(timeSync(process.execPath, tinyArgs, withHome(freshHome)));
    rmSync(freshHome, { recursive: true, force: true });
  }

  const result = {
    files: FILES + 3,
    source_bytes: sourceBytes,
    inner_tar_bytes: tarBytes.length,
    deflated_bytes: deflatedSize,
    compression_ratio: tarBytes.length / deflatedSize,
    tarball_bytes: built.length,
    big_runs: BIG_RUNS,
    hexts_build_ms: median(hexts.map((r) => r.ms)),
    tar_gzip_ms: median(tarGzip),
    deflate_ms: median(deflate),
    peak_rss_bytes: Math.max(...hexts.map((r) => r.rss)),
    peak_rss_method: hasGnuTime ? '/usr/bin/time -f %M' : '/proc/PID/status VmHWM',
    small_runs: SMALL_RUNS,
    node_ms: median(bare),
    small_build_ms: median(small),
    small_first_build_ms: median(smallFirst),
  };
  result.beyond_deflate = (result.hexts_build_ms - result.deflate_ms) / result.deflate_ms;
  result.peak_rss_mib = result.peak_rss_bytes / MIB;
  result.small_ratio = result.small_build_ms / result.node_ms;
  result.small_first_ratio = result.small_first_build_ms / result.node_ms;

  if (process.argv.includes('--json')) console.log(JSON.stringify(result));
  else {
    const ms = (x) => `${x.toFixed(0).padStart(7)} ms`;
    const row = (label, value, note = '') => console.log(`${label.padEnd(36)}${value}${note ? `   ${note}` : ''}`);
    row('package', `${result.files} files, ${(sourceBytes / 1e6).toFixed(1)} MB of source`);
    row('inner tar / deflated', `${(tarBytes.length / 1e6).toFixed(1)} MB / ${(deflatedSize / 1e6).toFixed(1)} MB`, `(${result.compression_ratio.toFixed(2)}:1)`);
    row(`hexts build (median of ${BIG_RUNS})`, ms(result.hexts_build_ms));
    row('tar cf - … | gzip -6', ms(result.tar_gzip_ms));
    row('pako deflateRaw level 6 alone', ms(result.deflate_ms));
    row('hexts build beyond the deflate', `${(100 * result.beyond_deflate).toFixed(1).padStart(7)} %`, '(target ≤ 30 %)');
    row('hexts build peak RSS', `${result.peak_rss_mib.toFixed(1).padStart(7)} MiB`, `(target ≤ 120 MiB; ${result.peak_rss_method})`);
    row(`node -e 0 (median of ${SMALL_RUNS})`, ms(result.node_ms));
    row(`hexts build ref_tiny (median of ${SMALL_RUNS})`, ms(result.small_build_ms));
    row('ref_tiny build / node -e 0', `${result.small_ratio.toFixed(2).padStart(7)}`, '(target ≤ 1.70)');
    row('  the same, a first run (no code cache)', ms(result.small_first_build_ms), `(${result.small_first_ratio.toFixed(2)} × node -e 0)`);
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
