import type { Config } from '../config/config.js';

// Which repository hexts reads and how far it trusts it, from the resolved settings.

export const HEXPM_API_URL = 'https://hex.pm/api';
export const HEXPM_REPO_URL = 'https://repo.hex.pm';

/** The public repository's name; an organization's repository is named like the organization. */
export const PUBLIC_REPOSITORY = 'hexpm';

export interface RepositorySettings {
  /** Without a trailing slash. */
  repoUrl: string;
  apiUrl: string;
  /** Both URLs are hex.pm's own. */
  hexpm: boolean;
  /** Whether this registry's credentials may go to repoUrl at all. */
  sendCredentials: boolean;
  /** Exchange keys for short-lived tokens (client_credentials) before using them on the repository. */
  exchange: boolean;
  /** A PEM file given for the repository's key (repo_public_key). */
  publicKeyPath?: string;
  concurrency: number;
  timeoutMs: number;
}

const flag = (value: string | undefined): boolean | undefined => (value === undefined ? undefined : value === 'true');

export function repositorySettings(config: Config): RepositorySettings {
  const repoUrl = config.repoUrl;
  const apiUrl = config.apiUrl;
  const hexpm = apiUrl === HEXPM_API_URL && repoUrl === HEXPM_REPO_URL;
  // Credentials belong to the registry behind the API: they go to its repository only when
  // that is hex.pm's (repo.hex.pm for hex.pm), on the API's own origin, or when repo_trusted says so.
  const sameOrigin = new URL(repoUrl).origin === new URL(apiUrl).origin;
  return {
    repoUrl,
    apiUrl,
    hexpm,
    sendCredentials: flag(config.get('repo_trusted')) ?? (hexpm || sameOrigin),
    exchange: flag(config.get('repo_oauth_exchange')) ?? hexpm,
    publicKeyPath: config.get('repo_public_key'),
    concurrency: Number(config.get('http_concurrency')),
    timeoutMs: Number(config.get('http_timeout')) * 1000,
  };
}
