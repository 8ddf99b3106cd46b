import { checkOrganizationName } from '../../api/permissions.js';
import type { Invocation } from '../../cli.js';
import type { Context } from '../../context.js';
import { explainOrganizationRefusal } from '../access-errors.js';
import * as shared from '../keys.js';

// `hexts organization key ORG generate|list|revoke`: /api/orgs/ORG/keys, keys owned by the
// organization. Managing them needs the write role (reading them, read).
function scope(organization: string, roleNeeded: string): shared.KeyScope {
  return {
    organization,
    allowed: ['api', 'repository', 'repositories', 'docs'],
    defaultPermissions: [{ domain: 'repository', resource: organization }],
    explain: (err, client) => explainOrganizationRefusal(err, client, organization, roleNeeded),
  };
}

const ACTIONS = {
  generate: { run: shared.generate, role: 'write' },
  list: { run: shared.list, role: 'read' },
  revoke: { run: shared.revoke, role: 'write' },
};

/** `key ORG ACTION [NAME]`: commander has checked ACTION against the choices. */
export async function run(ctx: Context, invocation: Invocation): Promise<void> {
  const [org, action, ...rest] = invocation.args;
  const organization = checkOrganizationName(org!);
  const { run: perform, role } = ACTIONS[action as keyof typeof ACTIONS];
  await perform(ctx, { ...invocation, args: rest.filter((a) => a !== undefined) }, scope(organization, role));
}
