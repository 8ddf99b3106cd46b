import { authorize, billingActiveCheck, organizationAccessCheck, packageOwner } from '../auth.js';
import { apiCache, empty, notFound, stringParam, validationFailed, view, type Ctx, type Reply } from '../http.js';
import { publish, revert, type PublishResult } from '../packages.js';
import { readReleaseTarball, type ReleaseTarball } from '../release-tarball.js';
import { withRepositoryPrefix, type Route } from '../router.js';
import type { User } from '../state.js';
import { releaseShow } from '../views.js';
import { fetchRelease, maybeFetchPackage, staleView, TARBALL_MAX_SIZE, uploadBody, type PackageAssigns } from './shared.js';

// HexpmWeb.API.ReleaseController: publish (both routes), show and revert.

function authorizeWrite(ctx: Ctx, assigns: PackageAssigns): void {
  authorize(ctx, {
    required: true,
    domains: [['api', 'write'], 'package'],
    package: assigns.pkg,
    checks: [packageOwner(ctx.core, assigns.repository, assigns.pkg), billingActiveCheck(assigns.organization)],
  });
}

/** A package published with an organization credential belongs to the organization's account. */
function publisher(ctx: Ctx): User {
  return ctx.auth.user ?? ctx.core.user(ctx.auth.organization!.userId)!;
}

function publishReply(ctx: Ctx, result: PublishResult): Reply {
  if ('errors' in result) return validationFailed(result.errors);
  const body = releaseShow(ctx.core, result.pkg, result.release);
  if (result.action === 'update') return apiCache(view(200, body), 'public');
  const location = `/api/packages/${encodeURIComponent(result.pkg.name)}/releases/${encodeURIComponent(result.release.version)}`;
  return apiCache(view(201, body, { location }), 'public');
}

/** POST …/packages/:name/releases: authorizes first, then reads the tarball. */
async function create(ctx: Ctx): Promise<Reply> {
  const assigns = maybeFetchPackage(ctx);
  authorizeWrite(ctx, assigns);
  const body = await uploadBody(ctx, TARBALL_MAX_SIZE);
  const tarball = await readReleaseTarball(body);
  if ('error' in tarball) return validationFailed({ tar: tarball.error });
  const name = stringParam(ctx, 'name');
  if (name !== null && tarball.meta.name !== name) return validationFailed({ name: 'metadata does not match package name' });
  return publishRead(ctx, assigns, tarball, body);
}

/** Publishes an authorized, read release tarball and answers as hexpm does. */
function publishRead(ctx: Ctx, assigns: PackageAssigns, tarball: ReleaseTarball, body: Buffer): Reply {
  return publishReply(
    ctx,
    publish(ctx.core, {
      repository: assigns.repository!,
      pkg: assigns.pkg ?? undefined,
      publisher: publisher(ctx),
      meta: tarball.meta,
      innerChecksum: tarball.innerChecksum,
      outerChecksum: tarball.outerChecksum,
      tarball: body,
      replace: 'replace' in ctx.params ? ctx.params.replace : true,
    }),
  );
}

/** POST …/publish: reads the metadata before authorizing, since the URL has no package name. */
async function publishRoute(ctx: Ctx): Promise<Reply> {
  const body = await uploadBody(ctx, TARBALL_MAX_SIZE);
  const metadata = await readReleaseTarball(body, true);
  if ('error' in metadata) return validationFailed({ tar: metadata.error });
  ctx.params.name = metadata.meta.name;
  const assigns = maybeFetchPackage(ctx);
  authorizeWrite(ctx, assigns);
  const tarball = await readReleaseTarball(body);
  if ('error' in tarball) return validationFailed({ tar: tarball.error });
  return publishRead(ctx, assigns, tarball, body);
}

function show(ctx: Ctx): Reply {
  const { pkg, release, organization } = fetchRelease(ctx, false);
  authorize(ctx, { domains: [['api', 'read']], checks: [organizationAccessCheck(organization)] });
  if (!pkg || !release) return notFound();
  const period = stringParam(ctx, 'downloads');
  // No downloads are counted here: a total of 0, or no days/months.
  const downloads = period === 'day' || period === 'month' ? [] : 0;
  return staleView(ctx, releaseShow(ctx.core, pkg, release, downloads), release.updatedAt, 'public');
}

function remove(ctx: Ctx): Reply {
  const assigns = fetchRelease(ctx, true);
  authorizeWrite(ctx, assigns);
  const result = revert(ctx.core, assigns.pkg!, assigns.release!);
  if ('errors' in result) return validationFailed(result.errors);
  return apiCache(empty(204), 'private');
}

export const releaseRoutes: Route[] = [
  ...withRepositoryPrefix('POST', '/publish', publishRoute, { upload: true }),
  ...withRepositoryPrefix('POST', '/packages/:name/releases', create, { upload: true }),
  ...withRepositoryPrefix('GET', '/packages/:name/releases/:version', show),
  ...withRepositoryPrefix('DELETE', '/packages/:name/releases/:version', remove),
];
