import type { ApiClient } from '../api/client.js';
import { ApiError } from '../api/errors.js';
import * as users from '../api/users.js';
import { CliError, keepAdvice } from '../errors.js';

const ROLE_RANK: Record<string, number> = { read: 1, write: 2, admin: 3 };

/**
 * hexpm answers 404 when a member's role is too low for an organization action, exactly as
 * for a missing organization. When the caller is a user, their memberships tell the two
 * apart, so the message can name the role they have and the one needed.
 */
export async function explainOrganizationRefusal(err: unknown, client: ApiClient, organization: string, roleNeeded: string): Promise<unknown> {
  return keepAdvice(err, await explainRefusal(err, client, organization, roleNeeded));
}

async function explainRefusal(err: unknown, client: ApiClient, organization: string, roleNeeded: string): Promise<unknown> {
  if (err instanceof ApiError && err.status === 404) {
    const role = await users.me(client).then(
      (me) => me.organizations?.find((o) => o.name === organization)?.role,
      () => undefined,
    );
    if (role && (ROLE_RANK[role] ?? 0) < (ROLE_RANK[roleNeeded] ?? 0)) {
      return new CliError(
        `this needs the ${roleNeeded} role in organization "${organization}"; you have the ${role} role`,
        `Ask an admin of ${organization} to give you the ${roleNeeded} role.`,
      );
    }
  }
  return explainAccessError(err, organization, roleNeeded);
}

/**
 * Turns the registry's refusals of organization actions into messages that say what is
 * wrong and what to do (api.md §2 lists the texts). `roleNeeded` names the organization
 * role the action needs.
 */
export function explainAccessError(err: unknown, organization: string | undefined, roleNeeded = 'write'): unknown {
  return keepAdvice(err, explainAccess(err, organization, roleNeeded));
}

function explainAccess(err: unknown, organization: string | undefined, roleNeeded: string): unknown {
  if (!(err instanceof ApiError)) return err;
  const org = organization ?? 'hexpm';
  const text = err.serverMessage ?? '';
  if (err.status === 404 && organization) {
    return new CliError(
      `organization "${organization}" was not found, or you are not a member of it`,
      'Check the name (hidden organizations look the same as missing ones), or ask one of its admins to add you.',
    );
  }
  if (err.status === 401 && text === 'API key revoked') {
    return new CliError('the key has been revoked or has expired', 'Generate a new key (`hexts organization key ORG generate` or `hexts user key generate`) and use that.');
  }
  if (err.status === 401 && text === 'key not authorized for this action') {
    return new CliError(
      'the credential is not allowed to do this (key not authorized for this action)',
      // With advice, this machine holds another credential (a login, say): logging in is not the way.
      `Use a key with the needed permission (e.g. --permission api:write, or repository:ORG for fetching)${err.advice ? '' : ', or log in with `hexts user auth`'}.`,
    );
  }
  if (err.status === 401 && text === 'invalid API key') {
    return new CliError('the registry does not know this key (invalid API key)', 'Check the key, or generate a new one.');
  }
  if (err.status === 403 && /billing/i.test(text)) {
    return new CliError(`organization "${org}" has no active billing subscription`, 'An admin of the organization must renew it on the registry\'s website.');
  }
  if (err.status === 403 && text === 'account not authorized for this action') {
    return new CliError(
      organization ? `this needs the ${roleNeeded} role in organization "${organization}" (account not authorized for this action)` : 'your account is not allowed to do this (account not authorized for this action)',
      organization ? `Ask an admin of ${organization} to give you the ${roleNeeded} role.` : 'Only the package owners can do this.',
    );
  }
  return err;
}
