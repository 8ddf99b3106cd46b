import { gunzipSync } from 'node:zlib';
import { authorize, billingActiveCheck, organizationAccessCheck, packageOwner } from '../auth.js';
import { apiCache, bytes, empty, errorReply, notFound, validationFailed, type Ctx, type Reply } from '../http.js';
import { publishDocs, revertDocs } from '../packages.js';
import { withRepositoryPrefix, type Route } from '../router.js';
import { docsTarballPath } from '../views.js';
import { fetchRelease, TARBALL_MAX_SIZE, uploadBody, type ReleaseAssigns } from './shared.js';

// HexpmWeb.API.DocsController: docs tarballs are served from /repo/…/docs/.

const MAX_UNCOMPRESSED_SIZE = 128 * 1024 * 1024;

function docsUrl(ctx: Ctx, assigns: ReleaseAssigns): string {
  return `${ctx.core.url}/repo/${docsTarballPath(assigns.pkg!, assigns.release!.version)}`;
}

function authorizeWrite(ctx: Ctx, assigns: ReleaseAssigns): void {
  authorize(ctx, {
    domains: [['api', 'write'], 'package'],
    package: assigns.pkg,
    checks: [packageOwner(ctx.core, assigns.repository, assigns.pkg), billingActiveCheck(assigns.organization)],
  });
}

/** 302 to the tarball, as Phoenix's redirect(external:) answers. */
function show(ctx: Ctx): Reply {
  const assigns = fetchRelease(ctx, true);
  authorize(ctx, {
    domains: [['api', 'read']],
    checks: [organizationAccessCheck(assigns.organization), billingActiveCheck(assigns.organization)],
  });
  if (!assigns.release!.hasDocs) return notFound();
  const url = docsUrl(ctx, assigns);
  const html = `<html><body>You are being <a href="${url}">redirected</a>.</body></html>`;
  return bytes(302, Buffer.from(html), 'text/html; charset=utf-8', { location: url });
}

async function create(ctx: Ctx): Promise<Reply> {
  const assigns = fetchRelease(ctx, true);
  authorizeWrite(ctx, assigns);
  const body = await uploadBody(ctx, TARBALL_MAX_SIZE);
  if (body.length > TARBALL_MAX_SIZE) return validationFailed({ tar: 'too big' });
  let uncompressed: number;
  try {
    uncompressed = gunzipSync(body, { maxOutputLength: MAX_UNCOMPRESSED_SIZE + 1 }).length;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') uncompressed = MAX_UNCOMPRESSED_SIZE + 1;
    // hexpm's inflate raises on a body that is not gzip.
    else return errorReply(500);
  }
  if (uncompressed > MAX_UNCOMPRESSED_SIZE) return validationFailed({ tar: 'too big (uncompressed)' });
  publishDocs(ctx.core, assigns.pkg!, assigns.release!, body);
  return apiCache(empty(201, { location: docsUrl(ctx, assigns) }), 'public');
}

function remove(ctx: Ctx): Reply {
  const assigns = fetchRelease(ctx, true);
  authorizeWrite(ctx, assigns);
  revertDocs(ctx.core, assigns.pkg!, assigns.release!);
  return apiCache(empty(204), 'private');
}

export const docsRoutes: Route[] = [
  ...withRepositoryPrefix('GET', '/packages/:name/releases/:version/docs', show),
  ...withRepositoryPrefix('POST', '/packages/:name/releases/:version/docs', create, { upload: true }),
  ...withRepositoryPrefix('DELETE', '/packages/:name/releases/:version/docs', remove),
];
