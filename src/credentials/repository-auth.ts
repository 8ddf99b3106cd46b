import { ApiError } from '../api/errors.js';
import * as oauth from '../api/oauth.js';
import type { Context } from '../context.js';
import { CliError } from '../errors.js';
import { describeHeld, refusalAdvice, type Choice, type Purpose } from './choice.js';
import { Credentials, REFRESH_MARGIN_SECONDS, nowSeconds, organizationSlot } from './session.js';
import type { ExchangedToken, KeyCredential } from './store.js';

// The Authorization header for an organization's repository (client.md §2.3), with the
// credential `chooseCredential` picks for reading it: the key given for this run, else the
// organization's stored key, else the user's login. A key is exchanged for a short-lived token
// (client_credentials, scope repository:ORG) where the registry supports it, as mix does on
// hex.pm, and the token is kept with the stored key until it expires; elsewhere the key goes as
// it is. An OAuth login goes as its Bearer token.

type Source =
  | {
      kind: 'key';
      key: string;
      description: string;
      /** A token kept from an earlier run. */
      kept?: ExchangedToken;
      /** Keeps a new token with the stored key; absent for keys given on this run. */
      keep?: (token: ExchangedToken) => Promise<void>;
      storedOrganizationKey: boolean;
    }
  | { kind: 'oauth'; description: string }
  | { kind: 'none'; choice: Choice };

export interface RepositoryAuthOptions {
  organization: string;
  /** Exchange keys for tokens first (hex.pm; repo_oauth_exchange elsewhere). */
  exchange: boolean;
}

export class RepositoryAuth {
  private source?: Promise<Source>;
  private token?: Promise<ExchangedToken>;
  private renewing?: Promise<boolean>;
  private refreshedAfterRefusal = false;
  /** The registry exchanged the key for a token without this organization's scope (hexpm does so for a personal key the organization's single sign-on turns away). */
  private exchangedWithoutScope = false;

  constructor(
    private readonly ctx: Context,
    private readonly credentials: Credentials,
    private readonly options: RepositoryAuthOptions,
  ) {}

  private get scope(): string {
    return `repository:${this.options.organization}`;
  }

  private get purpose(): Purpose {
    return { kind: 'repository', organization: this.options.organization, action: `read organization ${this.options.organization}'s repository` };
  }

  /** The credential requests carry, in words (never the secret); undefined when there is none. */
  async description(): Promise<string | undefined> {
    const source = await this.resolve();
    return source.kind === 'none' ? undefined : source.description;
  }

  /** Whether the credential is an organization key stored on this machine. */
  async usesStoredOrganizationKey(): Promise<boolean> {
    const source = await this.resolve();
    return source.kind === 'key' && source.storedOrganizationKey;
  }

  /** When no credential here may read the repository: what to do (a stored key that cannot, or none at all). */
  async missing(): Promise<{ message: string; hint: string } | undefined> {
    const source = await this.resolve();
    return source.kind === 'none' ? refusalAdvice(this.purpose, source.choice) : undefined;
  }

  /** Whether the credential is an OAuth login (whose token names the organizations it may read). */
  async usesLogin(): Promise<boolean> {
    return (await this.resolve()).kind === 'oauth';
  }

  /** Whether the login's token was granted without this organization, pending its single sign-on (as the registry said). */
  async awaitsSingleSignOn(): Promise<boolean> {
    if (!(await this.usesLogin())) return false;
    const login = (await this.credentials.storedUser())?.value;
    return login?.type === 'oauth' && (login.sso_reauth_required ?? []).includes(this.options.organization);
  }

  /** Whether the key was exchanged for a token that leaves this organization out. */
  get keyLeftOut(): boolean {
    return this.exchangedWithoutScope;
  }

  /**
   * After a 403 to a login's token: refreshed once, since the token lists the organizations
   * its user belonged to when it was issued. False when there is nothing to refresh.
   */
  async refreshAfterRefusal(): Promise<boolean> {
    if (this.refreshedAfterRefusal || !(await this.usesLogin())) return false;
    this.refreshedAfterRefusal = true;
    this.ctx.log(`the repository refused the login's token; refreshing it once, in case it predates a membership of ${this.options.organization}`);
    return (await this.credentials.refresh()) !== undefined;
  }

  async authorization(): Promise<string | undefined> {
    const source = await this.resolve();
    if (source.kind === 'none') return undefined;
    if (source.kind === 'oauth') {
      const choice = await this.credentials.choose(this.purpose);
      return this.credentials.header(choice.use!, true);
    }
    // As mix sends it, `hex_` or not: the repository's edge reads a bearer as an OAuth token.
    if (!this.options.exchange) return source.key;
    this.token ??= source.kept && source.kept.expires_at - nowSeconds() >= REFRESH_MARGIN_SECONDS ? Promise.resolve(source.kept) : this.exchange(source);
    return `Bearer ${(await this.token).access_token}`;
  }

  /**
   * After the repository answered 401 to `failed`: a fresh token (exchanged again, or the
   * login refreshed), once for all the requests that failed with the same one. False when
   * there is nothing to renew, e.g. a key sent as it is.
   */
  renew(failed: string): Promise<boolean> {
    this.renewing ??= (async () => {
      if ((await this.authorization()) !== failed) return true; // renewed meanwhile
      return this.doRenew();
    })().finally(() => {
      this.renewing = undefined;
    });
    return this.renewing;
  }

  private async doRenew(): Promise<boolean> {
    const source = await this.resolve();
    if (source.kind === 'oauth') return (await this.credentials.refresh()) !== undefined;
    if (source.kind !== 'key' || !this.options.exchange) return false;
    this.ctx.log(`the repository refused the exchanged token; exchanging ${source.description} again`);
    this.token = this.exchange(source);
    await this.token;
    return true;
  }

  private resolve(): Promise<Source> {
    this.source ??= this.findSource().then((source) => {
      if (source.kind === 'key') {
        this.ctx.log(`credential: ${source.description}${this.options.exchange ? ' (exchanged for a short-lived token)' : ''}`);
      } else if (source.kind === 'oauth') {
        this.ctx.log(`credential: ${source.description}`);
      }
      return source;
    });
    return this.source;
  }

  private async findSource(): Promise<Source> {
    const choice = await this.credentials.choose(this.purpose);
    const held = choice.use;
    if (!held) return { kind: 'none', choice };
    const description = describeHeld(held);
    if (held.kind === 'given') return { kind: 'key', key: this.credentials.given!.key, description, storedOrganizationKey: false };

    if (held.kind === 'organization-key') {
      const slot = organizationSlot(held.organization);
      const stored = await this.credentials.storedOrganizationKey(held.organization);
      if (!stored) return { kind: 'none', choice: { ...choice, use: undefined } };
      const value = stored.value;
      return {
        kind: 'key',
        key: value.key,
        description,
        kept: value.oauth_token,
        keep: (token) => this.credentials.store.update(slot, { ...value, oauth_token: token }),
        storedOrganizationKey: true,
      };
    }

    if (held.type === 'oauth') return { kind: 'oauth', description };
    const user = await this.credentials.storedUser();
    if (user?.value.type !== 'key') return { kind: 'none', choice: { ...choice, use: undefined } };
    const value: KeyCredential = user.value;
    return {
      kind: 'key',
      key: value.key,
      description,
      kept: value.repository_tokens?.[this.scope],
      keep: (token) => {
        const now = nowSeconds();
        const tokens = Object.fromEntries(Object.entries(value.repository_tokens ?? {}).filter(([, t]) => t.expires_at > now));
        return this.credentials.store.update('user', { ...value, repository_tokens: { ...tokens, [this.scope]: token } });
      },
      storedOrganizationKey: false,
    };
  }

  private async exchange(source: Extract<Source, { kind: 'key' }>): Promise<ExchangedToken> {
    const client = await this.ctx.api();
    let answer;
    try {
      answer = await oauth.token(client, {
        grant_type: 'client_credentials',
        client_id: this.credentials.oauthClientId,
        client_secret: source.key,
        scope: this.scope,
        name: `hexts (${this.ctx.hostname()})`,
      });
    } catch (err) {
      throw this.explainExchange(err, source);
    }
    const token: ExchangedToken = { access_token: answer.access_token, expires_at: nowSeconds() + answer.expires_in };
    this.exchangedWithoutScope = answer.scope !== undefined && !answer.scope.split(' ').includes(this.scope);
    this.ctx.log(`exchanged ${source.description} for a token with ${this.exchangedWithoutScope ? `${answer.scope || 'no scope'} (not ${this.scope})` : this.scope}, valid for ${answer.expires_in} s`);
    // A token without the scope is no use to a later run, which asks afresh.
    if (source.keep && !this.exchangedWithoutScope) {
      // Only a cache: a run that cannot keep the token still has it.
      await source.keep(token).catch((err: unknown) => this.ctx.log(`could not keep the exchanged token: ${(err as Error).message}`));
    }
    return token;
  }

  private explainExchange(err: unknown, source: Extract<Source, { kind: 'key' }>): unknown {
    if (!(err instanceof ApiError) || err.status >= 500) return err;
    const organization = this.options.organization;
    const code = (err.body as { error?: unknown } | undefined)?.error;
    if (code === 'invalid_scope') {
      return new CliError(
        `${source.description} does not give access to organization ${organization}'s repository (${err.message})`,
        `Use a key with the repository:${organization} (or repositories) permission.`,
      );
    }
    return new CliError(
      `failed to exchange ${source.description} for a repository token: ${err.message}`,
      source.storedOrganizationKey
        ? `The key may have been revoked or may have expired. Give this machine a current key: \`hexts organization auth ${organization} --key KEY\`.`
        : 'The key may have been revoked or may have expired; check it, or generate a new one.',
    );
  }
}
