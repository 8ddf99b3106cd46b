import { readFile } from 'node:fs/promises';
import { diffCommandProblem, PATH1, PATH2 } from '../diff/template.js';
import { CliError, UsageError } from '../errors.js';
import type { Env } from '../io/output.js';
import { writeFileAtomic } from '../util/atomic.js';
import { withFileLock } from '../util/lock.js';
import { endpointUrlProblem, redactUrl, withoutUserinfo } from '../util/net.js';
import { configFile, hextsHome } from './paths.js';

// The Hex CLI's public OAuth client. hex.pm only accepts registered clients; until hexts has
// its own registration this is the one that works against hex.pm. A self-hosted hexpm has the
// clients its operators registered, so it is the default for hex.pm's API only.
export const HEX_CLI_OAUTH_CLIENT_ID = '78ea6566-89fd-481e-a1d6-7d9d78eacca8';

export const HEX_PM_API_URL = 'https://hex.pm/api';

/** No OAuth client is known for a registry other than hex.pm: what its operators must give, and where it goes. */
export const missingOAuthClient = (apiUrl: string): CliError =>
  new CliError(
    `no OAuth client id is set for ${apiUrl}`,
    'A registry other than hex.pm knows hexts by an OAuth client its operators registered (a public client with the device_code, '
      + 'refresh_token and client_credentials grants and the scopes api and repositories): ask them for its id, then run '
      + '`hexts config oauth_client_id ID` (kept for this API URL) or set HEXTS_OAUTH_CLIENT_ID. '
      + 'Or log in with an API key: `hexts user auth --key -`.',
  );

export interface SettingDef {
  key: string;
  env: string[];
  flag?: string;
  default?: string;
  description: string;
  check?: (value: string) => string | undefined;
  /** A URL, which may carry a password: shown with its user information as `***`. */
  url?: boolean;
  /**
   * One value per registry: the config file keeps it by API URL (`{"KEY": {"API URL": value}}`),
   * and the environment sets it for the API URL of the run.
   */
  perApi?: { default: (apiUrl: string) => string | undefined };
}

const positiveNumber = (v: string) => (/^\d+(\.\d+)?$/.test(v) && Number(v) > 0 ? undefined : 'must be a positive number');
const positiveInteger = (v: string) => (/^[1-9]\d*$/.test(v) ? undefined : 'must be a positive integer');
const boolean = (v: string) => (v === 'true' || v === 'false' ? undefined : 'must be true or false');
const url = (v: string) => {
  try {
    const u = new URL(v);
    return u.protocol === 'https:' || u.protocol === 'http:' ? undefined : 'must be an http(s) URL';
  } catch {
    // Most often a password with a character that ends the user information early.
    return v.includes('@') ? 'must be a URL (in a password, write / # ? as %2F %23 %3F)' : 'must be a URL';
  }
};

// Precedence for every setting: flag > environment > config file > default. The URLs requests
// go to are checked on set as the HTTP clients check them on use (https, or http to loopback).
export const SETTINGS: SettingDef[] = [
  { key: 'api_url', env: ['HEX_API_URL', 'HEX_API'], flag: '--api-url', default: HEX_PM_API_URL, description: 'Hex API base URL', check: endpointUrlProblem, url: true },
  { key: 'repo_url', env: ['HEX_REPO_URL'], default: 'https://repo.hex.pm', description: 'Repository base URL (names, versions, packages, tarballs)', check: endpointUrlProblem, url: true },
  { key: 'repo_public_key', env: ['HEXTS_REPO_PUBLIC_KEY_PATH'], description: 'PEM file with the repository\'s signing key (default: hex.pm\'s own for repo.hex.pm; elsewhere the registry\'s /public_key, pinned on first use)' },
  { key: 'repo_oauth_exchange', env: ['HEXTS_REPO_OAUTH_EXCHANGE'], description: 'Exchange keys for short-lived tokens before reading private repositories (default: true on hex.pm, false elsewhere)', check: boolean },
  { key: 'repo_trusted', env: ['HEXTS_REPO_TRUSTED'], description: 'Send the registry\'s credentials to repo_url even though its host is not the API\'s (default: only to repo.hex.pm for hex.pm, or to the API\'s own host)', check: boolean },
  { key: 'cacerts_path', env: ['HEX_CACERTS_PATH'], description: 'PEM file of extra CA certificates to trust' },
  { key: 'http_timeout', env: ['HEX_HTTP_TIMEOUT'], default: '15', description: 'Seconds to wait for the server; a whole request may take this plus as much again per MiB it moves', check: positiveNumber },
  { key: 'http_concurrency', env: ['HEX_HTTP_CONCURRENCY'], default: '8', description: 'Parallel downloads', check: positiveInteger },
  { key: 'http_proxy', env: ['http_proxy', 'HTTP_PROXY'], description: 'Proxy for http:// URLs', check: url, url: true },
  { key: 'https_proxy', env: ['https_proxy', 'HTTPS_PROXY'], description: 'Proxy for https:// URLs', check: url, url: true },
  { key: 'no_proxy', env: ['no_proxy', 'NO_PROXY'], description: 'Hosts reached without the proxy (comma-separated)' },
  { key: 'diff_command', env: ['HEX_DIFF_COMMAND'], description: `Program for \`hexts package diff\`, as mix's diff_command: arguments split as a shell would (quotes, backslashes) but run without one, ${PATH1} and ${PATH2} standing for the two directories (default: the built-in diff)`, check: diffCommandProblem },
  {
    key: 'oauth_client_id',
    env: ['HEXTS_OAUTH_CLIENT_ID'],
    description: 'OAuth client id for logins, refreshes and key exchanges at this API URL (default: the Hex CLI\'s for hex.pm\'s API; elsewhere one its operators registered)',
    perApi: { default: (apiUrl) => (apiUrl === HEX_PM_API_URL ? HEX_CLI_OAUTH_CLIENT_ID : undefined) },
  },
];

export type Source =
  | { kind: 'flag'; name: string }
  | { kind: 'env'; name: string }
  /** `api_url`: the registry a per-API setting was set for. */
  | { kind: 'file'; path: string; api_url?: string }
  | { kind: 'default' };

export interface Resolved {
  key: string;
  value: string | undefined;
  source: Source;
}

export function describeSource(source: Source): string {
  switch (source.kind) {
    case 'flag': return `(using ${source.name})`;
    case 'env': return `(using ${source.name})`;
    case 'file': return `(using ${source.path}${source.api_url ? `, for ${source.api_url}` : ''})`;
    case 'default': return '(default)';
  }
}

/**
 * A value as it may be shown, in listings and in errors alike: a URL's user information (a
 * proxy password, a token given as the user name) is replaced by `***`, in whatever form the
 * URL was written, as every other secret is kept off the screen.
 */
export function displayValue(key: string, value: string): string;
export function displayValue(key: string, value: string | undefined): string | null;
export function displayValue(key: string, value: string | undefined): string | null {
  if (value === undefined) return null;
  return definition(key).url ? redactUrl(value) : value;
}

function definition(key: string): SettingDef {
  const def = SETTINGS.find((s) => s.key === key);
  if (!def) throw new UsageError(`unknown config key "${key}"`, `Known keys: ${SETTINGS.map((s) => s.key).join(', ')}`);
  return def;
}

export class Config {
  constructor(
    readonly home: string,
    private readonly env: Env,
    private readonly flags: Record<string, string | undefined>,
    private readonly file: ConfigValues,
  ) {}

  get path(): string {
    return configFile(this.home);
  }

  /** `key`'s value; for a per-API setting, its value for this run's API URL. */
  resolve(key: string): Resolved {
    const def = definition(key);
    const flag = def.flag ? this.flags[def.key] : undefined;
    let resolved: Resolved;
    if (flag !== undefined) resolved = { key, value: flag, source: { kind: 'flag', name: def.flag! } };
    else {
      const envName = this.envOverride(key);
      if (envName) resolved = { key, value: this.env[envName], source: { kind: 'env', name: envName } };
      else if (def.perApi) resolved = this.resolveForApi(def, this.apiUrl);
      else if (typeof this.file[key] === 'string') resolved = { key, value: this.file[key], source: { kind: 'file', path: this.path } };
      else resolved = { key, value: def.default, source: { kind: 'default' } };
    }
    const problem = resolved.value !== undefined ? def.check?.(resolved.value) : undefined;
    if (problem) throw new CliError(`${key} ${problem}: "${displayValue(key, resolved.value!)}" ${describeSource(resolved.source)}`);
    return resolved;
  }

  /**
   * A per-API setting's value for `apiUrl`, which may be another registry's than this run's
   * (an added repository's exchange URL): the environment counts for this run's API URL only.
   */
  forApi(key: string, apiUrl: string): string | undefined {
    const url = apiUrl.replace(/\/+$/, '');
    return url === this.apiUrl ? this.get(key) : this.resolveForApi(definition(key), url).value;
  }

  private resolveForApi(def: SettingDef, apiUrl: string): Resolved {
    const stored = this.file[def.key];
    const value = typeof stored === 'object' ? stored[apiUrl] : undefined;
    if (value !== undefined) return { key: def.key, value, source: { kind: 'file', path: this.path, api_url: apiUrl } };
    return { key: def.key, value: def.perApi!.default(apiUrl), source: { kind: 'default' } };
  }

  /** The environment variable that sets `key` for this run (and so beats the config file), if any. */
  envOverride(key: string): string | undefined {
    return definition(key).env.find((name) => this.env[name] !== undefined && this.env[name] !== '');
  }

  get(key: string): string | undefined {
    return this.resolve(key).value;
  }

  all(): Resolved[] {
    return SETTINGS.map((s) => this.resolve(s.key));
  }

  /**
   * The API URL without a trailing slash, and without user information: requests never send
   * it (credentials come from hexts's own store), so the URL that names the registry in
   * credential entries, pinned keys, caches and logs holds no password.
   */
  get apiUrl(): string {
    return withoutUserinfo(this.get('api_url')!).replace(/\/+$/, '');
  }

  get repoUrl(): string {
    return withoutUserinfo(this.get('repo_url')!).replace(/\/+$/, '');
  }
}

/** The config file: strings, and per-API settings as objects of API URL → string. */
type ConfigValues = Record<string, string | Record<string, string>>;

async function readConfigFile(path: string): Promise<ConfigValues> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new CliError(`cannot read ${path}: ${(err as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new CliError(`${path} is not valid JSON (${(err as Error).message})`, 'Fix the file or delete it to start from the defaults.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new CliError(`${path} must hold a JSON object`, 'Fix the file or delete it to start from the defaults.');
  }
  const values: ConfigValues = {};
  for (const [k, v] of Object.entries(parsed)) {
    if (typeof v === 'string') values[k] = v;
    else if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
      values[k] = Object.fromEntries(Object.entries(v).filter((e): e is [string, string] => typeof e[1] === 'string'));
    }
  }
  return values;
}

export async function loadConfig(env: Env, flags: Record<string, string | undefined>): Promise<Config> {
  const home = hextsHome(env);
  return new Config(home, env, flags, await readConfigFile(configFile(home)));
}

/**
 * Sets (or, with value undefined, deletes) a key in the config file; a per-API setting for the
 * run's API URL only. Returns that URL for a per-API setting.
 */
export async function writeConfigValue(config: Config, key: string, value: string | undefined): Promise<string | undefined> {
  const def = definition(key);
  if (value !== undefined) {
    const problem = def.check?.(value);
    if (problem) throw new UsageError(`${key} ${problem}: "${displayValue(key, value)}"`);
  }
  const apiUrl = def.perApi ? config.apiUrl : undefined;
  await withFileLock(config.path, async () => {
    const current = await readConfigFile(config.path);
    if (apiUrl !== undefined) {
      const byApi = typeof current[key] === 'object' ? current[key] : {};
      if (value === undefined) delete byApi[apiUrl];
      else byApi[apiUrl] = value;
      if (Object.keys(byApi).length > 0) current[key] = byApi;
      else delete current[key];
    } else if (value === undefined) delete current[key];
    else current[key] = value;
    await writeFileAtomic(config.path, JSON.stringify(current, null, 2) + '\n');
  });
  return apiUrl;
}
