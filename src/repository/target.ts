import { readFile } from 'node:fs/promises';
import type { Context } from '../context.js';
import { CliError } from '../errors.js';
import { RepoConfig, checkRepoName, type PublishMode, type RepoEntry } from './repos.js';
import { HEXPM_REPO_URL, PUBLIC_REPOSITORY, repositorySettings } from './settings.js';
import { HEXPM_PUBLIC_KEY } from './signing.js';

// One value for "a repository", whichever kind: hexpm (the repo_url setting), an organization
// of it (hexpm:ORG: its parent's URL + /repos/ORG, its parent's key, the organization's
// credentials), or one added with `hexts repo add`. Resolved once from a name, then passed to
// what reads, publishes to, lists or checks it, as mix's repos map and hex_core's config are.

export interface RepositoryTarget {
  /** As users and mix.exs name it: `hexpm`, `hexpm:acme`, `oban`. */
  name: string;
  /** The name its signed files must state: `hexpm`, the organization, or the added name. */
  signedName: string;
  url: string;
  /** An organization's repository; its parent is hexpm. */
  organization?: string;
  /** The PEM its files must be signed with, where known before reading it. */
  publicKey?: string;
  /** A PEM file configured for hexpm (repo_public_key), read when needed. */
  publicKeyPath?: string;
  /** An added repository: its settings (auth key, exchange, API, publish mode). */
  added?: RepoEntry;
  apiUrl?: string;
  publish?: PublishMode;
}

/** The repository a name stands for; refuses an unknown added name with what to run. */
export async function resolveRepository(ctx: Context, name: string): Promise<RepositoryTarget> {
  checkRepoName(name);
  const config = await ctx.config();
  const settings = repositorySettings(config);
  const hexpm: RepositoryTarget = {
    name: PUBLIC_REPOSITORY,
    signedName: PUBLIC_REPOSITORY,
    url: settings.repoUrl,
    publicKey: settings.publicKeyPath ? undefined : settings.repoUrl === HEXPM_REPO_URL ? HEXPM_PUBLIC_KEY : undefined,
    publicKeyPath: settings.publicKeyPath,
    apiUrl: settings.apiUrl,
    publish: 'releases',
  };
  if (name === PUBLIC_REPOSITORY) return hexpm;
  if (name.startsWith(`${PUBLIC_REPOSITORY}:`)) {
    const organization = name.slice(PUBLIC_REPOSITORY.length + 1);
    return { ...hexpm, name, signedName: organization, url: `${hexpm.url}/repos/${encodeURIComponent(organization)}`, organization };
  }
  const entry = await new RepoConfig(config.home).require(name);
  return { name, signedName: name, url: entry.url, publicKey: entry.public_key, added: entry, apiUrl: entry.api_url, publish: entry.publish };
}

/** Every repository this machine knows: hexpm, the organizations it holds keys for, the added ones; by name. */
export async function knownRepositories(ctx: Context): Promise<RepositoryTarget[]> {
  const config = await ctx.config();
  const organizations = (await (await ctx.credentials()).store.list())
    .flatMap((s) => (s.slot.startsWith('repository:hexpm:') ? [`hexpm:${s.slot.slice('repository:hexpm:'.length)}`] : []));
  const names = [PUBLIC_REPOSITORY, ...organizations, ...Object.keys(await new RepoConfig(config.home).all())];
  const targets = await Promise.all(names.map((n) => resolveRepository(ctx, n)));
  return targets.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The PEM a repository is checked against, if one is known without reading the repository. */
export async function knownPublicKey(target: RepositoryTarget): Promise<string | undefined> {
  if (target.publicKey) return target.publicKey;
  if (!target.publicKeyPath) return undefined;
  try {
    return await readFile(target.publicKeyPath, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read the repository public key ${target.publicKeyPath} (repo_public_key): ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}
