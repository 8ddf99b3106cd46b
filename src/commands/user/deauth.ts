import * as oauth from '../../api/oauth.js';
import type { Invocation } from '../../cli.js';
import type { Context } from '../../context.js';

const STORE_NAMES = { keychain: 'the OS keychain', file: 'the plain-text credentials file' };

// `hexts user deauth`: revokes the OAuth token on the server and removes every credential
// stored for this registry (the login and the organization keys), saying what went.
export async function run(ctx: Context, _invocation: Invocation): Promise<void> {
  const credentials = await ctx.credentials();
  const stored = await credentials.storedUser().catch(() => undefined);
  if (stored?.value.type === 'oauth') {
    try {
      const client = await ctx.api();
      for (const token of [stored.value.access_token, stored.value.refresh_token]) {
        if (token) await oauth.revoke(client, { token, client_id: credentials.oauthClientId });
      }
      ctx.out.info('Revoked the OAuth token on the server.');
    } catch (err) {
      ctx.out.warn(`Could not revoke the OAuth token on the server (${(err as Error).message}); removing it locally anyway.`);
    }
  }

  const slots = await credentials.store.list();
  const names = new Set(slots.map((s) => s.slot));
  if (stored) names.add('user');
  let removed = 0;
  for (const slot of names) {
    const where = await credentials.store.delete(slot);
    if (where.length === 0) continue;
    removed++;
    const what = slot === 'user' ? (stored?.value.type === 'oauth' ? 'the OAuth tokens' : 'the API key') : `the key for ${slot.replace(/^repository:/, '')}`;
    ctx.out.info(`Removed ${what} from ${where.map((w) => STORE_NAMES[w]).join(' and ')}.`);
  }
  if (removed === 0) ctx.out.info(`No credentials were stored for ${credentials.store.apiUrl}.`);
  else ctx.out.info('Authentication credentials removed from the local machine. To authenticate again, run `hexts user auth`.');
  if (ctx.env.HEX_API_KEY) ctx.out.warn('HEX_API_KEY is still set in the environment and will be used until you unset it.');
}
