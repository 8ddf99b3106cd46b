import { checkOrganizationName } from '../../api/permissions.js';
import type { Invocation } from '../../cli.js';
import type { Context } from '../../context.js';
import { UsageError } from '../../errors.js';
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

/** Each action: its runner, the role it needs, the action-only options it takes, whether it prints data. */
const ACTIONS: Record<string, { run: typeof shared.list; role: string; options: string[]; json: boolean }> = {
  generate: { run: shared.generate, role: 'write', options: ['keyName', 'permission', 'expires', 'otp'], json: false },
  list: { run: shared.list, role: 'read', options: [], json: true },
  revoke: { run: shared.revoke, role: 'write', options: ['all', 'otp'], json: false },
};
/** The options that belong to one action only. */
const ACTION_OPTIONS = { keyName: '--key-name', permission: '--permission', expires: '--expires', all: '--all', otp: '--otp' };

/** `key ORG ACTION [NAME]`: commander has checked ACTION against the choices. */
export async function run(ctx: Context, invocation: Invocation): Promise<void> {
  const [org, action, ...rest] = invocation.args;
  const organization = checkOrganizationName(org!);
  const { run: perform, role, options, json } = ACTIONS[action!]!;
  for (const [name, flag] of Object.entries(ACTION_OPTIONS)) {
    if (!invocation.fromCli(name) || options.includes(name)) continue;
    const owners = Object.entries(ACTIONS).filter(([, a]) => a.options.includes(name)).map(([n]) => n);
    throw new UsageError(`${flag} goes with ${owners.join(' and ')}, not with ${action}`, `Usage: hexts organization key ${org} ${owners[0]} ${flag} ...`);
  }
  if (rest[0] !== undefined && action !== 'revoke') throw new UsageError(`${action} takes no key NAME`, `Usage: hexts organization key ${org} ${action}`);
  if (!json && ctx.globals.json) throw new UsageError(`--json: \`hexts organization key ${org} ${action}\` has no JSON output`, 'Run it without --json.');
  await perform(ctx, { ...invocation, args: rest.filter((a) => a !== undefined) }, scope(organization, role));
}

