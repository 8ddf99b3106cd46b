import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Context } from '../context.js';
import { CliError } from '../errors.js';
import { unpackDocsTarball } from '../package/unpack.js';
import type { Repository } from '../repository/registry.js';
import { compareVersions, isValidVersion, parseVersion } from '../repository/requirement.js';
import { writeFailure } from '../util/fs-errors.js';

// Docs kept for offline reading, as mix hex.docs keeps them: $HEXTS_HOME/docs/REPO/NAME/VERSION/,
// REPO being hexpm, hexpm:ORG (mix's name for an organization's repository) or the name of a
// repository added with `hexts repo add`. Each is a docs tarball from the repository unpacked
// by the safe reader; a directory there is complete (it is renamed into place once whole).

/** The directory of REPO's docs: every part was checked as a name (package, organization, repository) before. */
export function docsRoot(home: string, choice: { organization?: string; repo?: string }): string {
  return join(home, 'docs', choice.organization ? `hexpm:${choice.organization}` : choice.repo ?? 'hexpm');
}

/** Where NAME VERSION's docs go; `version` must be a valid version (it becomes a directory's name). */
export function docsDirectory(root: string, name: string, version: string): string {
  if (!isValidVersion(version)) throw new CliError(`the registry names a release "${version}", which is not a version`);
  return join(root, name, version);
}

/**
 * The newest version of NAME whose docs are here, stable ones first (as mix's `offline` picks):
 * undefined when there are none.
 */
export async function newestLocalVersion(root: string, name: string): Promise<string | undefined> {
  const entries = await readdir(join(root, name)).catch(() => [] as string[]);
  const versions = entries.filter(isValidVersion).sort((a, b) => compareVersions(b, a));
  return versions.find((v) => parseVersion(v).pre.length === 0) ?? versions[0];
}

export async function exists(path: string): Promise<boolean> {
  return lstat(path).then(() => true, () => false);
}

/**
 * Downloads NAME VERSION's docs from `repository` and unpacks them into `directory`. The
 * release itself was found in the signed registry; the docs are what the repository serves
 * for it, over verified TLS, unpacked within hex_core's limits.
 */
export async function downloadDocs(ctx: Context, repository: Repository, name: string, version: string, directory: string): Promise<void> {
  const tarball = await repository.docs(name, version);
  if (!tarball) {
    throw new CliError(`no docs for ${name} ${version} in ${repository.description}`, 'The release exists, but its docs were never published (mix hex.publish docs), or were reverted.');
  }
  ctx.log(`docs of ${name} ${version}: ${tarball.length} bytes`);
  await unpackDocsTarball(tarball, { directory }).catch((err: unknown) => {
    throw writeFailure('unpack the docs into', directory, err);
  });
}
