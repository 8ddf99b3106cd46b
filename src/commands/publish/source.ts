import type { Context } from '../../context.js';
import { CliError, UsageError } from '../../errors.js';
import { DEFAULT_REPO } from '../../package/metadata.js';
import type { ReviewedTarball } from '../../package/reviewed-tarball.js';
import { renderSummary } from '../../package/summary.js';
import { registryRefusals } from '../../package/validate.js';
import { buildPackage, loadPackage, type LoadOptions } from '../package-build.js';

// What `hexts publish` sends, for every destination (hex.pm's API, an added repository, a
// static directory): the package built from mix.exs, or with --tarball a tarball built
// elsewhere and reviewed, published byte for byte.

export interface BuiltRelease {
  tarball: Buffer;
  /** SHA-256 of the tarball, lowercase hex. */
  checksum: string;
}

export interface PackageToPublish {
  name: string;
  version: string;
  /** --organization (or --repo hexpm:ORG), else the package's own; 'hexpm' or undefined for the public repository. */
  organization?: string;
  release: BuiltRelease;
}

/** A SHA-256 in hex, either case: what `hexts build` and `mix hex.build` print as "Package checksum". */
const SHA256_HEX = /^[0-9a-fA-F]{64}$/;

/** Options --tarball replaces or has no use for, each with why. */
const NOT_WITH_TARBALL = [
  ['revert', '--revert', 'deletes a release instead of publishing one'],
  ['docsDir', '--docs-dir', 'gives docs, which a package tarball does not carry'],
  ['elixirVersion', '--elixir-version', 'is how mix.exs is read, and a built tarball needs no mix.exs'],
  ['otpRelease', '--otp-release', 'is how mix.exs is read, and a built tarball needs no mix.exs'],
] as const;

/** The usage errors of --tarball and --expect-checksum: before anything is read or sent. */
export function checkTarballOptions(mode: 'all' | 'package' | 'docs', opts: Record<string, unknown>): void {
  const expected = opts.expectChecksum;
  if (typeof expected === 'string') {
    if (typeof opts.tarball !== 'string') throw new UsageError('--expect-checksum goes with --tarball', 'It checks a built tarball before publishing it: `hexts publish --tarball FILE --expect-checksum SHA256`.');
    if (!SHA256_HEX.test(expected)) throw new UsageError(`--expect-checksum takes a SHA-256 checksum, 64 hexadecimal digits, not "${expected}"`, 'Give the "Package checksum" that `hexts build` (or `mix hex.build`) printed.');
  }
  if (typeof opts.tarball !== 'string') return;
  if (mode === 'docs') throw new UsageError('`publish docs` cannot take --tarball: a package tarball carries no docs', 'Publish the docs from the source tree: `hexts publish docs`.');
  for (const [name, flag, why] of NOT_WITH_TARBALL) {
    if (opts[name] !== undefined) throw new UsageError(`${flag} cannot be used with --tarball: it ${why}`, `Drop ${flag}.`);
  }
}

/**
 * The package to publish, its summary shown as `load` says (and its credential checked by
 * `load.beforeShowing`): from --tarball, or built from mix.exs in the current directory.
 */
export async function packageToPublish(ctx: Context, opts: Record<string, unknown>, load: LoadOptions): Promise<PackageToPublish> {
  if (typeof opts.tarball === 'string') {
    const expected = typeof opts.expectChecksum === 'string' ? opts.expectChecksum : undefined;
    // Loaded only here: the tarball reader is not needed to build and publish from mix.exs.
    const { readReviewedTarball } = await import('../../package/reviewed-tarball.js');
    return reviewedPackage(ctx, await readReviewedTarball(ctx.cwd, opts.tarball, expected), expected !== undefined, load);
  }
  const prepared = await loadPackage(ctx, load);
  const built = await buildPackage(ctx, prepared, {});
  return { name: prepared.name, version: prepared.version, organization: prepared.organization, release: { tarball: built.tarball!, checksum: built.outerChecksum } };
}

/**
 * The tarball read and validated (readReviewedTarball: every file of the package, path and
 * bytes, is in `reviewed.files`), then what hex.pm would refuse of it, the secret scan, the
 * credential, and the screen, in the order loadPackage has them.
 */
async function reviewedPackage(ctx: Context, reviewed: ReviewedTarball, checked: boolean, load: LoadOptions): Promise<PackageToPublish> {
  const { file, name, version, checksum } = reviewed;
  const organization = organizationOf(reviewed, load.organization);
  const refusals = load.staticRepository ? { errors: [], warnings: [] } : registryRefusals(name, version, reviewed.requirements, organization);
  if (refusals.errors.length === 0 && load.secretScan) {
    // The same scan as a build from mix.exs, over the files the tarball holds (it carries no docs).
    const [{ stopOnSecretFindings }, { scanForSecrets }] = await Promise.all([import('../secret-findings.js'), import('../../package/secret-scan.js')]);
    stopOnSecretFindings(ctx, scanForSecrets(reviewed.files, { ignore: reviewed.secretScanIgnores }), load.secretScan.withheld);
  }
  if (refusals.errors.length === 0) await load.beforeShowing?.({ organization });
  const summary = renderSummary(name, version, reviewed.meta, reviewed.requirements, organization, `Package ${name} ${version} from ${file}`);
  if (load.printSummary) {
    for (const line of summary.stdout) ctx.out.print(line);
    ctx.out.print(`Package checksum: ${checksum}${checked ? ' (as expected)' : ''}`);
  }
  for (const line of summary.stderr) ctx.out.info(line);
  for (const warning of refusals.warnings) ctx.out.warn(warning);
  if (refusals.errors.length > 0) {
    // mix keeps the organization out of the metadata: dependencies on one are the clue.
    const repositories = [...new Set(reviewed.requirements.map((r) => r.repository).filter((r) => r !== DEFAULT_REPO))];
    const clue = organization === undefined && repositories.length === 1 ? [`If it is ${repositories[0]}'s package, publish it there: --organization ${repositories[0]}.`] : [];
    throw new CliError(`${file} cannot be published:`, [...refusals.errors, ...clue].join('\n'));
  }
  return { name, version, organization, release: { tarball: reviewed.tarball, checksum } };
}

/**
 * mix keeps `organization` out of the metadata, so the command line names it; a tarball whose
 * metadata does name one is published there, and a command line naming another is refused.
 */
function organizationOf(reviewed: ReviewedTarball, given: string | undefined): string | undefined {
  if (reviewed.organization === undefined) return given;
  if (given !== undefined && given !== reviewed.organization) {
    throw new CliError(
      `${reviewed.file} is built for organization ${reviewed.organization} (its metadata says so), not ${given}`,
      `Drop --organization to publish it to ${reviewed.organization}, or build the package for ${given}.`,
    );
  }
  return reviewed.organization;
}
