import { authorize, packageOwner } from '../auth.js';
import { apiCache, empty, notFound, validationFailed, type Ctx, type Reply } from '../http.js';
import { castRetirement, setRetirement } from '../packages.js';
import { withRepositoryPrefix, type Route } from '../router.js';
import { fetchRelease, maybeFetchPackage, type PackageAssigns } from './shared.js';

// HexpmWeb.API.RetirementController

function authorizeRetire(ctx: Ctx, assigns: PackageAssigns): void {
  authorize(ctx, {
    domains: [['api', 'write'], 'package'],
    package: assigns.pkg,
    checks: [packageOwner(ctx.core, assigns.repository, assigns.pkg)],
  });
}

function retire(ctx: Ctx): Reply {
  const assigns = fetchRelease(ctx, false);
  authorizeRetire(ctx, assigns);
  if (!assigns.pkg || !assigns.release) return notFound();
  const result = castRetirement(ctx.params);
  if ('errors' in result) return validationFailed(result.errors);
  setRetirement(ctx.core, assigns.pkg, [assigns.release], result.retirement);
  return apiCache(empty(204), 'private');
}

/** Retires every release; releases already retired keep their reason unless `replace` is true. */
function retireAll(ctx: Ctx): Reply {
  const assigns = maybeFetchPackage(ctx);
  authorizeRetire(ctx, assigns);
  if (!assigns.pkg) return notFound();
  const replace = ctx.params.replace === true || ctx.params.replace === 'true';
  const result = castRetirement(ctx.params);
  if ('errors' in result) return validationFailed(result.errors);
  const releases = ctx.core.releasesOf(assigns.pkg).filter((r) => replace || r.retirement === null);
  setRetirement(ctx.core, assigns.pkg, releases, result.retirement);
  return apiCache(empty(204), 'private');
}

function unretire(ctx: Ctx): Reply {
  const assigns = fetchRelease(ctx, false);
  authorizeRetire(ctx, assigns);
  if (!assigns.pkg || !assigns.release) return notFound();
  setRetirement(ctx.core, assigns.pkg, [assigns.release], null);
  return apiCache(empty(204), 'private');
}

export const retirementRoutes: Route[] = [
  ...withRepositoryPrefix('POST', '/packages/:name/retire', retireAll),
  ...withRepositoryPrefix('POST', '/packages/:name/releases/:version/retire', retire),
  ...withRepositoryPrefix('DELETE', '/packages/:name/releases/:version/retire', unretire),
];
