import { isValidVersion } from '../../src/repository/requirement.js';
import { HEXPM } from '../core.js';
import { apiCache, errorReply, Halt, header, notFound, stringParam, validationFailed, whenStale, type Ctx, type Reply, type ViewValue, view } from '../http.js';
import type { Organization, Package, Release } from '../state.js';

// Resource loading shared by the controllers, after hexpm's ControllerHelpers.

/** A show endpoint's reply: ETag/Last-Modified with 304 support, then cache headers. */
export function staleView(ctx: Ctx, value: ViewValue, lastModified: number | null, privacy: 'public' | 'private'): Reply {
  return whenStale(ctx, value, lastModified, () => apiCache(view(200, value), privacy));
}

/** fetch_organization: the :organization path parameter, or 404. */
export function fetchOrganization(ctx: Ctx): Organization | null {
  const name = stringParam(ctx, 'organization');
  if (name === null) return null;
  const organization = ctx.core.organizationByName(name);
  if (!organization) throw new Halt(notFound());
  return organization;
}

export interface PackageAssigns {
  /** null when the repository does not exist. */
  repository: string | null;
  organization: Organization | null;
  pkg: Package | null;
}

/** maybe_fetch_package: the repository (default hexpm) and the package, either may be missing. */
export function maybeFetchPackage(ctx: Ctx): PackageAssigns {
  const repositoryName = stringParam(ctx, 'repository') ?? HEXPM;
  const repository = ctx.core.repositoryExists(repositoryName) ? repositoryName : null;
  const name = stringParam(ctx, 'name');
  const pkg = repository !== null && name !== null ? (ctx.core.package(repository, name) ?? null) : null;
  return { repository, organization: repository ? (ctx.core.repositoryOrganization(repository) ?? null) : null, pkg };
}

export interface ReleaseAssigns extends PackageAssigns {
  release: Release | null;
}

/** maybe_fetch_release / fetch_release: 400 for a malformed version; with `required`, 404 when missing. */
export function fetchRelease(ctx: Ctx, required: boolean): ReleaseAssigns {
  const version = stringParam(ctx, 'version') ?? '';
  if (!isValidVersion(version)) throw new Halt(errorReply(400, { message: `invalid version: ${version}` }));
  const assigns = maybeFetchPackage(ctx);
  const release = assigns.pkg ? (ctx.core.release(assigns.pkg, version) ?? null) : null;
  if (required && !release) throw new Halt(notFound());
  return { ...assigns, release };
}


/** hexpm's read_body limit for uploads; beyond it the answer is 413. */
export const UPLOAD_LIMIT = 20 * 1024 * 1024;
export const TARBALL_MAX_SIZE = 16 * 1024 * 1024;

/**
 * handle_100_continue: with `Expect: 100-continue` the body is only asked for once the request
 * passed the checks before this point (411 without Content-Length, 422 when it announces more
 * than `maxSize`); otherwise it was read with the request.
 */
export async function uploadBody(ctx: Ctx, maxSize: number): Promise<Buffer> {
  if (!ctx.expectContinue) return ctx.body ?? Buffer.alloc(0);
  const length = header(ctx, 'content-length');
  if (length === undefined) throw new Halt(errorReply(411));
  const size = parseInt(length, 10);
  if (!Number.isNaN(size) && size > maxSize) throw new Halt(validationFailed({ tar: 'too big' }));
  return ctx.readBody(UPLOAD_LIMIT);
}
