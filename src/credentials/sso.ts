import { setTimeout as sleep } from 'node:timers/promises';
import { ApiError, ssoCommand } from '../api/errors.js';
import * as oauth from '../api/oauth.js';
import type { Context } from '../context.js';
import { CliError } from '../errors.js';
import { browserRefusal, openBrowser } from './login.js';
import { nowSeconds, sessionExpired, type Credentials } from './session.js';

// `hexts user auth --sso ORG`: takes the stored OAuth login through the single sign-on of
// organizations that require it (hexpm's organization SSO). The registry gives a URI where the
// user signs in to the organization's identity provider; that gives the login's session access
// to the organization, and the next refresh of its token carries the organization's scopes.
// The token response names the organizations still missing (sso_reauth_required), so hexts
// refreshes until none of the asked-for ones is left, as the device flow polls.

/** Never waited for longer than this, whatever the registry says (hex.pm's codes last ten minutes). */
const MAX_WAIT_SECONDS = 1800;
/** Seconds between refreshes once the user had time to get to the browser; the first come sooner. */
const POLL_SECONDS = 5;

const names = (organizations: string[]): string => organizations.join(', ');

export async function ssoLogin(ctx: Context, credentials: Credentials, organizations: string[], options: { browser: boolean }): Promise<void> {
  const client = await credentials.loginApi();
  if (!client) {
    const login = (await credentials.holdings()).login;
    throw new CliError(
      login ? 'your login is an API key; single sign-on is for an OAuth login' : 'no OAuth login here to take through single sign-on',
      `Log in through the browser with \`hexts user auth\`, then run \`${ssoCommand(organizations)}\`.`,
    );
  }
  let grant;
  try {
    grant = await oauth.ssoAuthorization(client, organizations);
  } catch (err) {
    if (err instanceof ApiError && err.status === 422) {
      throw new CliError(err.message, 'Only organizations you are a member of that require single sign-on can be asked for; `hexts user whoami` names those this login has yet to authenticate to.');
    }
    throw err;
  }

  const url = grant.verification_uri;
  ctx.out.info(`To authenticate to ${names(organizations)} through ${organizations.length === 1 ? 'its' : 'their'} identity provider, visit: ${url}`);
  if (options.browser) {
    const refusal = browserRefusal(url, client.apiUrl);
    if (refusal) ctx.out.warn(`Not opening the browser: the address the registry gave, ${url}, ${refusal}. Open it yourself only if you trust it.`);
    else openBrowser(ctx, new URL(url));
  }
  ctx.out.info('Waiting for authentication...');

  const deadline = nowSeconds() + Math.min(grant.expires_in, MAX_WAIT_SECONDS);
  for (let attempt = 1; ; attempt++) {
    await sleep(Math.min(attempt, POLL_SECONDS) * 1000);
    const token = await credentials.refresh();
    if (!token) throw sessionExpired();
    const pending = organizations.filter((o) => token.sso_reauth_required?.includes(o));
    if (pending.length === 0) {
      ctx.out.info(`Authenticated to ${names(organizations)} through single sign-on; your login reaches ${organizations.length === 1 ? 'it' : 'them'} again.`);
      return;
    }
    if (nowSeconds() > deadline) {
      throw new CliError(`single sign-on for ${names(pending)} was not completed in time`, `Run \`${ssoCommand(organizations)}\` again.`);
    }
  }
}
