import type { ApiClient } from '../api/client.js';
import { ApiError } from '../api/errors.js';
import * as keys from '../api/keys.js';
import { formatPermission, parseExpiry, parsePermission, type PermissionDomain } from '../api/permissions.js';
import type { Key, Permission } from '../api/types.js';
import type { Invocation } from '../cli.js';
import type { Context } from '../context.js';
import type { Purpose } from '../credentials/choice.js';
import { CliError, UsageError } from '../errors.js';
import { renderTable } from '../io/table.js';

// Key commands shared by `hexts user key …` (/api/keys) and `hexts organization key ORG …`
// (/api/orgs/ORG/keys): same shapes, different owner and permission sets.

export interface KeyScope {
  organization?: string;
  allowed: PermissionDomain[];
  defaultPermissions: Permission[];
  /** Turns a refusal into a clearer error (the client is the one that was refused). */
  explain?: (err: unknown, client: ApiClient) => Promise<unknown>;
}

/** Personal keys are the user's own; an organization's keys are managed as that organization. */
function purposeOf(scope: KeyScope, access: 'read' | 'write', action: string): Purpose {
  return scope.organization ? { kind: 'api', access, organization: scope.organization, action } : { kind: 'account', access, action };
}

async function attempt<T>(scope: KeyScope, client: ApiClient, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw scope.explain ? await scope.explain(err, client) : err;
  }
}

export async function generate(ctx: Context, { opts }: Invocation, scope: KeyScope): Promise<void> {
  const raw = (opts.permission as string[] | undefined) ?? [];
  const permissions = raw.length ? raw.map((p) => parsePermission(p, scope.allowed)) : scope.defaultPermissions;
  const revokeAt = typeof opts.expires === 'string' ? parseExpiry(opts.expires) : undefined;
  const name = typeof opts.keyName === 'string' ? opts.keyName : `hexts-${ctx.hostname()}`;
  if (name.trim() === '') throw new UsageError('--key-name is empty');

  const client = await ctx.apiFor(purposeOf(scope, 'write', 'generate keys'), { otp: opts.otp });
  const key = await attempt(scope, client, () => keys.create(client, { name, permissions, revoke_at: revokeAt }, scope.organization));
  const expiry = key.revoke_at ? `, expires ${key.revoke_at}` : '';
  ctx.out.info(`Generated key ${key.name} with ${key.permissions.map(formatPermission).join(', ')}${expiry}${scope.organization ? ` for organization ${scope.organization}` : ''}.`);
  ctx.out.info('This is the only time the key is shown: store it somewhere safe.');
  ctx.out.print(key.secret); // the one place a secret is printed, by design
}

export async function list(ctx: Context, _invocation: Invocation, scope: KeyScope): Promise<void> {
  const client = await ctx.apiFor(purposeOf(scope, 'read', 'list keys'));
  const found = await attempt(scope, client, () => keys.list(client, scope.organization));
  if (ctx.globals.json) {
    ctx.out.json(found.map(publicKeyFields));
    return;
  }
  if (found.length === 0) {
    ctx.out.info('No keys.');
    return;
  }
  const rows = found.map((k) => [
    k.name,
    k.permissions.map(formatPermission).join(', '),
    k.inserted_at,
    k.last_use?.used_at ?? 'never',
    k.revoke_at ?? '',
  ]);
  for (const line of renderTable(['Name', 'Permissions', 'Created at', 'Last used', 'Expires at'], rows, ctx.out.style.underline)) ctx.out.print(line);
}

export async function revoke(ctx: Context, { args, opts }: Invocation, scope: KeyScope): Promise<void> {
  const [name] = args;
  if (opts.all && name) throw new UsageError('give either a key NAME or --all, not both');
  if (!opts.all && !name) throw new UsageError('give the NAME of the key to revoke, or --all');
  if (opts.all && opts.yes !== true) {
    const owner = scope.organization ? `organization ${scope.organization}` : 'your account';
    await ctx.prompt.proceed(`Revoke every key of ${owner}? Whatever uses them loses access.`, {
      message: `revoking every key of ${owner} needs confirmation, and there is no terminal to ask on`,
      hint: 'Pass --yes to revoke them all without asking.',
    }, false);
  }
  const client = await ctx.apiFor(purposeOf(scope, 'write', 'revoke keys'), { otp: opts.otp });
  if (opts.all) {
    ctx.out.info('Revoking all keys...');
    await attempt(scope, client, () => keys.revokeAll(client, scope.organization));
    ctx.out.info('All keys revoked.');
  } else {
    ctx.out.info(`Revoking key ${name}...`);
    await attempt(scope, client, () => revokeNamed(client, name!, scope));
    ctx.out.info(`Key ${name} revoked.`);
  }
}

/**
 * Revokes one key. The registry answers 404 both for a key that does not exist and (for an
 * organization) for a caller without access; a 404 for a name missing from the owner's own
 * list is the key's.
 */
async function revokeNamed(client: ApiClient, name: string, scope: KeyScope): Promise<void> {
  try {
    await keys.revoke(client, name, scope.organization);
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) {
      const names = await keys.list(client, scope.organization).then((found) => found.map((k) => k.name), () => undefined);
      if (names && !names.includes(name)) {
        const org = scope.organization;
        throw new CliError(
          org ? `key "${name}" was not found in organization ${org}` : `key "${name}" was not found`,
          org ? `See its keys with \`hexts organization key ${org} list\`.` : 'See your keys with `hexts user key list`.',
        );
      }
    }
    throw err;
  }
}

/** A key as --json shows it: everything but the (always null here) secret. */
function publicKeyFields(key: Key) {
  return {
    name: key.name,
    permissions: key.permissions,
    inserted_at: key.inserted_at,
    updated_at: key.updated_at,
    revoke_at: key.revoke_at ?? null,
    last_use: key.last_use ?? null,
  };
}
