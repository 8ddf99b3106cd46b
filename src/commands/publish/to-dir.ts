import type { Context } from '../../context.js';
import { readRegistrySigningKey } from '../../credentials/registry-key.js';
import { UsageError } from '../../errors.js';
import { changeLine, publishToDirectory, repositoryOf, type StaticDirectory } from '../../repository/static-directory.js';
import { toolchainChoice } from '../options.js';
import { buildPackage, loadPackage } from '../package-build.js';

// `hexts publish [package] --to-dir PUBLIC_DIR --private-key KEY`: the package built as
// `publish` builds it, copied into a static repository (`hexts registry build`), which is
// then rebuilt. Nothing is sent anywhere and no credential is needed.

/** Options that only mean something to a registry's API. */
const API_ONLY = [['organization', '--organization'], ['repo', '--repo'], ['revert', '--revert'], ['docsDir', '--docs-dir'], ['key', '--key'], ['keyFile', '--key-file'], ['otp', '--otp']] as const;

export async function publishToDir(ctx: Context, mode: 'all' | 'package' | 'docs', opts: Record<string, unknown>): Promise<void> {
  const dir = opts.toDir as string;
  if (mode === 'docs') throw new UsageError('a static repository holds no docs: `publish docs` cannot go --to-dir', 'Publish the package with `hexts publish package --to-dir DIR` and host the docs elsewhere.');
  for (const [name, flag] of API_ONLY) {
    if (opts[name] !== undefined) throw new UsageError(`${flag} cannot be used with --to-dir, which publishes into a directory`, `Drop ${flag}.`);
  }
  if (typeof opts.privateKey !== 'string') throw new UsageError('--to-dir needs --private-key, the key that signs the repository', 'Give the PEM file the repository was built with (`hexts registry build`).');
  const json = ctx.globals.json;
  const target: StaticDirectory = {
    cwd: ctx.cwd,
    dir,
    key: await readRegistrySigningKey(ctx.cwd, opts.privateKey, dir),
    onChange: (change) => ctx.out.info(changeLine(change)),
    onWarning: (warning) => ctx.out.warn(`warning: ${warning}`),
  };
  const repository = await repositoryOf(target);

  const prepared = await loadPackage(ctx, { toolchain: toolchainChoice(opts), printSummary: !json, publishing: true, staticRepository: true });
  const built = await buildPackage(ctx, prepared, {});
  const result = { name: prepared.name, version: prepared.version, repository, checksum: built.outerChecksum };
  if (mode === 'all') ctx.out.info('A static repository holds no docs: only the package is published.');
  const line = `Publishing package to static repository ${repository} in ${dir}.`;
  if (json) ctx.out.info(line);
  else ctx.out.print(line);
  if (opts.dryRun) {
    ctx.out.info(opts.replace ? 'Dry run: nothing was written; a real run would use --replace.' : 'Dry run: nothing was written.');
    if (json) ctx.out.json({ ...result, dry_run: true });
    return;
  }

  const published = await publishToDirectory(target, built.tarball!, { replace: opts.replace === true });
  ctx.out.info();
  ctx.out.info(`Package published to ${published.tarball} (${built.outerChecksum})${published.copied ? '' : '; that very tarball was already there'}`);
  if (json) ctx.out.json({ ...result, tarball: published.tarball });
}
