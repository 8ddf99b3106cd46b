import { authorize, organizationAccessCheck } from '../auth.js';
import { HEXPM } from '../core.js';
import { apiCache, Halt, notFound, stringParam, view, whenStale, type Ctx, type Reply } from '../http.js';
import { route, withRepositoryPrefix, type Route } from '../router.js';
import { searchPackages } from '../search.js';
import { packageShow } from '../views.js';
import { maybeFetchPackage, staleView } from './shared.js';

// HexpmWeb.API.PackageController: listing/search and show.

function safeInt(value: unknown): number | null {
  return typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : typeof value === 'number' && Number.isInteger(value) ? value : null;
}

function index(ctx: Ctx): Reply {
  const core = ctx.core;
  const repository = stringParam(ctx, 'repository');
  if (repository !== null && !core.repositoryExists(repository)) throw new Halt(notFound());
  const organization = repository !== null ? core.repositoryOrganization(repository) : undefined;
  authorize(ctx, { domains: [['api', 'read']], checks: [organizationAccessCheck(organization)] });
  const { user, organization: orgCredential } = ctx.auth;
  const repositories =
    repository !== null
      ? [repository]
      : user
        ? [HEXPM, ...core.organizationsOf(user).map((o) => o.name)]
        : orgCredential
          ? [HEXPM, orgCredential.name]
          : [HEXPM];
  const search = stringParam(ctx, 'search')?.trim() || null;
  const packages = searchPackages(core, repositories, {
    search,
    sort: stringParam(ctx, 'sort'),
    page: safeInt(ctx.params.page),
    perPage: Math.min(safeInt(ctx.params.per_page) ?? 100, 100),
  });
  const value = packages.map((p) => packageShow(core, p, { owners: false }));
  return whenStale(ctx, value, null, () => apiCache(view(200, value), 'public'));
}

function show(ctx: Ctx): Reply {
  const { pkg, organization } = maybeFetchPackage(ctx);
  authorize(ctx, { domains: [['api', 'read']], checks: [organizationAccessCheck(organization)] });
  if (!pkg) return notFound();
  const lastModified = Math.max(pkg.updatedAt, ...ctx.core.releasesOf(pkg).map((r) => r.updatedAt));
  return staleView(ctx, packageShow(ctx.core, pkg, { owners: true }), lastModified, 'public');
}

export const packageRoutes: Route[] = [
  route('GET', '/api/packages', index),
  route('GET', '/api/repos/:repository/packages', index),
  ...withRepositoryPrefix('GET', '/packages/:name', show),
];
