import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

// What a command left behind, to prove a failure lost or half-wrote nothing: every file and
// directory under a tree (with its contents' hash), and the keychain entries of a registry.

/** relative path → `dir`, or the sha256 of the file's bytes. Missing tree: {}. */
export function tree(root: string): Record<string, string> {
  if (!existsSync(root)) return {};
  const entries: Record<string, string> = {};
  for (const entry of readdirSync(root, { withFileTypes: true, recursive: true })) {
    const path = join(entry.parentPath, entry.name);
    entries[relative(root, path)] = entry.isDirectory() ? 'dir' : createHash('sha256').update(readFileSync(path)).digest('hex');
  }
  return entries;
}

/** Names in `dir` that look like a write in progress (`.NAME.RANDOM.tmp`). */
export function temporaries(dir: string): string[] {
  return Object.keys(tree(dir)).filter((p) => /(^|\/)\..*\.[0-9a-f]{12}\.tmp(\/|$)/.test(p));
}

export const SLOTS = ['user', 'repository:hexpm:acme'] as const;

/** The secret the keychain holds for `hexts:<apiUrl>` / slot, as `secret-tool lookup` shows it. */
export function keychainEntry(apiUrl: string, slot: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const run = spawnSync('secret-tool', ['lookup', 'service', `hexts:${apiUrl}`, 'username', slot], { env, encoding: 'utf8', timeout: 10000 });
  return run.status === 0 ? run.stdout : undefined;
}

export function clearKeychain(apiUrl: string, env: NodeJS.ProcessEnv = process.env): void {
  for (const slot of SLOTS) spawnSync('secret-tool', ['clear', 'service', `hexts:${apiUrl}`, 'username', slot], { env, timeout: 10000 });
}

/** Files under HOME and the registry's keychain entries: compare before and after a failure. */
export function credentialState(home: string, apiUrl: string, env?: NodeJS.ProcessEnv): { files: Record<string, string>; keychain: Record<string, string | undefined> } {
  return { files: tree(home), keychain: Object.fromEntries(SLOTS.map((slot) => [slot, keychainEntry(apiUrl, slot, env)])) };
}
