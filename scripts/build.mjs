#!/usr/bin/env node
// Builds dist/ from src/: one ESM bundle per lazily loaded part (esbuild code splitting),
// so a command loads its own code and little else, in few files. src/ is typechecked
// separately by `tsc --noEmit` (see the build script in package.json).
import { readFileSync, rmSync } from 'node:fs';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;
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

rmSync(`${root}dist`, { recursive: true, force: true });
await build({
  entryPoints: [`${root}src/cli.ts`],
  outdir: `${root}dist`,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  minifySyntax: true,
  minifyWhitespace: true,
  // Native (keyring) or loaded through require at run time (protobufjs): left in node_modules.
  external: ['@napi-rs/keyring', 'protobufjs', 'protobufjs/*'],
  define: { HEXTS_VERSION: JSON.stringify(version) },
  // Bundled CommonJS code calls require() for node's built-in modules.
  banner: { js: "import{createRequire as __hextsRequire}from'node:module';const require=__hextsRequire(import.meta.url);" },
  plugins: [lazyChildProcess],
  logLevel: 'warning',
});
