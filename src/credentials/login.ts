import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fixedAuthorization, type ApiClient } from '../api/client.js';
import { ApiError, ssoCommand } from '../api/errors.js';
import * as oauth from '../api/oauth.js';
import * as users from '../api/users.js';
import type { Context } from '../context.js';
import { CliError } from '../errors.js';
import { isLoopbackHost } from '../util/net.js';
import { nowSeconds, ssoReauthOf, type Credentials } from './session.js';
import { grantedScopes, type OAuthCredential, type UserCredential } from './store.js';

const STORE_NAMES = { keychain: 'the OS keychain', file: 'the plain-text credentials file' };

/** hex_core's device flow asks for these: the API, and every repository the user can read. */
export const DEVICE_SCOPE = 'api repositories';

/**
 * Why the browser may not be sent to `url`, or undefined when it may: the registry names the
 * address, and only a web page of the registry itself or of hex.pm goes to the browser —
 * never a file, a share, a script or a desktop launcher, and never an address at another host.
 */
export function browserRefusal(url: string, apiUrl: URL): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'is not a URL';
  }
  const web = parsed.protocol === 'https:' || (parsed.protocol === 'http:' && isLoopbackHost(parsed.hostname));
  if (!web) return `is a ${parsed.protocol} address, not an https:// one`;
  const hosts = [apiUrl.host, HEX_PM_HOST];
  if (!hosts.includes(parsed.host)) return `is at ${parsed.host}, not at ${hosts.join(' or ')}`;
  return undefined;
}

const HEX_PM_HOST = 'hex.pm';

/**
 * Opens a web page in the desktop's browser when there is a desktop; silent when that fails.
 * `url` must have passed browserRefusal: it starts with https:// (or http://), so no opener
 * takes it for an option (xdg-open refuses `--`, so none is given), and no shell reads it.
 */
export function openBrowser(ctx: Context, url: URL): boolean {
  const platform = process.platform;
  const hasDesktop = platform === 'darwin' || platform === 'win32' || Boolean(ctx.env.DISPLAY || ctx.env.WAYLAND_DISPLAY);
  if (!hasDesktop) return false;
  // On Windows, url.dll's handler takes the address as data (`cmd /c start` would run `&…`).
  const [command, args] =
    platform === 'darwin' ? ['open', [url.href]] : platform === 'win32' ? ['rundll32', ['url.dll,FileProtocolHandler', url.href]] : ['xdg-open', [url.href]];
  try {
    const child = spawn(command as string, args as string[], { detached: true, stdio: 'ignore', env: ctx.env as NodeJS.ProcessEnv });
    child.on('error', () => {});
    child.unref();
    return true;
  } catch {
    return false;
  }
}

const MAX_DEVICE_WAIT_SECONDS = 1800;

/**
 * The OAuth 2.0 device flow (client.md §2.1): show the code, open the browser, poll at the
 * server's interval (slower after `slow_down`) until the user approves, denies or the code expires.
 */
export async function deviceLogin(ctx: Context, client: ApiClient, options: { clientId: string; browser: boolean; inline?: boolean }): Promise<OAuthCredential> {
  const grant = await oauth.deviceAuthorization(client, { client_id: options.clientId, scope: DEVICE_SCOPE, name: `hexts (${ctx.hostname()})` });
  const code = grant.user_code.length === 8 ? `${grant.user_code.slice(0, 4)}-${grant.user_code.slice(4)}` : grant.user_code;
  const url = grant.verification_uri_complete || grant.verification_uri;
  if (options.inline) {
    // In the middle of another command, mix's shorter form.
    ctx.out.info(`Open ${url} in your browser and enter code: ${code}`);
  } else {
    ctx.out.info(`To authenticate, visit: ${url}`);
    ctx.out.info();
    ctx.out.info('Your verification code:');
    ctx.out.info();
    ctx.out.info(`  ${code}`);
    ctx.out.info();
    ctx.out.info('Verify this code matches what is shown in your browser.');
    ctx.out.info();
  }
  if (options.browser) {
    const refusal = browserRefusal(url, client.apiUrl);
    if (refusal) ctx.out.warn(`Not opening the browser: the address the registry gave, ${url}, ${refusal}. Open it yourself only if you trust it.`);
    else openBrowser(ctx, new URL(url));
  }
  ctx.out.info('Waiting for authentication...');

  let interval = Math.max(0, grant.interval ?? 5);
  // Whatever the registry says, a code is not waited for longer than half an hour (hex.pm's last ten minutes).
  const deadline = nowSeconds() + Math.min(grant.expires_in ?? 600, MAX_DEVICE_WAIT_SECONDS);
  const expired = () => new CliError('Device code expired. Please try again.', 'Run `hexts user auth` again.');
  for (;;) {
    await sleep(Math.max(0, Math.min(interval, deadline - nowSeconds() + 1)) * 1000);
    if (nowSeconds() > deadline) throw expired();
    try {
      const token = await oauth.token(client, { grant_type: oauth.DEVICE_CODE_GRANT, device_code: grant.device_code, client_id: options.clientId });
      return {
        type: 'oauth',
        access_token: token.access_token,
        refresh_token: token.refresh_token ?? undefined,
        expires_at: nowSeconds() + token.expires_in,
        ...ssoReauthOf(token),
        scope: token.scope,
      };
    } catch (err) {
      const reason = err instanceof ApiError ? (err.body as { error?: string } | undefined)?.error : undefined;
      if (reason === 'authorization_pending') continue;
      if (reason === 'slow_down') {
        interval += 5;
        continue;
      }
      if (reason === 'expired_token') throw expired();
      if (reason === 'access_denied') throw new CliError('Authentication was denied.');
      throw err;
    }
  }
}

/** The username behind a credential, asked of the registry; a refusal means nothing is stored. */
export async function whoIs(client: ApiClient, refusal: string): Promise<string> {
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

/** Stores `credential` as the login of `username`, replacing (and revoking) the previous one. */
export async function storeLogin(ctx: Context, credentials: Credentials, credential: UserCredential, username: string): Promise<void> {
  await revokePreviousToken(ctx, credentials);
  const info = credential.type === 'oauth'
    ? { kind: 'oauth' as const, expires_at: credential.expires_at, username, scopes: grantedScopes(credential) }
    : { kind: 'key' as const, username };
  const store = await credentials.store.set('user', credential, info);
  ctx.out.info('You are authenticated!');
  ctx.out.info(`Logged in to ${credentials.store.apiUrl} as ${username}; ${credential.type === 'oauth' ? 'OAuth tokens' : 'API key'} stored in ${STORE_NAMES[store]}.`);
}

/** The device flow, then the new login stored: `hexts user auth`, or inline before a write. */
export async function authenticate(ctx: Context, credentials: Credentials, options: { browser: boolean; inline?: boolean }): Promise<void> {
  const token = await deviceLogin(ctx, await ctx.api(), { clientId: credentials.oauthClientId, ...options });
  const username = await whoIs(await ctx.api({ auth: fixedAuthorization(`Bearer ${token.access_token}`, 'the new OAuth token') }), 'the new token was refused');
  await storeLogin(ctx, credentials, token, username);
  const sso = token.sso_reauth_required;
  if (sso) {
    const [which, them] = sso.length === 1 ? ['Organization', 'it'] : ['Organizations', 'them'];
    ctx.out.info(`${which} ${sso.join(', ')} ${sso.length === 1 ? 'requires' : 'require'} single sign-on: run \`${ssoCommand(sso)}\` to reach ${them}.`);
  }
}
