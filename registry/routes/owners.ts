import { authorize, billingActiveCheck, organizationAccessCheck, packageOwner } from '../auth.js';
import { compareStrings } from '../core.js';
import { apiCache, empty, notFound, stringParam, validationFailed, view, type Ctx, type Reply } from '../http.js';
import { addOwner, removeOwner } from '../packages.js';
import { withRepositoryPrefix, type Route } from '../router.js';
import type { Owner, User } from '../state.js';
import { userShow } from '../views.js';
import { maybeFetchPackage, type PackageAssigns } from './shared.js';

// HexpmWeb.API.OwnerController

/** URI.decode_www_form on the :username segment, so `+` is a space. */
function username(ctx: Ctx): string {
  return (stringParam(ctx, 'username') ?? '').replace(/\+/g, ' ');
}

function ownerView(ctx: Ctx, user: User, owner: Owner) {
  return { ...userShow(ctx.core, user), level: owner.level };
}

function readable(ctx: Ctx): PackageAssigns {
  const assigns = maybeFetchPackage(ctx);
  authorize(ctx, { domains: [['api', 'read']], checks: [organizationAccessCheck(assigns.organization)] });
  return assigns;
}

function writable(ctx: Ctx): PackageAssigns {
  const assigns = maybeFetchPackage(ctx);
  authorize(ctx, {
    domains: [['api', 'write'], 'package'],
    package: assigns.pkg,
    checks: [packageOwner(ctx.core, assigns.repository, assigns.pkg, 'full'), billingActiveCheck(assigns.organization)],
  });
  return assigns;
}

function index(ctx: Ctx): Reply {
  const { pkg } = readable(ctx);
  if (!pkg) return notFound();
  const owners = pkg.owners
    .map((owner) => ({ owner, user: ctx.core.user(owner.userId) }))
    .filter((o): o is { owner: Owner; user: User } => o.user !== undefined)
    .sort((a, b) => compareStrings(a.user.username, b.user.username));
  return apiCache(view(200, owners.map((o) => ownerView(ctx, o.user, o.owner))), 'private');
}

function show(ctx: Ctx): Reply {
  const { pkg } = readable(ctx);
  const user = ctx.core.publicUser(username(ctx));
  const owner = pkg && user && pkg.owners.find((o) => o.userId === user.id);
  if (!owner) return notFound();
  return apiCache(view(200, ownerView(ctx, user!, owner)), 'private');
}

function create(ctx: Ctx): Reply {
  const { pkg } = writable(ctx);
  if (!pkg) return notFound();
  const user = ctx.core.publicUser(username(ctx));
  if (!user) return notFound();
  const result = addOwner(ctx.core, pkg, user, ctx.params);
  if ('errors' in result) return validationFailed(result.errors);
  return apiCache(empty(204), 'private');
}

function remove(ctx: Ctx): Reply {
  const { pkg } = writable(ctx);
  if (!pkg) return notFound();
  const user = ctx.core.userByNameOrEmail(username(ctx));
  if (!user) return notFound();
  const result = removeOwner(ctx.core, pkg, user);
  if ('errors' in result) return validationFailed(result.errors);
  return apiCache(empty(204), 'private');
}

export const ownerRoutes: Route[] = [
  ...withRepositoryPrefix('GET', '/packages/:name/owners', index),
  ...withRepositoryPrefix('GET', '/packages/:name/owners/:username', show),
  ...withRepositoryPrefix('PUT', '/packages/:name/owners/:username', create),
  ...withRepositoryPrefix('DELETE', '/packages/:name/owners/:username', remove),
];
