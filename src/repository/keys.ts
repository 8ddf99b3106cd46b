import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CliError } from '../errors.js';
import { writeFileAtomic } from '../util/atomic.js';
import { withFileLock } from '../util/lock.js';
import { RegistryError } from './protobuf.js';
import { HEXPM_REPO_URL } from './settings.js';
import { HEXPM_PUBLIC_KEY, publicKeyFingerprint } from './signing.js';

// The key a repository's files must be signed with: a configured PEM file
// (repo_public_key), else hex.pm's own key for repo.hex.pm (shipped with hexts; hex.pm's
// organizations share it), else the key the registry serves at /public_key, pinned on first
// use per repository URL in HEXTS_HOME/repository-keys.json and required from then on.

export interface RepositoryKey {
  pem: string;
  fingerprint: string;
  source: 'configured' | 'hexpm' | 'pinned' | 'added';
  /** For a pinned key: the file it is pinned in. */
  file?: string;
}

interface PinFile {
  version: 1;
  keys: Record<string, { public_key: string; fingerprint: string; pinned_at: string }>;
}

export const MAX_PUBLIC_KEY_BYTES = 64 * 1024;

export class RepositoryKeys {
  private resolved?: Promise<RepositoryKey>;
  readonly pinFile: string;

  constructor(
    home: string,
    private readonly repoUrl: string,
    private readonly configuredPath: string | undefined,
    /** GETs `${repoUrl}/public_key`, anonymously. */
    private readonly download: () => Promise<Buffer>,
    private readonly warn: (message: string) => void,
    /** The key a repository was added with (`hexts repo add --public-key`), and what to call it. */
    private readonly addedKey?: { pem: string; from: string },
  ) {
    this.pinFile = join(home, 'repository-keys.json');
  }

  key(): Promise<RepositoryKey> {
    this.resolved ??= this.resolve();
    return this.resolved;
  }

  /** What to tell someone whose file failed verification with `key`. */
  static mismatchHint(key: RepositoryKey, repoUrl: string): string {
    if (key.source === 'pinned') {
      return `The key pinned for ${repoUrl} in ${key.file} (${key.fingerprint}) does not verify it: something may have altered the file. `
        + 'If the registry really changed its key, delete that entry (or point HEXTS_REPO_PUBLIC_KEY_PATH at the new key).';
    }
    if (key.source === 'added') return `The key ${key.file} was added with (${key.fingerprint}) does not verify it: check the key with the repository's operators (\`hexts repo doctor\` shows both fingerprints).`;
    if (key.source === 'configured') return `The configured key (${key.fingerprint}, repo_public_key) does not verify it: check HEXTS_REPO_PUBLIC_KEY_PATH, or something altered the file.`;
    return 'It is not signed with hex.pm\'s key: something between you and the repository altered it.';
  }

  private async resolve(): Promise<RepositoryKey> {
    if (this.addedKey) return { pem: this.addedKey.pem, fingerprint: checkedFingerprint(this.addedKey.pem, this.addedKey.from), source: 'added', file: this.addedKey.from };
    if (this.configuredPath) {
      let pem: string;
      try {
        pem = await readFile(this.configuredPath, 'utf8');
      } catch (err) {
        throw new CliError(`cannot read the repository public key ${this.configuredPath} (repo_public_key): ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      }
      return { pem, fingerprint: checkedFingerprint(pem, this.configuredPath), source: 'configured' };
    }
    if (this.repoUrl === HEXPM_REPO_URL) return { pem: HEXPM_PUBLIC_KEY, fingerprint: publicKeyFingerprint(HEXPM_PUBLIC_KEY), source: 'hexpm' };

    const pins = await this.readPins();
    const pinned = pins.keys[this.repoUrl];
    if (pinned) return { pem: pinned.public_key, fingerprint: checkedFingerprint(pinned.public_key, this.pinFile), source: 'pinned', file: this.pinFile };

    const pem = (await this.download()).toString('utf8');
    const fingerprint = checkedFingerprint(pem, `${this.repoUrl}/public_key`);
    // Read again under the lock, so that pins made meanwhile by other runs survive, and of two
    // runs pinning this repository the second keeps the first one's key.
    const kept = await withFileLock(this.pinFile, async () => {
      const latest = await this.readPins();
      latest.keys[this.repoUrl] ??= { public_key: pem, fingerprint, pinned_at: new Date().toISOString() };
      await writeFileAtomic(this.pinFile, JSON.stringify(latest, null, 2) + '\n');
      return latest.keys[this.repoUrl]!;
    });
    if (kept.public_key === pem) {
      this.warn(`Pinned the public key of ${this.repoUrl} on first use: ${fingerprint}${pem.trim() === HEXPM_PUBLIC_KEY.trim() ? ' (hex.pm\'s key)' : ''}. `
        + `Check this fingerprint with the registry's operators; files signed with any other key are refused from now on (${this.pinFile}).`);
    }
    return { pem: kept.public_key, fingerprint: checkedFingerprint(kept.public_key, this.pinFile), source: 'pinned', file: this.pinFile };
  }

  private async readPins(): Promise<PinFile> {
    let text: string;
    try {
      text = await readFile(this.pinFile, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, keys: {} };
      throw new CliError(`cannot read ${this.pinFile}: ${(err as Error).message}`);
    }
    try {
      const parsed = JSON.parse(text) as PinFile;
      if (parsed && typeof parsed.keys === 'object' && parsed.keys !== null) return parsed;
    } catch {
      // reported below
    }
    throw new CliError(`${this.pinFile} is damaged`, 'Fix it or delete it; deleting it pins each registry\'s key again on next use.');
  }
}

function checkedFingerprint(pem: string, from: string): string {
  try {
    return publicKeyFingerprint(pem);
  } catch (err) {
    if (err instanceof RegistryError) throw new CliError(`${from} does not hold a usable RSA public key (${err.message})`);
    throw err;
  }
}
