import { createKey, keyRevoked, revokeKey, type KeyOwner } from '../accounts.js';
import { authorize, organizationAccessCheck } from '../auth.js';
import { compareStrings } from '../core.js';
import { apiCache, Halt, notFound, stringParam, validationFailed, view, type Ctx, type Reply } from '../http.js';
import { route, type Route } from '../router.js';
import type { Key, Organization } from '../state.js';
import { keyView } from '../views.js';
import { fetchOrganization, staleView } from './shared.js';

// HexpmWeb.API.KeyController, for /api/keys and /api/orgs/:organization/keys.

function owner(ctx: Ctx, organization: Organization | null): KeyOwner {
  if (organization) return { organization };
  return { user: ctx.auth.user! };
}

/** An organization credential only manages keys under its /api/orgs/:organization path. */
function requireOrganizationPath(ctx: Ctx, organization: Organization | null): void {
  if (ctx.auth.organization && !organization) throw new Halt(notFound());
}

function liveKeys(ctx: Ctx, keyOwner: KeyOwner): Key[] {
  const ref = 'user' in keyOwner ? { userId: keyOwner.user.id } : { organizationId: keyOwner.organization.id };
  return ctx.core.keysOf(ref).filter((k) => !keyRevoked(ctx.core, k));
}

function authingKeyId(ctx: Ctx): number | null {
  return ctx.auth.credential?.kind === 'key' ? ctx.auth.credential.key.id : (ctx.auth.credential?.token.id ?? null);
}

function prepare(ctx: Ctx, access: 'read' | 'write', allowUnconfirmed = false): KeyOwner {
  const organization = fetchOrganization(ctx);
  authorize(ctx, {
    required: true,
    domains: [['api', access]],
    allowUnconfirmed,
    checks: [organizationAccessCheck(organization, access)],
  });
  requireOrganizationPath(ctx, organization);
  return owner(ctx, organization);
}

function index(ctx: Ctx): Reply {
  const keys = liveKeys(ctx, prepare(ctx, 'read')).sort((a, b) => compareStrings(a.name, b.name));
  return apiCache(view(200, keys.map((k) => keyView(ctx.core, k, authingKeyId(ctx)))), 'private');
}

function show(ctx: Ctx): Reply {
  const name = stringParam(ctx, 'name');
  const key = liveKeys(ctx, prepare(ctx, 'read')).find((k) => k.name === name);
  if (!key) return notFound();
  return staleView(ctx, keyView(ctx.core, key, authingKeyId(ctx)), key.updatedAt, 'private');
}

function create(ctx: Ctx): Reply {
  const result = createKey(ctx.core, prepare(ctx, 'write', true), ctx.params);
  if ('errors' in result) return validationFailed(result.errors);
  const reply = view(201, keyView(ctx.core, result.key, authingKeyId(ctx), result.secret), {
    location: `/api/keys/${encodeURIComponent(result.key.name)}`,
  });
  return apiCache(reply, 'private');
}

function remove(ctx: Ctx): Reply {
  const name = stringParam(ctx, 'name');
  const key = liveKeys(ctx, prepare(ctx, 'write')).find((k) => k.name === name);
  if (!key) return notFound();
  revokeKey(ctx.core, key);
  return apiCache(view(200, keyView(ctx.core, key, authingKeyId(ctx))), 'private');
}

/** Revokes every key and answers with the (now revoked) key the request was made with. */
function removeAll(ctx: Ctx): Reply {
  for (const key of liveKeys(ctx, prepare(ctx, 'write'))) revokeKey(ctx.core, key);
  const credential = ctx.auth.credential;
  return view(200, credential?.kind === 'key' ? keyView(ctx.core, credential.key, credential.key.id) : null);
}

export const keyRoutes: Route[] = ['/api', '/api/orgs/:organization'].flatMap((prefix) => [
  route('GET', `${prefix}/keys`, index),
  route('GET', `${prefix}/keys/:name`, show),
  route('POST', `${prefix}/keys`, create),
  route('DELETE', `${prefix}/keys`, removeAll),
  route('DELETE', `${prefix}/keys/:name`, remove),
]);
