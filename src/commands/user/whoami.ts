import * as users from '../../api/users.js';
import type { Invocation } from '../../cli.js';
import type { Context } from '../../context.js';
import { Credentials, describeCredential, notAuthenticated } from '../../credentials/session.js';

// `hexts user whoami`: who the credential in use belongs to, where that credential comes
// from (flag, env, keychain, file) and, for OAuth, when the access token expires.
export async function run(ctx: Context, { opts }: Invocation): Promise<void> {
  const credentials = await Credentials.open(ctx, opts);
  if (!(await credentials.activeUser())) throw notAuthenticated();
  const me = await users.me(await credentials.api());
  const active = (await credentials.activeUser())!; // after the request: a refresh may have renewed it
  const expires = active.expiresAt ? new Date(active.expiresAt * 1000).toISOString() : undefined;

  if (ctx.globals.json) {
    ctx.out.json({
      username: me.username,
      email: me.email ?? null,
      organizations: me.organizations ?? [],
      credential: { type: active.kind, source: active.source, expires_at: expires ?? null },
      api_url: credentials.store.apiUrl,
    });
    return;
  }
  ctx.out.print(me.username);
  if (me.email) ctx.out.print(`  Email: ${me.email}`);
  const orgs = me.organizations ?? [];
  ctx.out.print(`  Organizations: ${orgs.length ? orgs.map((o) => `${o.name} (${o.role})`).join(', ') : 'none'}`);
  ctx.out.print(`  Credential: ${describeCredential(active)}`);
  if (expires) ctx.out.print(`  Access token expires: ${expires} (renewed automatically)`);
  ctx.out.print(`  Registry: ${credentials.store.apiUrl}`);
}
