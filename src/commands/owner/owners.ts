import { ApiError } from '../../api/errors.js';
import * as owners from '../../api/owners.js';
import { checkOrganizationName } from '../../api/permissions.js';
import * as users from '../../api/users.js';
import type { Invocation } from '../../cli.js';
import type { Context } from '../../context.js';
import { CliError } from '../../errors.js';
import { renderTable } from '../../io/table.js';
import { attempt, failedWith } from '../package-refusals.js';

// `hexts owner add|transfer|remove|list|packages`, as `mix hex.owner` (client.md §1.5): the
// same lines before each change and the same failure lines; transfers and removals are
// confirmed on a terminal first (a transfer by typing the package name, as Gleam does).

const organizationOf = (opts: Record<string, unknown>): string | undefined =>
  typeof opts.organization === 'string' ? checkOrganizationName(opts.organization) : undefined;

function writeClient(ctx: Context, opts: Record<string, unknown>, organization: string | undefined) {
  return ctx.apiFor({ kind: 'api', access: 'write', organization, action: 'change package owners' }, { otp: opts.otp });
}

export async function add(ctx: Context, { args, opts }: Invocation): Promise<void> {
  const [name, user] = args as [string, string];
  const organization = organizationOf(opts);
  const level = opts.level as owners.OwnerLevel;
  const client = await writeClient(ctx, opts, organization);
  ctx.out.info(`Adding owner ${user} with ownership level ${level} to ${name}`);
  await attempt(client, { failed: 'Adding owner failed', package: name, organization, subject: user, needs: 'full' }, () =>
    owners.add(client, name, user, { level, transfer: false }, organization));
}

export async function transfer(ctx: Context, { args, opts }: Invocation): Promise<void> {
  const [name, newOwner] = args as [string, string];
  const organization = organizationOf(opts);
  if (!opts.yes) {
    const refusal = { message: `transferring ${name} to ${newOwner} needs confirmation, and there is no terminal to ask on`, hint: 'Pass --yes to transfer it without asking (every current owner is removed).' };
    // Refuse before the warning below, which only makes sense with the question after it.
    if (!ctx.interactive) throw new CliError(refusal.message, refusal.hint);
    ctx.out.info(`Transferring ownership of ${name} removes all of its current owners and makes ${newOwner} its only owner.`);
    const typed = (await ctx.prompt.input(`Type the package name (${name}) to confirm:`, refusal)).trim();
    if (typed !== name) throw new CliError(`not transferring ownership: "${typed}" is not the package name`, `Type ${name} exactly, or pass --yes.`);
  }
  const client = await writeClient(ctx, opts, organization);
  ctx.out.info(`Transferring ownership to ${newOwner} for ${name}`);
  await attempt(client, { failed: 'Transferring ownership failed', package: name, organization, subject: newOwner, needs: 'full' }, () =>
    owners.add(client, name, newOwner, { level: 'full', transfer: true }, organization));
}

export async function remove(ctx: Context, { args, opts }: Invocation): Promise<void> {
  const [name, user] = args as [string, string];
  const organization = organizationOf(opts);
  if (!opts.yes) {
    const refusal = { message: `removing ${user} from the owners of ${name} needs confirmation, and there is no terminal to ask on`, hint: 'Pass --yes to remove the owner without asking.' };
    await ctx.prompt.proceed(`Remove ${user} from the owners of ${name}?`, refusal, false);
  }
  const client = await writeClient(ctx, opts, organization);
  ctx.out.info(`Removing owner ${user} from ${name}`);
  await attempt(client, { failed: 'Removing owner failed', package: name, organization, subject: user, needs: 'full' }, () =>
    owners.remove(client, name, user, organization));
}

export async function list(ctx: Context, { args, opts }: Invocation): Promise<void> {
  const [name] = args as [string];
  const organization = organizationOf(opts);
  const client = await ctx.apiFor({ kind: 'api', access: 'read', organization, action: 'list package owners' });
  const found = await attempt(client, { failed: 'Package owner fetching failed', package: name, organization, needs: 'read' }, () =>
    owners.list(client, name, organization));
  if (ctx.globals.json) {
    ctx.out.json(found.map((o) => ({ username: o.username, email: o.email ?? null, level: o.level ?? null, url: o.url ?? null })));
    return;
  }
  // mix shows Email and Level; most owners keep their email private, so the username leads.
  const rows = found.map((o) => [o.username, o.email ?? '', o.level ?? '']);
  for (const line of renderTable(['Username', 'Email', 'Level'], rows, ctx.out.style.underline)) ctx.out.print(line);
}

export async function packages(ctx: Context, _invocation: Invocation): Promise<void> {
  const client = await ctx.apiFor({ kind: 'account', access: 'read', action: 'list your packages' });
  let me;
  try {
    me = await users.me(client);
  } catch (err) {
    // /users/me is 404 for an organization's credential: organizations own no packages here.
    if (err instanceof ApiError && err.status === 404) {
      throw new CliError('Listing owned packages failed: the credential in use belongs to an organization, not a user', 'Use your own login (`hexts user auth`) or a personal key.');
    }
    throw failedWith('Listing owned packages failed', err);
  }
  const owned = (me.packages ?? []).map((p) => ({ name: p.name, repository: p.repository, url: p.url, html_url: p.html_url }));
  if (ctx.globals.json) {
    ctx.out.json(owned);
    return;
  }
  if (owned.length === 0) ctx.out.info(`${me.username} owns no packages.`);
  for (const p of owned) ctx.out.print(`${p.repository === 'hexpm' ? p.name : `${p.repository}/${p.name}`} - ${p.html_url}`);
}
