import type { ApiClient } from '../../api/client.js';
import { ApiError } from '../../api/errors.js';
import * as keys from '../../api/keys.js';
import * as oauth from '../../api/oauth.js';
import * as users from '../../api/users.js';
import type { Invocation } from '../../cli.js';
import type { Context } from '../../context.js';
import { readGivenKey, describeKeySource } from '../../credentials/key-input.js';
import { deviceLogin } from '../../credentials/login.js';
import { Credentials } from '../../credentials/session.js';
import type { UserCredential } from '../../credentials/store.js';
import { CliError, UsageError } from '../../errors.js';
import { readStdin } from '../../io/stdin.js';

const STORE_NAMES = { keychain: 'the OS keychain', file: 'the plain-text credentials file' };

// `hexts user auth`: the OAuth device flow by default; `--key` stores an existing API key
// once the registry accepts it; `--password` is the legacy flow for registries that still
// take Basic auth (hex.pm does not).
export async function run(ctx: Context, { opts }: Invocation): Promise<void> {
  for (const [name, flag] of [['username', '--username'], ['passwordStdin', '--password-stdin']]) {
    if (opts[name] !== undefined && !opts.password) throw new UsageError(`${flag} goes with --password`, 'Without --password, `hexts user auth` logs in through the browser (or stores the key given with --key).');
  }
  const credentials = await Credentials.open(ctx, { insecureStorage: opts.insecureStorage });
  const given = await readGivenKey(opts, ctx.streams.stdin);
  if (given && opts.password) throw new UsageError('use either --key or --password, not both');
  if (ctx.env.HEX_API_KEY) ctx.out.warn('HEX_API_KEY is set: it takes precedence over the credentials stored by this login.');

  let credential: UserCredential;
  let username: string;
  if (given) {
    ctx.log(`checking the key ${describeKeySource(given.source)} with GET /api/users/me`);
    username = await whoIs(await ctx.api({ auth: { authorization: async () => given.key } }), 'the key was refused');
    credential = { type: 'key', key: given.key };
  } else if (opts.password) {
    const { key } = await passwordLogin(ctx, opts);
    credential = { type: 'key', key };
    username = await whoIs(await ctx.api({ auth: { authorization: async () => key } }), 'the new key was refused');
  } else {
    const client = await ctx.api();
    const token = await deviceLogin(ctx, client, { clientId: credentials.oauthClientId, browser: opts.browser !== false });
    username = await whoIs(await ctx.api({ auth: { authorization: async () => `Bearer ${token.access_token}` } }), 'the new token was refused');
    credential = token;
  }

  await revokePreviousToken(ctx, credentials);
  const info = credential.type === 'oauth' ? { kind: 'oauth' as const, expires_at: credential.expires_at, username } : { kind: 'key' as const, username };
  const store = await credentials.store.set('user', credential, info);
  ctx.out.info('You are authenticated!');
  ctx.out.info(`Logged in to ${credentials.store.apiUrl} as ${username}; ${credential.type === 'oauth' ? 'OAuth tokens' : 'API key'} stored in ${STORE_NAMES[store]}.`);
}

async function whoIs(client: ApiClient, refusal: string): Promise<string> {
  try {
    return (await users.me(client)).username;
  } catch (err) {
    if (err instanceof ApiError && err.status < 500) throw new CliError(`${refusal}: ${err.message}`, 'Nothing was stored.');
    throw err;
  }
}

/** A new login replaces the old one; its OAuth token is revoked on the server (best effort). */
async function revokePreviousToken(ctx: Context, credentials: Credentials): Promise<void> {
  const previous = await credentials.storedUser().catch(() => undefined);
  if (previous?.value.type !== 'oauth') return;
  try {
    const client = await ctx.api();
    await oauth.revoke(client, { token: previous.value.access_token, client_id: credentials.oauthClientId });
    if (previous.value.refresh_token) await oauth.revoke(client, { token: previous.value.refresh_token, client_id: credentials.oauthClientId });
    ctx.log('revoked the previous OAuth token');
  } catch (err) {
    ctx.out.warn(`Could not revoke the previous OAuth token on the server: ${(err as Error).message}`);
  }
}

async function passwordLogin(ctx: Context, opts: Record<string, unknown>): Promise<{ key: string }> {
  const username = typeof opts.username === 'string'
    ? opts.username
    : await ctx.prompt.input('Username:', { message: 'a username is needed', hint: 'Pass --username NAME.' });
  const password = opts.passwordStdin
    ? (await readStdin(ctx.streams.stdin)).replace(/\r?\n$/, '')
    : await ctx.prompt.password('Account password:', { message: 'a password is needed', hint: 'Pass it on stdin with --password-stdin.' });
  if (!password) throw new UsageError('the password is empty');
  const basic = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  const client = await ctx.api({ auth: { authorization: async () => basic } });
  ctx.out.info('Generating keys...');
  try {
    const key = await keys.create(client, {
      name: `hexts-${ctx.hostname()}`,
      permissions: [{ domain: 'api', resource: null }, { domain: 'repositories', resource: null }],
    });
    return { key: key.secret! };
  } catch (err) {
    if (err instanceof ApiError && err.status === 401 && /Basic authentication is disabled/i.test(err.message)) {
      throw new CliError(err.message, 'This registry logs in with OAuth: run `hexts user auth` (without --password), or store an API key with `hexts user auth --key -`.');
    }
    throw err;
  }
}
