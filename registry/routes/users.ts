import { registerUser } from '../accounts.js';
import { authorize } from '../auth.js';
import { HEXPM } from '../core.js';
import { apiCache, notFound, stringParam, validationFailed, view, type Ctx, type Reply } from '../http.js';
import { route, type Route } from '../router.js';
import { ownedPackages, userMe, userShow } from '../views.js';
import { staleView } from './shared.js';

// HexpmWeb.API.UserController

function create(ctx: Ctx): Reply {
  const result = registerUser(ctx.core, ctx.params);
  if ('errors' in result) return validationFailed(result.errors);
  const reply = view(201, userShow(ctx.core, result.user), { location: `/api/users/${encodeURIComponent(result.user.username)}` });
  return apiCache(reply, 'private');
}

function me(ctx: Ctx): Reply {
  authorize(ctx, { required: true, domains: [['api', 'read']] });
  const user = ctx.auth.user;
  if (!user) return notFound();
  return staleView(ctx, userMe(ctx.core, user), user.updatedAt, 'private');
}

function show(ctx: Ctx): Reply {
  const core = ctx.core;
  const user = core.publicUser(stringParam(ctx, 'name') ?? '');
  if (!user) return notFound();
  // Only packages in repositories the caller can see.
  const viewer = ctx.auth.user;
  const visible = new Set([HEXPM, ...(viewer ? core.organizationsOf(viewer).map((o) => o.name) : [])]);
  const packages = ownedPackages(core, user).filter((p) => visible.has(p.repository));
  return staleView(ctx, userShow(core, user, packages), user.updatedAt, 'private');
}

export const userRoutes: Route[] = [
  route('POST', '/api/users', create),
  route('GET', '/api/users/me', me),
  route('GET', '/api/users/:name', show),
];
