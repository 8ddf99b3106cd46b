import { createRequire } from 'node:module';

// The build writes the version in (see scripts/build.mjs); running from src/, it is read from
// package.json, one level up.
declare const HEXTS_VERSION: string | undefined;

export const VERSION: string =
  typeof HEXTS_VERSION === 'string' ? HEXTS_VERSION : (createRequire(import.meta.url)('../package.json') as { version: string }).version;
