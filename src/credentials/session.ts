import type { ApiClient, AuthProvider } from '../api/client.js';
import { ApiError, MaintenanceError, SsoRefusalError } from '../api/errors.js';
import * as oauth from '../api/oauth.js';
import type { TokenResponse } from '../api/types.js';
import { missingOAuthClient } from '../config/config.js';
import type { Context } from '../context.js';
import { CliError } from '../errors.js';
import { FILE_LOCK_WAIT_MS } from '../util/lock.js';
import { chooseCredential, describeHeld, refusalAdvice, type Choice, type HeldCredential, type Holdings, type Purpose } from './choice.js';
import { keyAuthorization, readKeyForRun, type GivenKey } from './key-input.js';
import {
  CredentialStore,
  StoredCredentialUnavailableError,
  grantedScopes,
  repositorySlot,
  type OAuthCredential,
  type RepositoryCredential,
  type StoreKind,
  type UserCredential,
} from './store.js';

/** A token counts as expired when fewer than this many seconds remain (as mix does). */
export const REFRESH_MARGIN_SECONDS = 300;

export const nowSeconds = (): number => Math.floor(Date.now() / 1000);

/**
 * The organizations a token's grant says the session must authenticate to through single
 * sign-on, kept with the token. Only names an organization can have: they end up on the terminal.
 */
export function ssoReauthOf(token: TokenResponse): Pick<OAuthCredential, 'sso_reauth_required'> {
  const names = (token.sso_reauth_required ?? []).filter((name) => /^[\w.-]{1,100}$/.test(name));
  return names.length > 0 ? { sso_reauth_required: names } : {};
}

const expiring = (token: OAuthCredential): boolean => token.expires_at - nowSeconds() < REFRESH_MARGIN_SECONDS;

export const notAuthenticated = (): CliError =>
  new CliError('no authenticated user found', 'Run `hexts user auth` to log in, or pass --key / set HEX_API_KEY.');

export const sessionExpired = (): CliError =>
  new CliError('your authentication session has expired and could not be refreshed', 'Run `hexts user auth` to log in again.');

/** The registry refused the refresh token itself (`invalid_grant`: expired or revoked): no retry will help. */
const sessionEnded = (): CliError => new CliError('your session has ended; run `hexts user auth` to log in again');

const ORGANIZATION_SLOT = /^repository:hexpm:(.+)$/;

export const organizationSlot = (organization: string): string => repositorySlot(`hexpm:${organization}`);

const sentence = (text: string): string => `${text.charAt(0).toUpperCase()}${text.slice(1)}.`;

const organizationOf = (purpose: Purpose): string | undefined => (purpose.kind === 'account' ? undefined : purpose.organization);

/**
 * Everything about the credentials of one run against one registry: the key given for this
 * run (--key, --key -, --key-file, HEX_API_KEY), the stored login and organization keys, and
 * the OAuth refresh. Which one a request carries is `chooseCredential`'s decision alone.
 */
export class Credentials {
  private userCredential?: Promise<{ value: UserCredential; store: StoreKind } | undefined>;
  private refreshing?: Promise<OAuthCredential | undefined>;
  private warnedAnonymous = false;
  /** The registry answered the refresh with `invalid_grant`. */
  private ended = false;
  /** The registry could not refresh for maintenance; not tried again this run. */
  private maintenance?: MaintenanceError;
  /** The login could not be refreshed: requests go without it from now on. */
  private lost = false;

  private constructor(
    private readonly ctx: Context,
    readonly store: CredentialStore,
    readonly given: GivenKey | undefined,
    /** The OAuth client this registry knows hexts by; none for a registry other than hex.pm until one is set. */
    private readonly clientId: string | undefined,
  ) {}

  static async open(ctx: Context, opts: { key?: unknown; keyFile?: unknown; insecureStorage?: unknown } = {}): Promise<Credentials> {
    const config = await ctx.config();
    const given = await readKeyForRun(opts, ctx.streams.stdin, ctx.env);
    if (given?.source === 'flag') {
      ctx.log('note: a key given on the command line shows in the process list to other users of this machine; `--key -` or `--key-file PATH` keeps it out');
    }
    const store = new CredentialStore(config.home, config.apiUrl, {
      insecure: opts.insecureStorage === true,
      warn: (message) => ctx.out.warn(message),
      log: (message) => ctx.log(message),
    });
    return new Credentials(ctx, store, given, config.get('oauth_client_id'));
  }

  /** The OAuth client id for this registry; an error saying how to get one when none is set. */
  get oauthClientId(): string {
    if (this.clientId === undefined) throw missingOAuthClient(this.store.apiUrl);
    return this.clientId;
  }

  /** What this machine holds for the registry, from the secret-free index: no keychain call. */
  async holdings(): Promise<Holdings> {
    const holdings: Holdings = { organizationKeys: [] };
    if (this.given) holdings.given = { kind: 'given', source: this.given.source };
    for (const { slot, info } of await this.store.list()) {
      if (slot === 'user') {
        holdings.login = { kind: 'login', type: info.kind === 'oauth' ? 'oauth' : 'key', store: info.store, username: info.username, scopes: info.scopes };
        continue;
      }
      const organization = slot.match(ORGANIZATION_SLOT)?.[1];
      if (organization) {
        holdings.organizationKeys.push({ kind: 'organization-key', organization, store: info.store, permissions: info.permissions, keyName: info.key_name });
      }
    }
    return holdings;
  }

  async choose(purpose: Purpose): Promise<Choice> {
    return chooseCredential(purpose, await this.holdings());
  }

  /** The stored user credential (OAuth tokens or a user API key), read once per run. */
  storedUser(): Promise<{ value: UserCredential; store: StoreKind } | undefined> {
    this.userCredential ??= this.store.get<UserCredential>('user');
    return this.userCredential;
  }

  storedOrganizationKey(organization: string): Promise<{ value: RepositoryCredential; store: StoreKind } | undefined> {
    return this.store.get<RepositoryCredential>(organizationSlot(organization));
  }

  /** Exchanges the refresh token for new tokens and saves them (refresh tokens rotate). */
  refresh(): Promise<OAuthCredential | undefined> {
    this.refreshing ??= this.doRefresh().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async doRefresh(): Promise<OAuthCredential | undefined> {
    const had = await this.storedUser();
    if (had?.value.type !== 'oauth' || !had.value.refresh_token) return undefined;
    const spent = had.value.access_token;
    const timeoutMs = Number((await this.ctx.config()).get('http_timeout')) * 1000;
    // Runs sharing this login refresh one at a time; the others find and use the tokens it
    // saved, since the refresh token they read is spent. They wait as long as a refresh may
    // take: its request, and its writes.
    return this.store.whileRefreshing(async () => {
      const current = await this.rereadLogin();
      if (current && current.access_token !== spent && !expiring(current)) {
        this.ctx.log('OAuth access token already refreshed by another run');
        return current;
      }
      if (!current?.refresh_token) return undefined;
      const next = await this.refreshWith(current);
      if (next) return next;
      // Refused: the session is over, unless the login changed meanwhile (a new `user auth`).
      const latest = await this.rereadLogin();
      if (latest && latest.access_token !== current.access_token && !expiring(latest)) return latest;
      if (this.ended && latest?.access_token === current.access_token) {
        // Its tokens will never work again: later runs say "no authenticated user" at once.
        await this.store.delete('user');
        this.userCredential = Promise.resolve(undefined);
        this.ctx.log('the ended session\'s tokens were removed from this machine');
      }
      return undefined;
    }, 2 * timeoutMs + FILE_LOCK_WAIT_MS);
  }

  /** The stored login as it is now, which becomes this run's: another run may have changed it. */
  private async rereadLogin(): Promise<OAuthCredential | undefined> {
    const stored = await this.store.get<UserCredential>('user');
    this.userCredential = Promise.resolve(stored);
    return stored?.value.type === 'oauth' ? stored.value : undefined;
  }

  /** Spends `login`'s refresh token; the new tokens are saved. Undefined when the registry refuses it. */
  private async refreshWith(login: OAuthCredential): Promise<OAuthCredential | undefined> {
    const client = await this.ctx.api();
    let token;
    try {
      token = await oauth.token(client, { grant_type: 'refresh_token', refresh_token: login.refresh_token!, client_id: this.oauthClientId });
    } catch (err) {
      // The refresh token was refused (expired, revoked). Network failures are not a verdict
      // on the session and propagate as they are.
      if (err instanceof ApiError && err.status < 500) {
        this.ctx.log(`token refresh refused: ${err.message}`);
        this.ended ||= (err.body as { error?: unknown } | undefined)?.error === 'invalid_grant';
        return undefined;
      }
      throw err;
    }
    const next: OAuthCredential = {
      type: 'oauth',
      access_token: token.access_token,
      refresh_token: token.refresh_token ?? login.refresh_token,
      expires_at: nowSeconds() + token.expires_in,
      ...ssoReauthOf(token),
      scope: token.scope ?? login.scope,
    };
    const info = await this.store.info('user');
    const where = await this.store.set('user', next, { kind: 'oauth', expires_at: next.expires_at, username: info?.username, scopes: grantedScopes(next) });
    this.userCredential = Promise.resolve({ value: next, store: where });
    this.ctx.log('OAuth access token refreshed');
    return next;
  }

  /** The login's Authorization header, refreshed first when its token is about to expire. */
  private async loginHeader(required: boolean): Promise<string | undefined> {
    if (this.lost) return this.withoutLogin(required);
    const stored = await this.storedUser();
    if (!stored) {
      if (required) throw notAuthenticated();
      return undefined;
    }
    if (stored.value.type === 'key') return keyAuthorization(stored.value.key);
    let token: OAuthCredential | undefined = stored.value;
    if (expiring(token)) token = await this.refreshLogin(token);
    return token ? `Bearer ${token.access_token}` : this.withoutLogin(required);
  }

  /**
   * A fresh token, or undefined when this run can have none: the refresh was refused (the
   * session has ended, with `invalid_grant`), or the registry is in read-only maintenance,
   * when `current` goes on being used until it expires (the session itself is intact).
   */
  private async refreshLogin(current?: OAuthCredential): Promise<OAuthCredential | undefined> {
    if (!this.maintenance) {
      try {
        const next = await this.refresh();
        if (!next) this.lost = true;
        return next;
      } catch (err) {
        if (!(err instanceof MaintenanceError)) throw err;
        this.maintenance = err;
      }
    }
    if (current && current.expires_at > nowSeconds()) return current;
    this.lost = true;
    return undefined;
  }

  /** No login this run: a request that needs one fails, saying why; one that does not goes without, said once. */
  private withoutLogin(required: boolean): undefined {
    if (required) throw this.ended ? sessionEnded() : (this.maintenance ?? sessionExpired());
    if (!this.warnedAnonymous) {
      this.warnedAnonymous = true;
      this.ctx.out.warn(
        this.maintenance
          ? `${this.maintenance.host} is in read-only maintenance, so your login could not be refreshed; continuing without credentials.`
          : this.ended
            ? 'Your session has ended; continuing without credentials. Run `hexts user auth` to log in again.'
            : 'Your authentication session has expired and could not be refreshed; continuing without credentials. Run `hexts user auth` to log in again.',
      );
    }
    return undefined;
  }

  /**
   * The Authorization header for `held`. A request that can go without one (a public read)
   * goes anonymously when the stored secret cannot be had now, e.g. with no keychain.
   */
  async header(held: HeldCredential, required: boolean): Promise<string | undefined> {
    try {
      if (held.kind === 'given') return keyAuthorization(this.given!.key);
      if (held.kind === 'login') return await this.loginHeader(required);
      const stored = await this.storedOrganizationKey(held.organization);
      if (!stored && required) throw new CliError(`the key for organization ${held.organization} is recorded but could not be read`, `Store it again: \`hexts organization auth ${held.organization} --key KEY\`.`);
      return stored && keyAuthorization(stored.value.key);
    } catch (err) {
      if (err instanceof StoredCredentialUnavailableError && !required) {
        this.ctx.log(`note: ${err.message}; going on without credentials (none is needed for this request)`);
        return undefined;
      }
      throw err;
    }
  }

  /**
   * No held credential may do what `purpose` needs: say what to do. On a terminal, with
   * nothing stored that could ever do it, offer to log in (as mix does before a write).
   */
  private async missing(purpose: Purpose, choice: Choice): Promise<void> {
    const advice = refusalAdvice(purpose, choice);
    const held = await this.holdings();
    if (this.ctx.interactive && !held.login && !held.given) {
      const refusal = { message: 'no authenticated user found', hint: 'Run `hexts user auth` to log in.' };
      if (advice) this.ctx.out.warn(`${advice.message}.`);
      if (await this.ctx.prompt.confirm('No authenticated user found. Do you want to authenticate now?', refusal)) {
        const { authenticate } = await import('./login.js');
        await authenticate(this.ctx, this, { browser: true, inline: true });
        this.userCredential = undefined;
        return;
      }
    }
    throw advice ? new CliError(advice.message, sentence(advice.hint)) : notAuthenticated();
  }

  /**
   * Makes sure a request for `purpose` can carry a credential, before anything is shown or
   * sent: logs in on a terminal if there is none (see `missing`), refreshes an expiring token.
   */
  async ensure(purpose: Purpose): Promise<void> {
    let choice = await this.choose(purpose);
    if (!choice.use) {
      await this.missing(purpose, choice);
      choice = await this.choose(purpose);
      if (!choice.use) throw notAuthenticated();
    }
    await this.header(choice.use, true);
  }

  /**
   * An AuthProvider for requests made for `purpose`: the chosen credential (--verbose names
   * it on every request), one OAuth refresh when it is refused, and advice naming another
   * credential this machine holds when the registry refuses the one sent.
   */
  provider(purpose: Purpose): AuthProvider {
    let sent: HeldCredential | undefined;
    let sentRequired = false;
    let refreshedAfterRefusal = false;
    const sentLogin = () => sent?.kind === 'login' && sent.type === 'oauth';
    return {
      authorization: async (request) => {
        let choice = await this.choose(purpose);
        const required = request.required || request.write;
        if (!choice.use && required) {
          await this.missing(purpose, choice);
          choice = await this.choose(purpose);
        }
        const header = choice.use ? await this.header(choice.use, required) : undefined;
        sent = header ? choice.use : undefined;
        sentRequired = required;
        return header ? { value: header, credential: describeHeld(choice.use!) } : undefined;
      },
      refresh: async () => {
        if (!sentLogin()) return false;
        if (!(await this.refreshLogin())) this.withoutLogin(sentRequired);
        return true; // with the fresh token, or (a request that needs none) without the login
      },
      refreshAfterRefusal: async (status) => {
        // An access token names the organizations its user belonged to when it was issued.
        if (refreshedAfterRefusal || !sentLogin() || !organizationOf(purpose) || (status !== 403 && status !== 404)) return false;
        refreshedAfterRefusal = true;
        this.ctx.log(`the registry refused the login for organization ${organizationOf(purpose)}; refreshing it once, in case it predates a membership`);
        try {
          return (await this.refresh()) !== undefined;
        } catch (err) {
          if (err instanceof MaintenanceError) return false; // the refusal stands
          throw err;
        }
      },
      advise: async (error) => this.adviceAfterRefusal(purpose, sent, error),
    };
  }

  private async adviceAfterRefusal(purpose: Purpose, sent: HeldCredential | undefined, error: ApiError): Promise<string | undefined> {
    const organization = organizationOf(purpose);
    // Single sign-on's refusal says what to do itself: a membership is not what is missing.
    const membership = (error.status === 403 && !(error instanceof SsoRefusalError)) || error.status === 404;
    if (sent?.kind === 'login' && sent.type === 'oauth' && organization && membership) {
      return `If you were added to ${organization} after logging in, your login may predate the membership: \`hexts user auth\` renews it.`;
    }
    if (error.status !== 401 && error.status !== 403) return undefined;
    const choice = await this.choose(purpose);
    const advice = refusalAdvice(purpose, { ...choice, use: sent, alternatives: choice.alternatives.filter((c) => c.kind !== sent?.kind) });
    return advice && `${sentence(advice.message)} ${sentence(advice.hint)}`;
  }

  /**
   * Whether only an organization's repository can be read here: no credential may read the API
   * for it (an organization key with repository access alone, on a machine with no login).
   */
  async repositoryOnly(organization: string): Promise<boolean> {
    const api = await this.choose({ kind: 'api', access: 'read', organization });
    return !api.use && (await this.choose({ kind: 'repository', organization })).use !== undefined;
  }

  /**
   * An API client whose requests carry the stored OAuth login, refreshed as needed, whatever
   * else this machine holds: for what only the login's session can ask. Undefined without one.
   */
  async loginApi(): Promise<ApiClient | undefined> {
    const login = (await this.holdings()).login;
    if (login?.type !== 'oauth') return undefined;
    return this.ctx.api({
      auth: {
        authorization: async () => ({ value: (await this.loginHeader(true))!, credential: describeHeld(login) }),
        refresh: async () => {
          if (!(await this.refresh())) throw sessionExpired();
          return true;
        },
      },
    });
  }

  /** An API client whose requests carry the credential chosen for `purpose`. */
  async api(purpose: Purpose, options: { otp?: string } = {}): Promise<ApiClient> {
    return this.ctx.api({ auth: this.provider(purpose), otp: options.otp });
  }
}
