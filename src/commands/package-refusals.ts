import type { ApiClient } from '../api/client.js';
import { ApiError } from '../api/errors.js';
import * as packages from '../api/packages.js';
import * as users from '../api/users.js';
import { CliError, keepAdvice } from '../errors.js';
import { explainAccessError } from './access-errors.js';

// Failures of the package administration commands (owner, retire): mix's failure line
// ("Adding owner failed") followed by the server's message and 422 errors as mix prints
// them, or by what the refusal means when the server's answer alone does not say it.

/** What a package action is, for explaining why it failed. */
export interface PackageAction {
  /** mix's line for the failure, e.g. "Adding owner failed". */
  failed: string;
  package: string;
  version?: string;
  organization?: string;
  /** The user or organization the action names (owner add, transfer, remove). */
  subject?: string;
  /** The owner level the action needs; in an organization's repository, the matching role. */
  needs: 'read' | 'maintainer' | 'full';
}

const ROLE_FOR: Record<PackageAction['needs'], string> = { read: 'read', maintainer: 'write', full: 'admin' };
const ROLE_RANK: Record<string, number> = { read: 1, write: 2, admin: 3 };

/** Hints for the server's 422 texts on owners (api.md §4), saying what to do instead. */
const VALIDATION_HINTS: Array<[RegExp, (action: PackageAction) => string]> = [
  [/organization ownership can only be transferred/, (a) => `To make an organization the owner, use \`hexts owner transfer ${a.package} ${a.subject ?? 'ORG'}\`.`],
  [/cannot add owner to private package when the user is not a member/, (a) => `An admin of ${a.organization ?? 'the organization'} must add ${a.subject ?? 'the user'} as a member first.`],
  [/cannot remove (the )?last (full )?owner of package/, (a) => `Add another full owner first (\`hexts owner add ${a.package} USER\`), or hand the package over with \`hexts owner transfer\`.`],
  [/cannot demote the last full owner/, (a) => `Add another full owner to ${a.package} first.`],
];

/** Runs `call`, turning a failure into the command's error. */
export async function attempt<T>(client: ApiClient, action: PackageAction, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw await explainPackageFailure(err, client, action);
  }
}

async function explainPackageFailure(err: unknown, client: ApiClient, action: PackageAction): Promise<unknown> {
  if (!(err instanceof CliError)) return err;
  let explained: unknown = err;
  const original = err;
  if (err instanceof ApiError) {
    if (err.status === 404) explained = await explainNotFound(err, client, action);
    else if (err.status === 403 && err.serverMessage === 'account not authorized for this action' && !action.organization) {
      explained = action.needs === 'full'
        ? new CliError(`only full owners of ${action.package} can manage its owners (account not authorized for this action)`, `Ask a full owner (\`hexts owner list ${action.package}\`) to do it, or to make you a full owner.`)
        : new CliError(`only owners of ${action.package} can do this (account not authorized for this action)`, `Ask an owner (\`hexts owner list ${action.package}\`) to do it, or to add you as an owner.`);
    } else if (err.status === 401 && err.serverMessage === 'key not authorized for this action') {
      const packageKey = action.organization ? `package:${action.organization}/${action.package}` : `package:${action.package}`;
      explained = new CliError(
        `the key is not allowed to do this for ${action.package} (key not authorized for this action)`,
        `Use a key with api:write, or one made for this package (--permission ${packageKey})${err.advice ? '' : ', or log in with `hexts user auth`'}.`,
      );
    } else if (err.status !== 422) {
      explained = explainAccessError(err, action.organization, ROLE_FOR[action.needs]);
    }
  }
  const hint = explained instanceof ApiError ? VALIDATION_HINTS.find(([pattern]) => explained.lines().some((line) => pattern.test(line)))?.[1](action) : undefined;
  return failedWith(action.failed, keepAdvice(original, explained), hint);
}

/** `failed` as the error's message, then the server's answer as mix prints it (or the explained refusal). */
export function failedWith(failed: string, err: unknown, hint?: string): unknown {
  if (err instanceof ApiError) return keepAdvice(err, new CliError(failed, [...err.lines(), err.hint, hint].filter(Boolean).join('\n')));
  if (err instanceof CliError) return keepAdvice(err, new CliError(`${failed}: ${err.message}`, err.hint));
  return err;
}

/**
 * hexpm answers 404 for a missing package, release or user alike, and in an organization's
 * repository also when the caller's role is too low. One more look (the caller's role, then
 * whether the package is there) tells which.
 */
async function explainNotFound(err: ApiError, client: ApiClient, action: PackageAction): Promise<unknown> {
  const { organization, package: name } = action;
  let role: string | undefined;
  if (organization) {
    role = await users.me(client).then((me) => me.organizations?.find((o) => o.name === organization)?.role, () => undefined);
    const needed = ROLE_FOR[action.needs];
    if (role && (ROLE_RANK[role] ?? 0) < (ROLE_RANK[needed] ?? 0)) {
      return new CliError(`this needs the ${needed} role in organization "${organization}"; you have the ${role} role`, `Ask an admin of ${organization} to give you the ${needed} role.`);
    }
  }
  const found = await packages.get(client, name, organization).then(
    (pkg) => pkg,
    (e: unknown) => (e instanceof ApiError && e.status === 404 ? null : undefined),
  );
  if (found === null) {
    if (!organization) return new CliError(`no package named "${name}" on the registry`, 'Check the name; private packages need --organization ORG.');
    return role
      ? new CliError(`no package named "${name}" in organization "${organization}"`, 'Check the name.')
      : new CliError(
        `no package named "${name}" in organization "${organization}", or you cannot see it`,
        `Check the names, and that you are a member of ${organization} (missing and hidden look the same).`,
      );
  }
  if (found && action.version) {
    const versions = (found.releases ?? []).map((r) => r.version);
    return new CliError(`${name} has no release ${action.version}`, versions.length ? `Its releases: ${versions.join(', ')}.` : undefined);
  }
  if (found && action.subject) {
    return new CliError(
      `no user or organization "${action.subject}" on the registry`,
      action.subject.includes('@') ? 'Check the address, or give the username (adding an owner by email needs an address its owner has made public).' : 'Check the username.',
    );
  }
  return explainAccessError(err, organization, ROLE_FOR[action.needs]);
}
