import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

// The keychain as hexts fills it, read with secret-tool: the entry of a slot is named
// `SLOT@PROFILE`, where PROFILE is the id in that HEXTS_HOME's credentials-index.json.

/** The HEXTS_HOME a test's HOME implies (no HEXTS_HOME or XDG_CONFIG_HOME set). */
export const hextsHomeIn = (home: string): string => join(home, '.config', 'hexts');

/** The keychain account hexts uses for `slot` in the HEXTS_HOME `hextsHome`. */
export function keychainAccount(hextsHome: string, slot: string): string {
  const path = join(hextsHome, 'credentials-index.json');
  const profile = existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as { profile?: string }).profile : undefined;
  return `${slot}@${profile ?? 'no-profile-yet'}`;
}

/** What `secret-tool lookup` shows for an account of `hexts:<apiUrl>`; undefined if there is none. */
export function secretToolLookup(apiUrl: string, account: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const run = spawnSync('secret-tool', ['lookup', 'service', `hexts:${apiUrl}`, 'username', account], { env, encoding: 'utf8', timeout: 10000 });
  return run.status === 0 ? run.stdout : undefined;
}

/** The secret of `slot` that the HEXTS_HOME `hextsHome` keeps in the keychain. */
export function storedSecret(hextsHome: string, apiUrl: string, slot: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return secretToolLookup(apiUrl, keychainAccount(hextsHome, slot), env);
}

/** Removes every keychain entry of `hexts:<apiUrl>`, of every profile. */
export function clearService(apiUrl: string, env: NodeJS.ProcessEnv = process.env): void {
  spawnSync('secret-tool', ['clear', 'service', `hexts:${apiUrl}`], { env, timeout: 10000 });
}

/** The account names of every keychain entry of `hexts:<apiUrl>` (secret-tool prints attributes on stderr). */
export function keychainAccounts(apiUrl: string, env: NodeJS.ProcessEnv = process.env): string[] {
  const run = spawnSync('secret-tool', ['search', '--all', 'service', `hexts:${apiUrl}`], { env, encoding: 'utf8', timeout: 10000 });
  return [...run.stderr.matchAll(/^attribute\.username = (.*)$/gm)].map((m) => m[1]!).sort();
}
