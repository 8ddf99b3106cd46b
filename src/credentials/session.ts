import type { ApiClient, AuthProvider } from '../api/client.js';
import { ApiError } from '../api/errors.js';
import * as oauth from '../api/oauth.js';
import type { Context } from '../context.js';
import { CliError } from '../errors.js';
import { checkKey, describeKeySource, readGivenKey, type GivenKey } from './key-input.js';
import { CredentialStore, repositorySlot, type OAuthCredential, type RepositoryCredential, type StoreKind, type UserCredential } from './store.js';

/** A token counts as expired when fewer than this many seconds remain (as mix does). */
export const REFRESH_MARGIN_SECONDS = 300;

export type CredentialSource = 'flag' | 'stdin' | 'key-file' | 'env' | StoreKind;

/** The credential a request will carry, described without the secret. */
export interface ActiveCredential {
  kind: 'key' | 'oauth' | 'repository-key';
  source: CredentialSource;
  expiresAt?: number;
  repository?: string;
}

export const nowSeconds = (): number => Math.floor(Date.now() / 1000);

export const notAuthenticated = (): CliError =>
  new CliError('no authenticated user found', 'Run `hexts user auth` to log in, or pass --key / set HEX_API_KEY.');

const sessionExpired = (): CliError =>
  new CliError('your authentication session has expired and could not be refreshed', 'Run `hexts user auth` to log in again.');

export function describeCredential(active: ActiveCredential): string {
  const where: Record<CredentialSource, string> = {
    flag: 'given with --key',
    stdin: 'read from stdin (--key -)',
    'key-file': 'read from --key-file',
    env: 'from HEX_API_KEY',
    keychain: 'stored in the OS keychain',
    file: 'stored in the plain-text credentials file',
  };
  const what = active.kind === 'oauth' ? 'OAuth token' : active.kind === 'repository-key' ? `repository key for ${active.repository}` : 'API key';
  return `${what} ${where[active.source]}`;
}

/**
 * Everything about the credentials of one run against one registry: the key given on the
 * command line or in HEX_API_KEY, the stored ones, and the OAuth refresh. Precedence for
 * a request: --key (or --key - / --key-file) > HEX_API_KEY > stored.
 */
export class Credentials {
  private userCredential?: Promise<{ value: UserCredential; store: StoreKind } | undefined>;
  private refreshing?: Promise<OAuthCredential | undefined>;
  private warnedAnonymous = false;

  private constructor(
    private readonly ctx: Context,
    readonly store: CredentialStore,
    readonly given: GivenKey | undefined,
    private readonly clientId: string,
  ) {}

  static async open(ctx: Context, opts: { key?: unknown; keyFile?: unknown; insecureStorage?: unknown } = {}): Promise<Credentials> {
    const config = await ctx.config();
    let given = await readGivenKey(opts, ctx.streams.stdin);
    if (given?.source === 'flag') {
      ctx.log('note: a key given on the command line shows in the process list to other users of this machine; `--key -` or `--key-file PATH` keeps it out');
    }
    if (!given && ctx.env.HEX_API_KEY) given = { key: checkKey(ctx.env.HEX_API_KEY, 'env'), source: 'env' };
    const store = new CredentialStore(config.home, config.apiUrl, {
      insecure: opts.insecureStorage === true,
      warn: (message) => ctx.out.warn(message),
      log: (message) => ctx.log(message),
    });
    return new Credentials(ctx, store, given, config.get('oauth_client_id')!);
  }

  get oauthClientId(): string {
    return this.clientId;
  }

  /** The stored user credential (OAuth tokens or a user API key), read once per run. */
  storedUser(): Promise<{ value: UserCredential; store: StoreKind } | undefined> {
    this.userCredential ??= this.store.get<UserCredential>('user');
    return this.userCredential;
  }

  async storedRepositoryKey(repository: string): Promise<{ value: RepositoryCredential; store: StoreKind } | undefined> {
    return this.store.get<RepositoryCredential>(repositorySlot(repository));
  }

  /** Which credential a user-level request would carry, without the secret. */
  async activeUser(): Promise<ActiveCredential | undefined> {
    if (this.given) return { kind: 'key', source: this.given.source };
    const stored = await this.storedUser();
    if (!stored) return undefined;
    return stored.value.type === 'oauth'
      ? { kind: 'oauth', source: stored.store, expiresAt: stored.value.expires_at }
      : { kind: 'key', source: stored.store };
  }

  /** Exchanges the refresh token for new tokens and saves them (refresh tokens rotate). */
  refresh(): Promise<OAuthCredential | undefined> {
    this.refreshing ??= this.doRefresh().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async doRefresh(): Promise<OAuthCredential | undefined> {
    const stored = await this.storedUser();
    if (stored?.value.type !== 'oauth' || !stored.value.refresh_token) return undefined;
    const client = await this.ctx.api();
    let token;
    try {
      token = await oauth.token(client, { grant_type: 'refresh_token', refresh_token: stored.value.refresh_token, client_id: this.clientId });
    } catch (err) {
      // The refresh token was refused (expired, revoked): the session is over. Network
      // failures are not a verdict on the session and propagate as they are.
      if (err instanceof ApiError && err.status < 500) {
        this.ctx.log(`token refresh refused: ${err.message}`);
        return undefined;
      }
      throw err;
    }
    const next: OAuthCredential = {
      type: 'oauth',
      access_token: token.access_token,
      refresh_token: token.refresh_token ?? stored.value.refresh_token,
      expires_at: nowSeconds() + token.expires_in,
    };
    const info = await this.store.info('user');
    const where = await this.store.set('user', next, { kind: 'oauth', expires_at: next.expires_at, username: info?.username });
    this.userCredential = Promise.resolve({ value: next, store: where });
    this.ctx.log('OAuth access token refreshed');
    return next;
  }

  /** The Authorization header for user-level API requests. */
  private async userAuthorization(request: { write: boolean; required: boolean }): Promise<string | undefined> {
    if (this.given) return this.given.key;
    const stored = await this.storedUser();
    if (!stored) {
      if (request.required || request.write) throw notAuthenticated();
      return undefined;
    }
    if (stored.value.type === 'key') return stored.value.key;
    let token: OAuthCredential | undefined = stored.value;
    if (token.expires_at - nowSeconds() < REFRESH_MARGIN_SECONDS) token = await this.refresh();
    if (!token) {
      if (request.required || request.write) throw sessionExpired();
      if (!this.warnedAnonymous) {
        this.warnedAnonymous = true;
        this.ctx.out.warn('Your authentication session has expired and could not be refreshed; continuing without credentials. Run `hexts user auth` to log in again.');
      }
      return undefined;
    }
    return `Bearer ${token.access_token}`;
  }

  /**
   * An AuthProvider for the API client. With `organization`, a stored key for that
   * organization's repository is used when no key was given (and the user's credential
   * otherwise); --verbose says which.
   */
  provider(options: { organization?: string } = {}): AuthProvider {
    let announced = false;
    const announce = (text: string) => {
      if (!announced) this.ctx.log(`credential: ${text}`);
      announced = true;
    };
    return {
      authorization: async (request) => {
        if (this.given) {
          announce(`API key ${describeKeySource(this.given.source)}`);
          return this.given.key;
        }
        if (options.organization) {
          const repository = `hexpm:${options.organization}`;
          const orgKey = await this.storedRepositoryKey(repository);
          if (orgKey) {
            announce(describeCredential({ kind: 'repository-key', source: orgKey.store, repository }));
            return orgKey.value.key;
          }
        }
        const header = await this.userAuthorization(request);
        if (header) announce(describeCredential((await this.activeUser())!));
        return header;
      },
      refresh: async () => {
        if (this.given) return false;
        const stored = await this.storedUser();
        if (stored?.value.type !== 'oauth') return false;
        const token = await this.refresh();
        if (!token) throw sessionExpired();
        return true;
      },
    };
  }

  /** An API client that authenticates with these credentials. */
  async api(options: { organization?: string; otp?: string } = {}): Promise<ApiClient> {
    return this.ctx.api({ auth: this.provider(options), otp: options.otp });
  }
}
