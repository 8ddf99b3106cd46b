import { fixedAuthorization, type ApiClient } from '../../api/client.js';
import { ApiError } from '../../api/errors.js';
import * as auth from '../../api/auth.js';
import * as keys from '../../api/keys.js';
import * as organizations from '../../api/organizations.js';
import { checkOrganizationName } from '../../api/permissions.js';
import * as users from '../../api/users.js';
import type { Invocation } from '../../cli.js';
import type { Context } from '../../context.js';
import type { Permission } from '../../api/types.js';
import { formatPermissions } from '../../credentials/choice.js';
import { describeKeySource, keyAuthorization } from '../../credentials/key-input.js';
import { organizationSlot, type Credentials } from '../../credentials/session.js';
import type { RepositoryCredential } from '../../credentials/store.js';
import { CliError } from '../../errors.js';
import { explainAccessError } from '../access-errors.js';

const STORE_NAMES = { keychain: 'the OS keychain', file: 'the plain-text credentials file' };

// `hexts organization auth ORG --key KEY`: the key is checked against the registry first
// and stored only if accepted (mix stores rejected keys too). Without --key, the logged-in
// user creates an organization-owned repository key for this machine. --mix also writes the
// key into mix's hex.config, so mix on the same machine can fetch the organization's packages.
export async function run(ctx: Context, { args, opts }: Invocation): Promise<void> {
  const organization = checkOrganizationName(args[0]!);
  const credentials = await ctx.credentials();
  // HEX_API_KEY is not a key given to this command: it may be the user's own, for the API.
  const given = credentials.given?.source === 'env' ? undefined : credentials.given;
  const mix = opts.mix ? await mixTarget(ctx, organization) : undefined;

  let stored: RepositoryCredential;
  let permissions: Permission[];
  if (given) {
    ctx.log(`checking the key ${describeKeySource(given.source)} with GET /api/auth?domain=repository&resource=${organization}`);
    const client = await ctx.api({ auth: fixedAuthorization(keyAuthorization(given.key), `the key ${describeKeySource(given.source)}`) });
    let check;
    try {
      check = await auth.check(client, 'repository', organization);
    } catch (err) {
      const explained = explainAccessError(err, organization, 'read');
      const reason = explained instanceof CliError ? explained.message : (err as Error).message;
      throw new CliError(
        `Failed to authenticate against organization repository with given key because of: ${reason}`,
        (explained as CliError).hint ? `${(explained as CliError).hint} Nothing was stored.` : 'Nothing was stored.',
      );
    }
    if (!check) throw new CliError('the registry accepted the credential but did not say whose key it is', 'Pass an API key, not an OAuth token; nothing was stored.');
    stored = { key: given.key, owner: check.key.owner.type, key_name: check.key.name };
    permissions = await apiPermissions(client, organization);
    ctx.out.info(`Verified key "${check.key.name}" for organization ${organization}, owned by ${check.key.owner.type} ${check.key.owner.name} (${formatPermissions(permissions)}).`);
  } else {
    ({ stored, permissions } = await createMachineKey(ctx, credentials, organization));
  }

  if (stored.owner === 'user') {
    ctx.out.warn('This key belongs to a user, not to the organization: hex.pm is retiring user-owned keys for repository access. '
      + `Prefer an organization key: \`hexts organization key ${organization} generate\`.`);
  }
  const where = await credentials.store.set(organizationSlot(organization), stored, { owner: stored.owner, key_name: stored.key_name, permissions });
  ctx.out.info(`Stored the key for organization ${organization} in ${STORE_NAMES[where]}.`);

  if (mix) {
    await mix.write(stored.key, stored.owner);
    ctx.out.info(`Wrote the key for organization ${organization} into mix's ${mix.path} (repository hexpm:${organization}), for \`mix deps.get\`.`);
  }
}

/** --mix: mix's hex.config, checked before anything is asked or stored (it may point mix at another registry). */
async function mixTarget(ctx: Context, organization: string) {
  const { checkMixOrganizationKey, mixConfigPath, writeMixOrganizationKey } = await import('../../credentials/mix-config.js');
  const { repositorySettings } = await import('../../repository/settings.js');
  const path = mixConfigPath(ctx.env);
  const registry = repositorySettings(await ctx.config());
  await checkMixOrganizationKey(path, organization, registry);
  return { path, write: (key: string, owner: 'organization' | 'user') => writeMixOrganizationKey(path, organization, key, owner, registry) };
}

/**
 * What the key may do besides reading the repository, asked of the registry (GET /api/auth for
 * api:write, then api:read), so that hexts later picks it only for what it can do.
 */
async function apiPermissions(client: ApiClient, organization: string): Promise<Permission[]> {
  const grants = async (resource: string) =>
    auth.check(client, 'api', resource).then(
      () => true,
      (err: unknown) => {
        if (err instanceof ApiError && err.status < 500) return false;
        throw err;
      },
    );
  const api = (await grants('write')) ? 'write' : (await grants('read')) ? 'read' : undefined;
  return [{ domain: 'repository', resource: organization }, ...(api ? [{ domain: 'api', resource: api }] : [])];
}

/** Checks membership and role, then creates an organization-owned key for repository access. */
async function createMachineKey(ctx: Context, credentials: Credentials, organization: string): Promise<{ stored: RepositoryCredential; permissions: Permission[] }> {
  await credentials.ensure({ kind: 'account', access: 'read', action: 'create an organization key' });
  const client = await ctx.apiFor({ kind: 'api', access: 'write', organization, action: 'create an organization key' });
  let role: string | undefined;
  try {
    await organizations.get(client, organization);
    role = (await users.me(client)).organizations?.find((o) => o.name === organization)?.role;
  } catch (err) {
    throw explainAccessError(err, organization, 'read');
  }
  if (role === 'read') {
    throw new CliError(
      `creating an organization key needs the write role in ${organization}; you have the read role`,
      `Ask an admin of ${organization} to give you the write role, or for a key: \`hexts organization key ${organization} generate\` run by someone who has it.`,
    );
  }
  const name = `hexts-${ctx.hostname()}-repository-${organization}`;
  try {
    const permissions = [{ domain: 'repository', resource: organization }];
    const key = await keys.create(client, { name, permissions }, organization);
    ctx.out.info(`Created organization key "${key.name}" with repository:${organization}.`);
    return { stored: { key: key.secret, owner: 'organization', key_name: key.name }, permissions };
  } catch (err) {
    if (err instanceof ApiError && err.status === 403 && err.serverMessage === 'account not authorized for this action') {
      throw new CliError(`creating an organization key needs the write role in ${organization}`, `Ask an admin of ${organization} for the write role.`);
    }
    throw explainAccessError(err, organization, 'write');
  }
}
