import type { Context } from '../../context.js';
import { UsageError } from '../../errors.js';
import { publishToDirectory, repositoryOf } from '../../repository/static-directory.js';
import { staticTarget } from '../static-target.js';
import { toolchainChoice } from '../options.js';
import { packageToPublish } from './source.js';

// `hexts publish [package] --to-dir PUBLIC_DIR --private-key KEY`: the package built as
// `publish` builds it (or the --tarball given), copied into a static repository (`hexts registry build`), which is
// then rebuilt. Nothing is sent anywhere and no credential is needed.

/** Options that only mean something to a registry's API. */
const API_ONLY = [['organization', '--organization'], ['repo', '--repo'], ['revert', '--revert'], ['docsDir', '--docs-dir'], ['key', '--key'], ['keyFile', '--key-file'], ['otp', '--otp']] as const;

export async function publishToDir(ctx: Context, mode: 'all' | 'package' | 'docs', opts: Record<string, unknown>): Promise<void> {
  if (mode === 'docs') throw new UsageError('a static repository holds no docs: `publish docs` cannot go --to-dir', 'Publish the package with `hexts publish package --to-dir DIR` and host the docs elsewhere.');
  const json = ctx.globals.json;
  const target = await staticTarget(ctx, opts, API_ONLY, 'publishes into a directory');
  const repository = await repositoryOf(target);

  const pkg = await packageToPublish(ctx, opts, { toolchain: toolchainChoice(opts), printSummary: !json, publishing: true, staticRepository: true, secretScan: opts.scan === false ? undefined : { withheld: 'published' } });
  const { release } = pkg;
  const result = { name: pkg.name, version: pkg.version, repository, checksum: release.checksum };
  if (mode === 'all') ctx.out.info('A static repository holds no docs: only the package is published.');
  const line = `Publishing package to static repository ${repository} in ${target.dir}.`;
  if (json) ctx.out.info(line);
  else ctx.out.print(line);
  if (opts.dryRun) {
    ctx.out.info(opts.replace ? 'Dry run: nothing was written; a real run would use --replace.' : 'Dry run: nothing was written.');
    if (json) ctx.out.json({ ...result, dry_run: true });
    return;
  }

  const published = await publishToDirectory(target, release.tarball, { replace: opts.replace === true });
  ctx.out.info();
  ctx.out.info(`Package published to ${published.tarball} (${release.checksum})${published.copied ? '' : '; that very tarball was already there'}`);
  if (json) ctx.out.json({ ...result, tarball: published.tarball });
}
