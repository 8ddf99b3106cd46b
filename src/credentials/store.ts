import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Permission } from '../api/types.js';
import { CliError } from '../errors.js';
import { writeFileAtomic } from '../util/atomic.js';
import { withFileLock, withLock } from '../util/lock.js';
import { keychain, KeychainUnavailableError } from './keychain.js';

// Where secrets live. Each registry (API URL) has its own slots, so a self-hosted
// registry's credentials are never sent to hex.pm or the reverse:
//   user                     the logged-in user: OAuth tokens or a user API key
//   repository:hexpm:ORG     an organization's repository key
// Secrets go to the OS keychain; when there is none (no session bus, no Secret Service,
// locked, no answer) or --insecure-storage asks for it, to a 0600 file under HEXTS_HOME,
// with a warning naming the file every time. A secret-free index records which store
// holds each slot, so listing never has to unlock anything.
//
// One keychain serves every HEXTS_HOME of a user, so each home is a profile with a random id
// (kept in its index) and its keychain entries are named `SLOT@PROFILE`: two homes never
// see or delete each other's secrets. Entries written before profiles existed (named `SLOT`)
// move to the profile's name the first time they are read.
//
// Runs sharing a home change the index and the file at the same time: each change re-reads
// the file under its lock (src/util/lock.ts) and writes it back before releasing it.

export type StoreKind = 'keychain' | 'file';

export interface OAuthCredential {
  type: 'oauth';
  access_token: string;
  refresh_token?: string;
  /** Unix seconds. */
  expires_at: number;
  /**
   * Organizations whose single sign-on this session has yet to go through, as the token's grant
   * named them (`hexts user auth --sso ORG`); the token does not reach them. Absent: none.
   */
  sso_reauth_required?: string[];
  /** The scopes granted, as the registry answered (space-separated): the user may untick some on the consent page. */
  scope?: string;
}

/** The scopes a token was granted, as a list; undefined when the registry did not say. */
export const grantedScopes = (token: OAuthCredential): string[] | undefined => token.scope?.split(' ').filter((s) => s !== '');

/** A short-lived token a key was exchanged for (client_credentials), kept with that key. */
export interface ExchangedToken {
  access_token: string;
  /** Unix seconds. */
  expires_at: number;
}

export interface KeyCredential {
  type: 'key';
  key: string;
  /** Tokens this key was exchanged for, by scope (`repository:ORG`). */
  repository_tokens?: Record<string, ExchangedToken>;
}

export type UserCredential = OAuthCredential | KeyCredential;

export interface RepositoryCredential {
  key: string;
  /** Who owns the key: the organization itself, or a user (hex.pm is retiring those for repositories). */
  owner: 'organization' | 'user';
  key_name?: string;
  /** The token this key was last exchanged for (`repository:ORG`), as mix keeps `oauth_token`. */
  oauth_token?: ExchangedToken;
}

/** What the index may say about a slot: never a secret. */
export interface SlotInfo {
  store: StoreKind;
  /** The keychain entry's account name; absent for entries written before profiles (named like the slot). */
  account?: string;
  kind?: 'oauth' | 'key';
  expires_at?: number;
  owner?: 'organization' | 'user';
  key_name?: string;
  /** What an organization key may do, as the registry answered when it was stored. */
  permissions?: Permission[];
  username?: string;
  /** An OAuth login's scopes as granted, for choosing it without reading the keychain. */
  scopes?: string[];
}

interface IndexFile {
  version: 1 | 2;
  /** This HEXTS_HOME's profile id, part of every keychain entry's name (version 2). */
  profile?: string;
  registries: Record<string, Record<string, SlotInfo>>;
}

interface SecretsFile {
  version: 1;
  registries: Record<string, Record<string, unknown>>;
}

export const repositorySlot = (repository: string): string => `repository:${repository}`;

async function readJson<T>(path: string, empty: T): Promise<T> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return empty;
    // JSON.parse quotes the text around the fault, and in this file that text is a secret.
    const why = err instanceof SyntaxError ? 'it is not valid JSON' : (err as Error).message;
    throw new CliError(`cannot read ${path}: ${why}`, 'Fix or delete the file, then authenticate again.');
  }
}

/** A keychain entry as hexts wrote it; JSON.parse's own message would quote the secret. */
function parseSecret<T>(secret: string): T {
  try {
    return JSON.parse(secret) as T;
  } catch {
    throw new CliError('the credential in the OS keychain is not one hexts stored', 'Authenticate again to replace it.');
  }
}

/** A stored credential that the keychain cannot give now (locked, no Secret Service, no answer). */
export class StoredCredentialUnavailableError extends CliError {
  constructor(readonly reason: string) {
    super(
      `the stored credential is in the OS keychain, which cannot be used now: ${reason}`,
      'Unlock the keyring, or authenticate again (with --insecure-storage to use a file instead).',
    );
    this.name = 'StoredCredentialUnavailableError';
  }
}

export interface StoreOptions {
  /** --insecure-storage: write to the file even if a keychain exists. */
  insecure?: boolean;
  warn: (message: string) => void;
  log: (message: string) => void;
}

export class CredentialStore {
  readonly indexPath: string;
  readonly filePath: string;
  private readonly refreshLockPath: string;
  private keychainProblem: string | undefined;
  /** The plain-text warning is given once a run, however often the run stores (refreshes while waiting for single sign-on). */
  private warnedPlainText = false;

  constructor(home: string, readonly apiUrl: string, private readonly options: StoreOptions) {
    this.indexPath = join(home, 'credentials-index.json');
    this.filePath = join(home, 'credentials.json');
    this.refreshLockPath = join(home, 'oauth-refresh.lock');
  }

  /**
   * Runs `work` while no other run of this home refreshes a login: refresh tokens rotate, so
   * each can be spent once, by one run. `waitMs`: as long as a refresh may take.
   */
  whileRefreshing<T>(work: () => Promise<T>, waitMs: number): Promise<T> {
    return withLock(this.refreshLockPath, work, { what: 'refresh the login', waitMs });
  }

  private get service(): string {
    return `hexts:${this.apiUrl}`;
  }

  /** Runs a keychain call; after the first failure this run stops asking (each try can take 3 s). */
  private async viaKeychain<T>(call: () => Promise<T>): Promise<T> {
    if (this.keychainProblem) throw new KeychainUnavailableError(this.keychainProblem);
    try {
      return await call();
    } catch (err) {
      if (err instanceof KeychainUnavailableError) {
        this.keychainProblem = err.reason;
        this.options.log(`keychain: ${err.reason}`);
      }
      throw err;
    }
  }

  private async index(): Promise<IndexFile> {
    const index = await readJson<IndexFile>(this.indexPath, { version: 2, registries: {} });
    index.registries ??= {};
    return index;
  }

  /** The keychain account for a new entry of `slot`: the slot and this home's profile id. */
  private async accountFor(slot: string): Promise<string> {
    let profile = (await this.index()).profile;
    if (!profile) {
      // Under the index's lock: of two first runs, the second finds the first one's profile.
      await this.changeIndex((index) => {
        index.profile ??= randomUUID();
        profile = index.profile;
      });
    }
    return `${slot}@${profile}`;
  }

  private async secretsFile(): Promise<SecretsFile> {
    const file = await readJson<SecretsFile>(this.filePath, { version: 1, registries: {} });
    file.registries ??= {};
    return file;
  }

  async list(): Promise<Array<{ slot: string; info: SlotInfo }>> {
    const slots = (await this.index()).registries[this.apiUrl] ?? {};
    return Object.entries(slots).map(([slot, info]) => ({ slot, info }));
  }

  async info(slot: string): Promise<SlotInfo | undefined> {
    return (await this.index()).registries[this.apiUrl]?.[slot];
  }

  /**
   * The index is authoritative: a slot it does not list is absent, even if an older entry
   * for the same registry lingers in the keychain (another HEXTS_HOME's, say).
   */
  async get<T>(slot: string): Promise<{ value: T; store: StoreKind } | undefined> {
    const info = await this.info(slot);
    if (!info) return undefined;
    if (info.store === 'keychain') {
      let secret: string | null;
      try {
        secret = await this.viaKeychain(() => keychain.get(this.service, info.account ?? slot));
        if (secret !== null && info.account === undefined) await this.moveToProfile(slot, secret);
      } catch (err) {
        if (!(err instanceof KeychainUnavailableError)) throw err;
        throw new StoredCredentialUnavailableError(err.reason);
      }
      if (secret !== null) return { value: parseSecret<T>(secret), store: 'keychain' };
      this.options.warn(`The credential this home recorded for ${slot} is no longer in the OS keychain; authenticate again.`);
      return undefined;
    }
    const value = (await this.secretsFile()).registries[this.apiUrl]?.[slot];
    return value === undefined ? undefined : { value: value as T, store: 'file' };
  }

  /**
   * An entry written before profiles, named like the slot and shared by every HEXTS_HOME:
   * copied to this profile's name, then removed, so no other home can read or change it.
   */
  private async moveToProfile(slot: string, secret: string): Promise<void> {
    const account = await this.accountFor(slot);
    await this.viaKeychain(() => keychain.set(this.service, account, secret));
    await this.updateIndex((slots) => {
      if (slots[slot]) slots[slot] = { ...slots[slot]!, account };
    });
    await this.viaKeychain(() => keychain.delete(this.service, slot));
    this.options.log(`keychain: moved ${slot} of ${this.apiUrl} to this home's profile`);
  }

  /** Stores `value` under `slot`; returns where it went. */
  async set(slot: string, value: unknown, info: Omit<SlotInfo, 'store' | 'account'>): Promise<StoreKind> {
    let store: StoreKind = 'file';
    let account: string | undefined;
    let why = '--insecure-storage';
    if (!this.options.insecure) {
      try {
        const name = await this.accountFor(slot);
        await this.viaKeychain(() => keychain.set(this.service, name, JSON.stringify(value)));
        store = 'keychain';
        account = name;
      } catch (err) {
        if (!(err instanceof KeychainUnavailableError)) throw err;
        why = `no usable OS keychain: ${err.reason}`;
      }
    }
    await this.changeSecrets((slots) => {
      if (store === 'file') {
        slots[slot] = value;
        return true;
      }
      // The keychain now holds it: drop the older plain-text copy.
      return slot in slots && delete slots[slot];
    });
    if (store === 'file' && !this.warnedPlainText) {
      this.warnedPlainText = true;
      this.options.warn(`Credentials saved in plain text to ${this.filePath} (${why}).`);
    }
    let previous: SlotInfo | undefined;
    await this.updateIndex((slotsIndex) => {
      previous = slotsIndex[slot];
      slotsIndex[slot] = { ...info, store, ...(account ? { account } : {}) };
    });
    // A pre-profile entry replaced by this one must not linger in the shared name.
    if (previous?.store === 'keychain' && previous.account === undefined && store === 'keychain') {
      await this.viaKeychain(() => keychain.delete(this.service, slot)).catch(() => {});
    }
    return store;
  }

  /**
   * Replaces the value of a stored slot in the store that holds it, trying no other and
   * warning about nothing: for data that travels with a stored secret, such as a token the
   * secret was exchanged for. Does nothing when the slot is not stored.
   */
  async update(slot: string, value: unknown): Promise<void> {
    const info = await this.info(slot);
    if (!info) return;
    if (info.store === 'keychain') {
      if (info.account === undefined) return; // moved to the profile when next read; a cache can wait
      await this.viaKeychain(() => keychain.set(this.service, info.account!, JSON.stringify(value)));
      return;
    }
    await this.changeSecrets((slots) => {
      slots[slot] = value;
      return true;
    });
  }

  /** Removes `slot` from every store; returns the stores it was found in. */
  async delete(slot: string): Promise<StoreKind[]> {
    const removed: StoreKind[] = [];
    const info = await this.info(slot);
    // Only this home's entry: another HEXTS_HOME's entry for the same slot is not ours to remove.
    const profile = (await this.index()).profile;
    const account = info?.store === 'keychain' ? (info.account ?? slot) : profile ? `${slot}@${profile}` : undefined;
    try {
      if (account && (await this.viaKeychain(() => keychain.delete(this.service, account)))) removed.push('keychain');
    } catch (err) {
      if (!(err instanceof KeychainUnavailableError)) throw err;
      if (info?.store === 'keychain') {
        throw new CliError(`cannot remove the credential from the OS keychain: ${err.reason}`, 'Unlock the keyring and try again.');
      }
    }
    if (await this.changeSecrets((slots) => slot in slots && delete slots[slot])) removed.push('file');
    await this.updateIndex((slots) => {
      delete slots[slot];
    });
    return removed;
  }

  /** Records secret-free facts about a slot (e.g. a refreshed token's expiry). */
  async annotate(slot: string, info: Partial<SlotInfo>): Promise<void> {
    await this.updateIndex((slots) => {
      if (slots[slot]) slots[slot] = { ...slots[slot]!, ...info };
    });
  }

  private async updateIndex(change: (slots: Record<string, SlotInfo>) => void): Promise<void> {
    await this.changeIndex((index) => {
      const slots = (index.registries[this.apiUrl] ??= {});
      change(slots);
      if (Object.keys(slots).length === 0) delete index.registries[this.apiUrl];
    });
  }

  private async changeIndex(change: (index: IndexFile) => void): Promise<void> {
    await withFileLock(this.indexPath, async () => {
      const index = await this.index();
      change(index);
      index.version = 2;
      await writeFileAtomic(this.indexPath, JSON.stringify(index, null, 2) + '\n');
    });
  }

  /** Changes this registry's slots in the plain-text file; `change` says whether it changed anything. Returns that. */
  private async changeSecrets(change: (slots: Record<string, unknown>) => boolean): Promise<boolean> {
    return withFileLock(this.filePath, async () => {
      const file = await this.secretsFile();
      const slots = file.registries[this.apiUrl] ?? {};
      if (!change(slots)) return false;
      file.registries[this.apiUrl] = slots;
      await writeFileAtomic(this.filePath, JSON.stringify(file, null, 2) + '\n');
      return true;
    });
  }
}
