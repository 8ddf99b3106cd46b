import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CliError, UsageError } from '../errors.js';
import { writeFileAtomic } from '../util/atomic.js';
import { withFileLock } from '../util/lock.js';
import { endpointUrlProblem, redactUrl } from '../util/net.js';
import { PUBLIC_REPOSITORY } from './settings.js';

// Repositories added with `hexts repo add` (mix's `hex.repo`): a name, where its files are, the
// key they must be signed with, and how to publish to it. Kept in HEXTS_HOME/repos.json with no
// secret in it: a repository's auth key lives in the keychain (src/credentials/), and a URL's
// `user:password@` is taken out of the URL and stored as that key (Basic auth).
//
// hexpm and hex.pm's organizations (hexpm:ORG) are repositories of the same model, not entries
// here: hexpm's URL and key are the repo_url and repo_public_key settings, an organization's
// repository is hexpm's URL + /repos/ORG with the key `hexts organization auth` stores.

export type PublishMode = 'releases' | 'legacy';
export const PUBLISH_MODES: PublishMode[] = ['releases', 'legacy'];

export interface RepoEntry {
  /** Without userinfo and without a trailing slash. */
  url: string;
  /** The PEM the repository's files must be signed with. */
  public_key?: string;
  /** The fingerprint given to --fetch-public-key, as mix keeps it. */
  fetch_public_key?: string;
  /** Exchange the auth key for a short-lived token before using it (mix: oauth_exchange). */
  oauth_exchange: boolean;
  /** The API whose /oauth/token exchanges the key (mix: oauth_exchange_url). */
  oauth_exchange_url?: string;
  /** The API publishing goes to (`hexts publish --repo NAME`). */
  api_url?: string;
  /** How that API takes releases: hex.pm's releases route, or mini_repo's POST …/publish. */
  publish?: PublishMode;
  /** Whether an auth key is stored in the credential store for this repository. */
  has_auth_key?: boolean;
}

interface ReposFile {
  version: 1;
  repos: Record<string, RepoEntry>;
}

/** `acme`, `oban`, `my-repo`: what a repository may be called here (also a keychain and file name part). */
export function checkRepoName(name: string): string {
  if (name === PUBLIC_REPOSITORY || name.startsWith(`${PUBLIC_REPOSITORY}:`)) return name;
  if (!/^[a-z0-9][a-z0-9_.-]*$/i.test(name) || name.length > 64) {
    throw new UsageError(`invalid repository name "${name}"`, 'Use letters, digits, _, - and . (as in `hexts repo add oban https://getoban.pro/repo`).');
  }
  return name;
}

/** A repository URL: https (or http on loopback), userinfo taken out; the userinfo returned apart. */
export function splitRepoUrl(text: string): { url: string; userinfo?: { username: string; password: string } } {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`invalid repository URL "${redactUrl(text)}"`, 'Give the full URL, e.g. https://repo.example.com or https://example.com/repo.');
  }
  const problem = endpointUrlProblem(text);
  if (problem) throw new UsageError(`invalid repository URL "${redactUrl(text)}": it ${problem}`, 'Repositories are read over HTTPS: its auth key must not cross the network in the clear.');
  if (url.search || url.hash) throw new UsageError(`invalid repository URL "${redactUrl(text)}": it has a query or fragment`, 'Give the URL the files are under, without ? or #.');
  const userinfo = url.username || url.password ? { username: decodeURIComponent(url.username), password: decodeURIComponent(url.password) } : undefined;
  url.username = '';
  url.password = '';
  return { url: url.href.replace(/\/+$/, ''), userinfo };
}

export class RepoConfig {
  readonly path: string;

  constructor(home: string) {
    this.path = join(home, 'repos.json');
  }

  async all(): Promise<Record<string, RepoEntry>> {
    return (await this.read()).repos;
  }

  async get(name: string): Promise<RepoEntry | undefined> {
    const { repos } = await this.read();
    return Object.hasOwn(repos, name) ? repos[name] : undefined;
  }

  /** The entry for a name that must have been added; refuses with what to run otherwise. */
  async require(name: string): Promise<RepoEntry> {
    const entry = await this.get(name);
    if (!entry) throw new CliError(`unknown repository "${name}"`, `Add it first: \`hexts repo add ${name} URL\` (\`hexts repo list\` shows the known ones).`);
    return entry;
  }

  /** Changes the file under its lock (read anew, changed, written back): runs sharing a home keep each other's changes. */
  change<T>(update: (repos: Record<string, RepoEntry>) => T): Promise<T> {
    return withFileLock(this.path, async () => {
      const file = await this.read();
      const result = update(file.repos);
      await writeFileAtomic(this.path, JSON.stringify(file, null, 2) + '\n');
      return result;
    });
  }

  private async read(): Promise<ReposFile> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, repos: {} };
      throw new CliError(`cannot read ${this.path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    try {
      const parsed = JSON.parse(text) as ReposFile;
      if (parsed && typeof parsed.repos === 'object' && parsed.repos !== null && !Array.isArray(parsed.repos)) {
        return { version: 1, repos: Object.assign(Object.create(null) as Record<string, RepoEntry>, parsed.repos) };
      }
    } catch {
      // reported below
    }
    throw new CliError(`${this.path} is damaged`, 'Fix it, or delete it and add the repositories again with `hexts repo add`.');
  }
}
