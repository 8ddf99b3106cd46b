#!/usr/bin/env node
// Bundles the local registry (registry/main.ts, what `npm run registry` runs) into one CommonJS
// file, build/registry.cjs: it runs on plain node, its devDependencies (the certificate code)
// bundled in. build/ is not in package.json's "files", so the registry, whose /_test/ routes
// create accounts and approve logins, never ships in the hexts package. scripts/build.mjs runs
// this too.
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;

await build({
  entryPoints: [`${root}registry/main.ts`],
  outfile: `${root}build/registry.cjs`,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  bundle: true,
  logLevel: 'warning',
  // createRequire(import.meta.url) in src/ (resolving from the file itself): what src/ loads
  // that way (protobufjs, spdx-license-ids) are dependencies, left in node_modules.
  define: { 'import.meta.url': '__filename' },
});
