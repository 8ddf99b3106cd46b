import { addMember, changeRole, removeMember, roleIn, type MemberResult } from '../accounts.js';
import { authorize, organizationAccessCheck } from '../auth.js';
import { compareStrings } from '../core.js';
import { apiCache, empty, errorReply, notFound, stringParam, validationFailed, view, type Ctx, type Reply } from '../http.js';
import { route, type Route } from '../router.js';
import type { Organization, User } from '../state.js';
import { memberMinimal, memberShow, organizationIndex, organizationShow } from '../views.js';
import { fetchOrganization } from './shared.js';

// HexpmWeb.API.OrganizationController and OrganizationUserController.

function index(ctx: Ctx): Reply {
  authorize(ctx, { domains: [['api', 'read']] });
  const { user, organization } = ctx.auth;
  const organizations = [...(user ? ctx.core.organizationsOf(user) : []), ...(organization ? [organization] : [])];
  organizations.sort((a, b) => compareStrings(a.name, b.name));
  return apiCache(view(200, organizations.map(organizationIndex)), 'private');
}

function readable(ctx: Ctx): Organization {
  const organization = fetchOrganization(ctx)!;
  authorize(ctx, { domains: [['api', 'read']], checks: [organizationAccessCheck(organization)] });
  return organization;
}

function show(ctx: Ctx): Reply {
  return apiCache(view(200, organizationShow(readable(ctx))), 'private');
}

const NOT_ENOUGH_SEATS = 'number of seats cannot be less than number of members';

/** Changing seats (hexpm only enforces read access here, a known bug kept as is). */
function update(ctx: Ctx): Reply {
  const organization = fetchOrganization(ctx)!;
  authorize(ctx, { domains: [['api', 'write']], checks: [organizationAccessCheck(organization)] });
  const raw = ctx.params.seats;
  const seats = typeof raw === 'number' && Number.isInteger(raw) ? raw : typeof raw === 'string' && /^-?\d+$/.test(raw) ? Number(raw) : null;
  if (seats === null || seats < organization.members.length) return validationFailed(NOT_ENOUGH_SEATS);
  organization.seats = seats;
  organization.updatedAt = ctx.core.now();
  ctx.core.changed();
  return apiCache(view(200, organizationShow(organization)), 'private');
}

function members(ctx: Ctx): Reply {
  const organization = readable(ctx);
  const users = organization.members
    .map((m) => ({ user: ctx.core.user(m.userId), role: m.role }))
    .filter((m): m is { user: User; role: typeof m.role } => m.user !== undefined)
    .sort((a, b) => compareStrings(a.user.username, b.user.username));
  return apiCache(view(200, users.map((m) => memberMinimal(ctx.core, m.user, m.role))), 'private');
}

function member(ctx: Ctx): Reply {
  const organization = readable(ctx);
  const user = ctx.core.publicUser(stringParam(ctx, 'name') ?? '');
  const role = user && roleIn(organization, user);
  if (!user || !role) return notFound();
  return apiCache(view(200, memberShow(ctx.core, user, role)), 'private');
}

function administrable(ctx: Ctx): Organization {
  const organization = fetchOrganization(ctx)!;
  authorize(ctx, { domains: [['api', 'write']], checks: [organizationAccessCheck(organization, 'admin')] });
  return organization;
}

function memberReply(ctx: Ctx, user: User, result: MemberResult, headers: Record<string, string> = {}): Reply {
  if ('errors' in result) return validationFailed(result.errors);
  if ('notFound' in result) return notFound();
  return apiCache(view(200, memberShow(ctx.core, user, result.ok), headers), 'private');
}

function addMemberRoute(ctx: Ctx): Reply {
  const organization = administrable(ctx);
  const name = stringParam(ctx, 'name');
  if (name === null) return errorReply(400);
  const user = ctx.core.publicUser(name);
  if (!user) return validationFailed({ name: 'unknown user' });
  const result = addMember(ctx.core, organization, user, ctx.params.role);
  const location = `/api/orgs/${encodeURIComponent(organization.name)}/members/${encodeURIComponent(user.username)}`;
  return memberReply(ctx, user, result, { location });
}

function updateMember(ctx: Ctx): Reply {
  const organization = administrable(ctx);
  const user = ctx.core.publicUser(stringParam(ctx, 'name') ?? '');
  if (!user) return notFound();
  return memberReply(ctx, user, changeRole(ctx.core, organization, user, ctx.params.role));
}

function deleteMember(ctx: Ctx): Reply {
  const organization = administrable(ctx);
  const result = removeMember(ctx.core, organization, ctx.core.publicUser(stringParam(ctx, 'name') ?? ''));
  if ('errors' in result) return validationFailed(result.errors);
  return apiCache(empty(204), 'private');
}

export const organizationRoutes: Route[] = [
  route('GET', '/api/orgs', index),
  route('GET', '/api/orgs/:organization', show),
  route('POST', '/api/orgs/:organization', update),
  route('GET', '/api/orgs/:organization/members', members),
  route('POST', '/api/orgs/:organization/members', addMemberRoute),
  route('GET', '/api/orgs/:organization/members/:name', member),
  route('POST', '/api/orgs/:organization/members/:name', updateMember),
  route('DELETE', '/api/orgs/:organization/members/:name', deleteMember),
];
