import * as oauth from '../api/oauth.js';
import { missingOAuthClient } from '../config/config.js';
import type { Context } from '../context.js';
import { CliError } from '../errors.js';
import type { RepoEntry } from '../repository/repos.js';
import { describeKeySource, type GivenKey } from './key-input.js';
import { REFRESH_MARGIN_SECONDS, nowSeconds } from './session.js';
import { CredentialStore, type ExchangedToken, type StoreKind } from './store.js';

// The auth key of a repository added with `hexts repo add` (mix: the repo's auth_key), kept in
// the keychain apart from every registry's credentials, and the Authorization header made of it
// for that repository's files only. A URL's `user:password@` is kept the same way, as the Basic
// authorization it stands for.

const SLOT = 'auth_key';

export interface RepoAuthKey {
  /** The Authorization header value: the key as it is, or `Basic …` for URL userinfo. */
  authorization: string;
  /** From `user:password@` in the URL the repository was added with. */
  basic?: boolean;
  /** The token the key was last exchanged for (--oauth-exchange). */
  oauth_token?: ExchangedToken;
}

export function basicAuthorization(userinfo: { username: string; password: string }): string {
  return `Basic ${Buffer.from(`${userinfo.username}:${userinfo.password}`).toString('base64')}`;
}

export async function repoKeyStore(ctx: Context, name: string, insecure = false): Promise<CredentialStore> {
  const config = await ctx.config();
  return new CredentialStore(config.home, `repo:${name}`, { insecure, warn: (m) => ctx.out.warn(m), log: (m) => ctx.log(m) });
}

export async function storeRepoKey(ctx: Context, name: string, key: RepoAuthKey, insecure: boolean): Promise<StoreKind> {
  return (await repoKeyStore(ctx, name, insecure)).set(SLOT, key, { kind: 'key' });
}

export async function deleteRepoKey(ctx: Context, name: string): Promise<void> {
  await (await repoKeyStore(ctx, name)).delete(SLOT);
}

/** What the index says of a repository's key (no keychain call): where it is stored, if anywhere. */
export async function repoKeyStoredIn(ctx: Context, name: string): Promise<StoreKind | undefined> {
  return (await (await repoKeyStore(ctx, name)).info(SLOT))?.store;
}

/** The Authorization for one added repository's requests: its stored key, exchanged first where it says so. */
export class AddedRepositoryAuth {
  private key?: Promise<RepoAuthKey | undefined>;
  private token?: Promise<ExchangedToken>;

  constructor(
    private readonly ctx: Context,
    private readonly name: string,
    private readonly entry: RepoEntry,
  ) {}

  async description(): Promise<string | undefined> {
    const key = await this.stored();
    if (!key) return undefined;
    return `the auth key of repository ${this.name}${key.basic ? ' (user and password from its URL)' : ''}`;
  }

  async authorization(): Promise<string | undefined> {
    const key = await this.stored();
    if (!key) return undefined;
    if (!this.entry.oauth_exchange || key.basic) return key.authorization;
    const kept = key.oauth_token;
    this.token ??= kept && kept.expires_at - nowSeconds() >= REFRESH_MARGIN_SECONDS ? Promise.resolve(kept) : this.exchange(key);
    return `Bearer ${(await this.token).access_token}`;
  }

  /** After a 401 to an exchanged token: exchange once more. A key sent as it is cannot be renewed. */
  async renew(failed: string): Promise<boolean> {
    const key = await this.stored();
    if (!key || !this.entry.oauth_exchange || key.basic || !failed.startsWith('Bearer ')) return false;
    this.token = this.exchange(key);
    await this.token;
    return true;
  }

  private stored(): Promise<RepoAuthKey | undefined> {
    this.key ??= (async () => {
      if (!this.entry.has_auth_key) return undefined;
      const found = await (await repoKeyStore(this.ctx, this.name)).get<RepoAuthKey>(SLOT);
      if (!found) this.ctx.log(`repository ${this.name}: its auth key is recorded but not found in the credential store`);
      return found?.value;
    })();
    return this.key;
  }

  private async exchange(key: RepoAuthKey): Promise<ExchangedToken> {
    const apiUrl = this.entry.oauth_exchange_url;
    if (!apiUrl) {
      throw new CliError(`repository ${this.name} exchanges its key for a token, but no exchange URL is set`, `Set it: \`hexts repo set ${this.name} --oauth-exchange-url https://API\`, or turn the exchange off with --no-oauth-exchange.`);
    }
    const clientId = (await this.ctx.config()).forApi('oauth_client_id', apiUrl);
    if (clientId === undefined) throw missingOAuthClient(apiUrl);
    const client = await this.ctx.api({ apiUrl });
    let answer;
    try {
      answer = await oauth.token(client, {
        grant_type: 'client_credentials',
        client_id: clientId,
        client_secret: key.authorization,
        scope: `repository:${this.name}`,
        name: `hexts (${this.ctx.hostname()})`,
      });
    } catch (err) {
      throw new CliError(`could not exchange the auth key of repository ${this.name} at ${apiUrl}: ${(err as Error).message}`, `Check the key (\`hexts repo set ${this.name} --auth-key KEY\`) and the exchange URL, or use --no-oauth-exchange.`);
    }
    const token: ExchangedToken = { access_token: answer.access_token, expires_at: nowSeconds() + answer.expires_in };
    const store = await repoKeyStore(this.ctx, this.name);
    await store.update(SLOT, { ...key, oauth_token: token }).catch((err: unknown) => this.ctx.log(`could not keep the exchanged token: ${(err as Error).message}`));
    return token;
  }
}

/**
 * The Authorization for a write to an added repository's API: the key given for the run, else
 * the repository's own auth key (sent as it is: such APIs take keys, not exchanged tokens).
 */
export async function repositoryWriteAuthorization(ctx: Context, name: string, entry: RepoEntry, given: GivenKey | undefined): Promise<{ value: string; credential: string } | undefined> {
  if (given) return { value: given.key, credential: `the key from ${describeKeySource(given.source)}` };
  const added = new AddedRepositoryAuth(ctx, name, { ...entry, oauth_exchange: false });
  const value = await added.authorization();
  return value ? { value, credential: (await added.description())! } : undefined;
}
