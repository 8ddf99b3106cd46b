import { userAgent } from '../api/client.js';
import { rateLimitHint, ssoRefusalAdvice, ssoRefusalIn, type SsoRefusal } from '../api/errors.js';
import type { Config } from '../config/config.js';
import type { Context } from '../context.js';
import { RepositoryAuth } from '../credentials/repository-auth.js';
import { AddedRepositoryAuth } from '../credentials/repo-keys.js';
import type { RepoEntry } from './repos.js';
import { resolveRepository } from './target.js';
import type { Credentials } from '../credentials/session.js';
import { CliError, UsageError } from '../errors.js';
import { DEFAULT_LIMITS } from '../package/tar/limits.js';
import { redactUrl } from '../util/net.js';
import { VERSION } from '../version.js';
import { RegistryCache } from './cache.js';
import { RepositoryHttp, header, type GetOptions, type RepositoryResponse } from './http.js';
import { MAX_PUBLIC_KEY_BYTES, RepositoryKeys } from './keys.js';
import { RegistryError, type Names, type Package, type Versions } from './protobuf.js';
import { PUBLIC_REPOSITORY, repositorySettings, type RepositorySettings } from './settings.js';
import { openRegistryResource, type ExpectedResource, type RegistryResourceKind, type RegistryResources } from './signing.js';

// Reads one repository: hexpm at repo_url, or an organization's at repo_url/repos/ORG. Every
// registry file is verified (signature, repository and package name) before it is used or
// cached; tarballs come back as bytes for the caller to check against the signed checksums.

/** Compressed registry files larger than this are refused (hex.pm's `versions` is a few MB). */
const MAX_REGISTRY_DOWNLOAD = 32 * 1024 * 1024;

/** Package names as hex.pm accepts them (`^[a-z]\w*$`); anything else never reaches a URL. */
export function checkPackageName(name: string): string {
  if (!/^[a-z][A-Za-z0-9_]*$/.test(name)) {
    throw new UsageError(`invalid package name "${name}"`, 'Package names start with a lower-case letter, followed by letters, digits or _.');
  }
  return name;
}

export interface OpenRepository {
  /** An organization's repository; absent (or `hexpm`) for the public one. */
  organization?: string;
  /** A repository added with `hexts repo add` (or `hexpm`, `hexpm:ORG`); instead of organization. */
  repo?: string;
  /** Whose credentials an organization's repository gets (see RepositoryAuth). */
  credentials?: Credentials;
}

export class Repository {
  /** The repository's name as its files state it: `hexpm` or the organization. */
  readonly name: string;
  readonly url: string;
  private readonly packages = new Map<string, Promise<Package>>();

  private constructor(
    private readonly ctx: Context,
    readonly settings: RepositorySettings,
    private readonly http: RepositoryHttp,
    private readonly keys: RepositoryKeys,
    private readonly cache: RegistryCache,
    readonly organization: string | undefined,
    private readonly auth: RepositoryAuth | undefined,
    /** A repository added with `hexts repo add`: its name and credential. */
    private readonly added?: { name: string; auth: AddedRepositoryAuth },
  ) {
    this.name = added?.name ?? organization ?? PUBLIC_REPOSITORY;
    this.url = settings.repoUrl + (organization ? `/repos/${encodeURIComponent(organization)}` : '');
  }

  static async open(ctx: Context, options: OpenRepository): Promise<Repository> {
    const config = await ctx.config();
    const organization = options.organization && options.organization !== PUBLIC_REPOSITORY ? options.organization : undefined;
    const target = await resolveRepository(ctx, options.repo ?? (organization ? `${PUBLIC_REPOSITORY}:${organization}` : PUBLIC_REPOSITORY));
    const entry = target.added;
    const settings = entry ? addedRepositorySettings(repositorySettings(config), entry) : repositorySettings(config);
    const http = repositoryHttp(ctx, config, settings);
    const addedKey = entry?.public_key ? { pem: entry.public_key, from: `repository ${target.name}'s key (hexts repo add)` } : undefined;
    const keys = new RepositoryKeys(config.home, settings.repoUrl, settings.publicKeyPath, () => downloadPublicKey(http, settings.repoUrl), (m) => ctx.out.warn(m), addedKey);
    const cache = new RegistryCache(config.home);
    if (entry) return new Repository(ctx, settings, http, keys, cache, undefined, undefined, { name: target.name, auth: new AddedRepositoryAuth(ctx, target.name, entry) });
    const auth = target.organization && options.credentials ? new RepositoryAuth(ctx, options.credentials, { organization: target.organization, exchange: settings.exchange }) : undefined;
    return new Repository(ctx, settings, http, keys, cache, target.organization, auth);
  }

  /** "the public repository" or "organization acme's repository", for messages. */
  get description(): string {
    if (this.added) return `repository ${this.added.name} (${redactUrl(this.url)})`;
    return this.organization ? `organization ${this.organization}'s repository` : 'the public repository (hexpm)';
  }

  names(): Promise<Names> {
    return this.registryFile('names', { repository: this.name, kind: 'names' });
  }

  versions(): Promise<Versions> {
    return this.registryFile('versions', { repository: this.name, kind: 'versions' });
  }

  /** The signed record of one package: its releases, checksums, dependencies and retirements. */
  package(name: string): Promise<Package> {
    checkPackageName(name);
    let pending = this.packages.get(name);
    if (!pending) {
      pending = this.registryFile(`packages/${encodeURIComponent(name)}`, { repository: this.name, kind: 'package', name });
      this.packages.set(name, pending);
    }
    return pending;
  }

  /** The release tarball as served; the caller checks it against the signed checksums. */
  async tarball(name: string, version: string, onProgress?: GetOptions['onProgress']): Promise<Buffer> {
    const url = new URL(`${this.url}/tarballs/${encodeURIComponent(`${checkPackageName(name)}-${version}`)}.tar`);
    const response = await this.get(url, { maxBytes: DEFAULT_LIMITS.maxSize, onProgress });
    if (response.status === 200) return response.body;
    throw await this.failure(response, `the tarball of ${name} ${version}`);
  }

  /**
   * A release's docs tarball as served (docs/NAME-VERSION.tar.gz), or null when the repository
   * has none. Nothing signs it: the registry holds no checksum of docs.
   */
  async docs(name: string, version: string): Promise<Buffer | null> {
    const url = new URL(`${this.url}/docs/${encodeURIComponent(`${checkPackageName(name)}-${version}`)}.tar.gz`);
    const response = await this.get(url, { maxBytes: DEFAULT_LIMITS.maxSize });
    if (response.status === 200) return response.body;
    if (response.status === 404) return null;
    throw await this.failure(response, `the docs of ${name} ${version}`);
  }

  private async registryFile<K extends RegistryResourceKind>(path: string, expected: ExpectedResource<K>): Promise<RegistryResources[K]> {
    const url = new URL(`${this.url}/${path}`);
    const what = expected.kind === 'package' ? `package ${(expected as { name: string }).name}` : `the ${expected.kind} file`;
    const cached = await this.cache.read(url);
    let response = await this.get(url, { etag: cached?.etag, maxBytes: MAX_REGISTRY_DOWNLOAD });
    if (response.status === 304 && cached) {
      try {
        return await this.open(cached.body, expected);
      } catch {
        // The copy here no longer verifies (damaged, or the key changed): fetch it whole.
        this.ctx.log(`cached ${url.href} does not verify; fetching it again`);
        response = await this.get(url, { maxBytes: MAX_REGISTRY_DOWNLOAD });
      }
    }
    if (response.status !== 200) throw await this.failure(response, what);
    const message = await this.open(response.body, expected);
    const etag = header(response.headers, 'etag');
    if (etag) await this.cache.write(url, etag, response.body).catch((err: unknown) => this.ctx.log(`could not cache ${url.href}: ${(err as Error).message}`));
    return message;
  }

  private async open<K extends RegistryResourceKind>(body: Buffer, expected: ExpectedResource<K>): Promise<RegistryResources[K]> {
    const key = await this.keys.key();
    try {
      return openRegistryResource(body, key.pem, expected);
    } catch (err) {
      if (err instanceof RegistryError && err.code === 'bad_signature') {
        throw new RegistryError('bad_signature', err.message, RepositoryKeys.mismatchHint(key, this.settings.repoUrl));
      }
      throw err;
    }
  }

  /** A GET with the repository's credential (if it has one and may send it), renewed once after a 401. */
  private async get(url: URL, options: Omit<GetOptions, 'authorization'>): Promise<RepositoryResponse> {
    if (this.added) {
      const { auth } = this.added;
      const authorization = await auth.authorization();
      const credential = authorization ? await auth.description() : undefined;
      const response = await this.http.get(url, { ...options, authorization, credential });
      if (response.status === 401 && authorization && (await auth.renew(authorization))) {
        return this.http.get(url, { ...options, authorization: await auth.authorization(), credential });
      }
      return response;
    }
    const auth = this.settings.sendCredentials ? this.auth : undefined;
    const authorization = await auth?.authorization();
    const credential = authorization ? await auth!.description() : undefined;
    const response = await this.http.get(url, { ...options, authorization, credential });
    if (response.status === 401 && authorization && auth && (await auth.renew(authorization))) {
      return this.http.get(url, { ...options, authorization: await auth.authorization(), credential });
    }
    if (response.status === 403 && authorization && auth && (await auth.refreshAfterRefusal())) {
      return this.http.get(url, { ...options, authorization: await auth.authorization(), credential });
    }
    return response;
  }

  /**
   * Whether the organization's single sign-on is why its repository refused: the refusal says
   * so (a key judged as /api/auth judges it), the login's token was granted without the
   * organization pending its sign-on, or the key was exchanged for a token that leaves it out.
   */
  private async singleSignOnRefusal(response: RepositoryResponse, organization: string): Promise<SsoRefusal | undefined> {
    const stated = ssoRefusalIn(response.body.subarray(0, 1024).toString('utf8'));
    if (stated) return stated;
    if (await this.auth?.awaitsSingleSignOn()) return { kind: 'sso_required', organization };
    if (this.auth?.keyLeftOut) return { kind: 'personal_key', organization };
    return undefined;
  }

  private async failure(response: RepositoryResponse, what: string): Promise<CliError> {
    const status = response.status;
    const org = this.organization;
    if (this.added && (status === 401 || status === 403)) {
      const credential = await this.added.auth.description();
      const name = this.added.name;
      return credential
        ? new CliError(`${this.description} refused ${credential} (${status})`, `The key may be wrong, revoked or expired: set a current one with \`hexts repo set ${name} --auth-key KEY\` (\`hexts repo doctor ${name}\` checks it).`)
        : new CliError(`${this.description} needs credentials (${status}), and none are set for it`, `Set its key: \`hexts repo set ${name} --auth-key KEY\` (or --auth-key - to read it from stdin).`);
    }
    if (status === 404) {
      if (what.startsWith('package ')) return new CliError(`no ${what} in ${this.description}`, 'Check the name (and --organization for a private package).');
      return new CliError(`${what} was not found in ${this.description} (${redactUrl(response.url.href)})`);
    }
    if (org && (status === 401 || status === 403)) {
      const host = new URL(this.settings.repoUrl).host;
      if (!this.settings.sendCredentials) {
        return new CliError(
          `${this.description} needs credentials, and hexts does not send this registry's credentials to ${host}`,
          `The repository (${this.settings.repoUrl}) is not on the API's host (${new URL(this.settings.apiUrl).host}). `
            + 'If both belong to the same registry, allow it: `hexts config repo_trusted true` (or HEXTS_REPO_TRUSTED=true).',
        );
      }
      const credential = await this.auth?.description();
      if (!credential) {
        const missing = await this.auth?.missing();
        if (missing) return new CliError(missing.message, `${missing.hint.charAt(0).toUpperCase()}${missing.hint.slice(1)}.`);
        return new CliError(
          `${this.description} needs credentials, and none were found`,
          `On a build server: \`hexts organization auth ${org} --key KEY\`; as a member: \`hexts user auth\`. Or pass --key / set HEX_API_KEY.`,
        );
      }
      const sso = status === 403 ? await this.singleSignOnRefusal(response, org) : undefined;
      if (sso) {
        const { message, hint } = ssoRefusalAdvice(sso);
        return new CliError(message, hint);
      }
      if (status === 401) {
        return new CliError(
          `${this.description} refused ${credential} (401)`,
          (await this.auth!.usesStoredOrganizationKey())
            ? `The key may have been revoked or may have expired. Give this machine a current key: \`hexts organization auth ${org} --key KEY\`.`
            : 'The key may have been revoked or may have expired; check it, or generate a new one.',
        );
      }
      if (await this.auth!.usesLogin()) {
        return new CliError(
          `${credential} does not give access to ${this.description} (403)`,
          `If you were added to ${org} after logging in, your login may predate the membership: \`hexts user auth\` renews it. Otherwise ${org}'s billing may have lapsed.`,
        );
      }
      return new CliError(
        `${credential} does not give access to ${this.description} (403)`,
        `It needs the repository:${org} (or repositories) permission, and ${org}'s billing must be active.`,
      );
    }
    const hint = status === 429 ? rateLimitHint(response.headers) : status >= 500 ? 'The repository is having trouble; try again later.' : undefined;
    return new CliError(`${redactUrl(response.url.href)} answered with status ${status} for ${what}`, hint);
  }
}

function repositoryHttp(ctx: Context, config: Config, settings: RepositorySettings): RepositoryHttp {
  const http = new RepositoryHttp({
    userAgent: userAgent(VERSION, ctx.env),
    timeoutMs: settings.timeoutMs,
    concurrency: settings.concurrency,
    caCertsPath: config.get('cacerts_path'),
    proxy: { http: config.get('http_proxy'), https: config.get('https_proxy'), noProxy: config.get('no_proxy') },
    log: (line) => ctx.log(line),
    announce: (line) => ctx.out.info(line),
    notice: (line) => ctx.notice(line),
  });
  ctx.onDispose(() => http.close());
  return http;
}

/** Reads one file of a repository as served (any status), with `authorization` and nothing else. */
export type RepositoryFileReader = (repoUrl: string, path: string, authorization?: { value: string; credential: string }) => Promise<RepositoryResponse>;

/** A reader of single repository files over one connection pool, for checks that look at each step. */
export async function repositoryFileReader(ctx: Context): Promise<RepositoryFileReader> {
  const config = await ctx.config();
  const http = repositoryHttp(ctx, config, repositorySettings(config));
  return (repoUrl, path, authorization) => {
    const maxBytes = path === 'public_key' ? MAX_PUBLIC_KEY_BYTES : MAX_REGISTRY_DOWNLOAD;
    return http.get(new URL(`${repoUrl}/${path}`), { maxBytes, authorization: authorization?.value, credential: authorization?.credential });
  };
}

/**
 * The PEM a repository serves at URL/public_key, fetched with `authorization` (the repository's
 * own key, if it has one) and nothing else.
 */
export async function fetchRepositoryPublicKey(ctx: Context, repoUrl: string, authorization?: { value: string; credential: string }): Promise<string> {
  const response = await (await repositoryFileReader(ctx))(repoUrl, 'public_key', authorization);
  const url = new URL(`${repoUrl}/public_key`);
  if (response.status !== 200) {
    const refused = response.status === 401 || response.status === 403;
    throw new CliError(
      `cannot download the public key: ${redactUrl(url.href)} answered with status ${response.status}`,
      refused ? 'The repository wants credentials: give its key with --auth-key KEY (or user:password@ in the URL).' : 'Check the URL: the repository\'s files (names, versions, public_key) are right under it.',
    );
  }
  return response.body.toString('utf8');
}

/** Where an added repository's files are and what may go there: its own URL, its own key, nothing of the registry's. */
function addedRepositorySettings(base: RepositorySettings, entry: RepoEntry): RepositorySettings {
  return { ...base, repoUrl: entry.url, apiUrl: entry.api_url ?? base.apiUrl, hexpm: false, sendCredentials: true, exchange: entry.oauth_exchange, publicKeyPath: undefined };
}

async function downloadPublicKey(http: RepositoryHttp, repoUrl: string): Promise<Buffer> {
  const url = new URL(`${repoUrl}/public_key`);
  const response = await http.get(url, { maxBytes: MAX_PUBLIC_KEY_BYTES });
  if (response.status !== 200) {
    throw new CliError(
      `cannot get the public key of ${repoUrl}: ${redactUrl(response.url.href)} answered with status ${response.status}`,
      'Point HEXTS_REPO_PUBLIC_KEY_PATH (or `hexts config repo_public_key`) at a PEM file with the registry\'s key.',
    );
  }
  return response.body;
}
