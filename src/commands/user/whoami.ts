import { ssoCommand } from '../../api/errors.js';
import * as users from '../../api/users.js';
import type { Invocation } from '../../cli.js';
import type { Context } from '../../context.js';
import { describeHeld, grantPermits, type Purpose } from '../../credentials/choice.js';

const PURPOSE: Purpose = { kind: 'account', access: 'read', action: 'show who you are' };

// `hexts user whoami`: who the credential in use belongs to, where that credential comes
// from (flag, env, keychain, file) and, for OAuth, the scopes it was granted (the user may
// untick some on the consent page), when the access token expires and which organizations'
// single sign-on the login has yet to go through.
export async function run(ctx: Context, _invocation: Invocation): Promise<void> {
  const credentials = await ctx.credentials();
  await credentials.ensure(PURPOSE);
  const me = await users.me(await credentials.api(PURPOSE));
  const active = (await credentials.choose(PURPOSE)).use!;
  // After the request: a refresh may have renewed the token.
  const oauthLogin = active.kind === 'login' && active.type === 'oauth';
  const oauth = oauthLogin ? await credentials.store.info('user') : undefined;
  const expires = oauth?.expires_at ? new Date(oauth.expires_at * 1000).toISOString() : undefined;
  const scopes = oauth?.scopes;
  const stored = oauthLogin ? (await credentials.storedUser())?.value : undefined;
  const ssoPending = stored?.type === 'oauth' ? (stored.sso_reauth_required ?? []) : [];

  if (ctx.globals.json) {
    ctx.out.json({
      username: me.username,
      email: me.email ?? null,
      organizations: me.organizations ?? [],
      credential: {
        type: active.kind === 'login' ? active.type : 'key',
        source: active.kind === 'given' ? active.source : active.store,
        expires_at: expires ?? null,
        sso_reauth_required: ssoPending,
        scopes: scopes ?? null,
      },
      api_url: credentials.store.apiUrl,
    });
    return;
  }
  ctx.out.print(me.username);
  if (me.email) ctx.out.print(`  Email: ${me.email}`);
  const orgs = me.organizations ?? [];
  ctx.out.print(`  Organizations: ${orgs.length ? orgs.map((o) => `${o.name} (${o.role})`).join(', ') : 'none'}`);
  ctx.out.print(`  Credential: ${describeHeld(active)}`);
  if (scopes) {
    const canWrite = grantPermits(scopes, { kind: 'account', access: 'write' });
    ctx.out.print(`  Scopes: ${scopes.join(', ')}${canWrite ? '' : ' (no api:write: to write, run `hexts user auth` again and keep it ticked)'}`);
  }
  if (expires) ctx.out.print(`  Access token expires: ${expires} (renewed automatically)`);
  if (ssoPending.length > 0) ctx.out.print(`  Single sign-on needed: ${ssoPending.join(', ')} (\`${ssoCommand(ssoPending)}\`)`);
  ctx.out.print(`  Registry: ${credentials.store.apiUrl}`);
}
