import type { Invocation } from '../../cli.js';
import type { Context } from '../../context.js';
import { basename } from 'node:path';
import { UsageError } from '../../errors.js';
import { docsDirectory, docsRoot, downloadDocs, exists } from '../../docs/store.js';
import { Repository, checkPackageName } from '../../repository/registry.js';
import { isValidVersion } from '../../repository/requirement.js';
import { resolveRelease } from '../../repository/resolve.js';
import { repositoryReadChoice } from '../repository-choice.js';

/** What `docs fetch` and `docs open` were asked for: NAME, VERSION if given, and where docs of that repository go. */
export interface DocsRequest {
  name: string;
  version: string | undefined;
  root: string;
  /** Opens the repository (and looks up credentials) only when it is needed. */
  repository(): Promise<Repository>;
}

export async function docsRequest(ctx: Context, { args, opts }: Invocation): Promise<DocsRequest> {
  const choice = repositoryReadChoice(opts, 'docs');
  const [name, version] = args as [string, string | undefined];
  checkPackageName(name);
  if (version !== undefined && !isValidVersion(version)) throw new UsageError(`"${version}" is not a version`, `Give an exact version (${name} 1.0.0), or none for the newest.`);
  const config = await ctx.config();
  let opened: Promise<Repository> | undefined;
  return {
    name,
    version,
    root: docsRoot(config.home, choice),
    repository: () =>
      (opened ??= (async () => Repository.open(ctx, { ...choice, credentials: choice.organization ? await ctx.credentials() : undefined }))()),
  };
}

export interface Fetched {
  name: string;
  version: string;
  repository: string;
  path: string;
  /** False when the docs were already here. */
  fetched: boolean;
}

/**
 * NAME's docs at VERSION (or at the newest stable release that is not retired), fetched unless
 * already here. The release is looked up in the signed registry before anything is downloaded.
 */
export async function ensureDocs(ctx: Context, request: DocsRequest, version = request.version): Promise<Fetched> {
  const { name } = request;
  const repositoryName = basename(request.root);
  if (version !== undefined) {
    const path = docsDirectory(request.root, name, version);
    if (await exists(path)) return { name, version, repository: repositoryName, path, fetched: false };
  }
  const repository = await request.repository();
  const pkg = await repository.package(name);
  const release = resolveRelease(pkg, version === undefined ? { text: name, name, kind: 'newest' } : { text: `${name}@${version}`, name, kind: 'version', version });
  const path = docsDirectory(request.root, name, release.version);
  if (await exists(path)) return { name, version: release.version, repository: repositoryName, path, fetched: false };
  await downloadDocs(ctx, repository, name, release.version, path);
  return { name, version: release.version, repository: repositoryName, path, fetched: true };
}
