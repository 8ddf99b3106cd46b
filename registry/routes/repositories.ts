import { authorize, organizationAccessCheck } from '../auth.js';
import { compareStrings, HEXPM } from '../core.js';
import { apiCache, Halt, notFound, stringParam, view, whenStale, type Ctx, type Reply } from '../http.js';
import { route, type Route } from '../router.js';
import { repositoryView } from '../views.js';
import { staleView } from './shared.js';

// HexpmWeb.API.RepositoryController: hexpm first, then the caller's organizations.

function index(ctx: Ctx): Reply {
  authorize(ctx, { domains: [['api', 'read']] });
  const { user, organization } = ctx.auth;
  const names = new Set([HEXPM, ...(user ? ctx.core.organizationsOf(user).map((o) => o.name) : []), ...(organization ? [organization.name] : [])]);
  const sorted = [...names].sort((a, b) => (a === HEXPM ? -1 : b === HEXPM ? 1 : compareStrings(a, b)));
  const value = sorted.map((name) => repositoryView(ctx.core, name));
  return whenStale(ctx, value, null, () => apiCache(view(200, value), user ? 'private' : 'public'));
}

function show(ctx: Ctx): Reply {
  const name = stringParam(ctx, 'repository') ?? '';
  if (!ctx.core.repositoryExists(name)) throw new Halt(notFound());
  const organization = ctx.core.repositoryOrganization(name);
  authorize(ctx, { domains: [['api', 'read']], checks: [organizationAccessCheck(organization)] });
  const value = repositoryView(ctx.core, name);
  return staleView(ctx, value, organization?.updatedAt ?? ctx.core.data.createdAt, organization ? 'private' : 'public');
}

export const repositoryRoutes: Route[] = [route('GET', '/api/repos', index), route('GET', '/api/repos/:repository', show)];
