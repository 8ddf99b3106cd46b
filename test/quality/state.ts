import { clearService, hextsHomeIn, storedSecret } from '../helpers/keychain.js';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

// What a command left behind, to prove a failure lost or half-wrote nothing: every file and
// directory under a tree (with its contents' hash), and the keychain entries of a registry.

// Any run of the built hexts may cache V8's code under HEXTS_HOME/cache/code (src/boot.ts):
// no command's doing, so left out, with the directories made only to hold it.
const CODE_CACHE = /(^|\/)cache\/code(\/|$)/;

/** relative path → `dir`, or the sha256 of the file's bytes. Missing tree: {}. */
export function tree(root: string): Record<string, string> {
  if (!existsSync(root)) return {};
  const entries: Record<string, string> = {};
  const codeCaches: string[] = [];
  for (const entry of readdirSync(root, { withFileTypes: true, recursive: true })) {
    const path = relative(root, join(entry.parentPath, entry.name));
    if (CODE_CACHE.test(path)) codeCaches.push(path);
    else entries[path] = entry.isDirectory() ? 'dir' : createHash('sha256').update(readFileSync(join(root, path))).digest('hex');
  }
  const holdsCodeCache = (dir: string): boolean => codeCaches.some((p) => p.startsWith(`${dir}/`));
  // Kept: a file, or a directory there for something else than the code cache.
  const keptUnder = (dir: string): boolean =>
    Object.entries(entries).some(([p, kind]) => p.startsWith(`${dir}/`) && (kind !== 'dir' || !holdsCodeCache(p)));
  const dropped = Object.keys(entries).filter((p) => entries[p] === 'dir' && holdsCodeCache(p) && !keptUnder(p));
  for (const path of dropped) delete entries[path];
  return entries;
}

/** Names in `dir` that look like a write in progress (`.NAME.RANDOM.tmp`). */
export function temporaries(dir: string): string[] {
  return Object.keys(tree(dir)).filter((p) => /(^|\/)\..*\.[0-9a-f]{12}\.tmp(\/|$)/.test(p));
}

export const SLOTS = ['user', 'repository:hexpm:acme'] as const;

/** The secret the keychain holds for `slot` of the HOME `home`'s HEXTS_HOME, as `secret-tool lookup` shows it. */
export function keychainEntry(home: string, apiUrl: string, slot: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return storedSecret(hextsHomeIn(home), apiUrl, slot, env);
}

export const clearKeychain = clearService;

/** Files under HOME and the registry's keychain entries: compare before and after a failure. */
export function credentialState(home: string, apiUrl: string, env?: NodeJS.ProcessEnv): { files: Record<string, string>; keychain: Record<string, string | undefined> } {
  return { files: tree(home), keychain: Object.fromEntries(SLOTS.map((slot) => [slot, keychainEntry(home, apiUrl, slot, env)])) };
}
