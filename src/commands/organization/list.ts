import * as users from '../../api/users.js';
import type { Invocation } from '../../cli.js';
import type { Context } from '../../context.js';
import { formatPermissions } from '../../credentials/choice.js';
import { renderTable } from '../../io/table.js';

// `hexts organization list`: the organizations this machine holds keys for (owner, store),
// and, when a user is logged in, that user's organizations and roles.
export async function run(ctx: Context, _invocation: Invocation): Promise<void> {
  const credentials = await ctx.credentials();
  const stored = (await credentials.store.list())
    .filter((s) => s.slot.startsWith('repository:hexpm:'))
    .map((s) => ({
      organization: s.slot.slice('repository:hexpm:'.length),
      key_name: s.info.key_name ?? null,
      owner: s.info.owner ?? null,
      permissions: s.info.permissions ?? null,
      store: s.info.store,
    }));

  // The stored keys come from the index alone: a login the keychain cannot give now (locked,
  // unreachable) costs only the memberships.
  let memberships: Array<{ name: string; role: string }> | undefined;
  try {
    const purpose = { kind: 'account', access: 'read', action: 'list your organizations' } as const;
    if ((await credentials.choose(purpose)).use) memberships = (await users.me(await credentials.api(purpose))).organizations ?? [];
  } catch (err) {
    ctx.out.warn(`Could not read your organizations: ${(err as Error).message}`);
  }

  if (ctx.globals.json) {
    ctx.out.json({ stored_keys: stored, memberships: memberships ?? null });
    return;
  }
  if (stored.length) {
    const rows = stored.map((s) => [s.organization, s.key_name ?? '', s.owner ?? '', s.permissions ? formatPermissions(s.permissions) : 'not recorded', s.store]);
    for (const line of renderTable(['Organization', 'Key', 'Owner', 'Permissions', 'Store'], rows)) ctx.out.print(line);
  } else {
    ctx.out.info('No organization keys are stored on this machine.');
  }
  if (memberships) {
    ctx.out.print();
    if (memberships.length) for (const line of renderTable(['Member of', 'Role'], memberships.map((m) => [m.name, m.role]))) ctx.out.print(line);
    else ctx.out.info('Your account is not a member of any organization.');
  }
}
