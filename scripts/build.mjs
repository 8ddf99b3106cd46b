#!/usr/bin/env node
// Builds dist/ from src/: one CommonJS file per lazily loaded part, so a command loads its
// own code and little else. src/ is typechecked separately by `tsc --noEmit` (see the build
// script in package.json).
//
// esbuild splits code only in ESM output, so the split ESM chunks are then turned into
// CommonJS one by one: node loads CommonJS without its ESM loader (≈3 ms of every start),
// and src/boot.ts can load them with V8's code cache (see there).
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { build, transform } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;
const dist = `${root}dist`;
const { version } = JSON.parse(readFileSync(`${root}package.json`, 'utf8'));

// commander requires child_process when it loads, only to run executable subcommands, which
// hexts has none of; loading it on first use keeps that cost off every start.
const lazyChildProcess = {
  name: 'lazy-child-process',
  setup(b) {
    b.onResolve({ filter: /^node:child_process$/ }, (args) =>
      /[\\/]commander[\\/]/.test(args.importer) ? { path: 'lazy-child-process', namespace: 'hexts' } : undefined);
    b.onLoad({ filter: /.*/, namespace: 'hexts' }, () => ({
      contents: "module.exports = new Proxy({}, { get: (_, name) => require('child_process')[name] });",
      loader: 'js',
    }));
  },
};

const common = { platform: 'node', target: 'node20', minifySyntax: true, minifyWhitespace: true, logLevel: 'warning' };

const split = await build({
  ...common,
  entryPoints: [`${root}src/cli.ts`],
  outdir: dist,
  outExtension: { '.js': '.cjs' },
  write: false,
  bundle: true,
  splitting: true,
  format: 'esm',
  // Native (keyring) or loaded through require at run time (protobufjs): left in node_modules.
  external: ['@napi-rs/keyring', 'protobufjs', 'protobufjs/*'],
  define: { HEXTS_VERSION: JSON.stringify(version) },
  plugins: [lazyChildProcess],
});

const chunks = await Promise.all(
  split.outputFiles.map(async (file) => ({
    name: basename(file.path),
    code: (
      await transform(file.text, {
        ...common,
        format: 'cjs',
        // import() of a sibling chunk becomes require(), which src/boot.ts serves.
        supported: { 'dynamic-import': false },
        // createRequire(import.meta.url) in src/ (resolving from the file itself).
        define: { 'import.meta.url': '__filename' },
      })
    ).code,
  })),
);

const buildId = createHash('sha256');
for (const { name, code } of chunks) buildId.update(`${name}\0${code}\0`);

rmSync(dist, { recursive: true, force: true });
mkdirSync(dist);
for (const { name, code } of chunks) writeFileSync(`${dist}/${name}`, code);

await build({
  ...common,
  entryPoints: [`${root}src/boot.ts`],
  outfile: `${dist}/boot.cjs`,
  bundle: true,
  format: 'cjs',
  define: { HEXTS_BUILD_ID: JSON.stringify(buildId.digest('hex').slice(0, 16)) },
});

// The local registry, outside dist/ (see scripts/build-registry.mjs).
await import('./build-registry.mjs');
