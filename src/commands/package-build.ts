import type { Context } from '../context.js';
import { CliError } from '../errors.js';
import { resolveAssumptions, type ToolchainChoice } from '../elixir/assumptions.js';
import { preparePackage, type PreparedPackage } from '../package/project.js';
import { createProjectTarball, type PackageTarball } from '../package/tarball.js';
import { ERRORS_HEADER } from '../package/validate.js';
import { writeFailure } from '../util/fs-errors.js';
import type { DocsToScan, Withheld } from './secret-findings.js';

// The local half of build and publish: read mix.exs, print mix's summary block and
// warnings, stop on errors — all before any credential or request is needed.

/** Validation stopped the build: mix's ERRORS_HEADER, then one line per error. */
export class PackageBuildError extends CliError {
  constructor(readonly errors: string[], readonly warnings: string[]) {
    super(ERRORS_HEADER, errors.join('\n'));
  }
}

export interface LoadOptions {
  organization?: string;
  /** --elixir-version, --otp-release. */
  toolchain: ToolchainChoice;
  printSummary: boolean;
  /** Publishing stops on what hex.pm refuses but mix builds (Validation.publishRefusals); a build warns. */
  publishing?: boolean;
  /** Publishing to a static repository (--to-dir): hex.pm's refusals do not apply there. */
  staticRepository?: boolean;
  /**
   * Scans the files for secrets once the package is valid, before beforeShowing and so before
   * any request: a finding throws SecretsFoundError. `docs` lists the docs going up too.
   */
  secretScan?: { withheld: Withheld; packageFiles?: boolean; docs?: () => Promise<DocsToScan | undefined> };
  /** Runs before anything is shown of a package that is valid: publish checks its credential there. */
  beforeShowing?: (target: { organization?: string }) => Promise<void>;
}

export interface LoadedPackage extends PreparedPackage {
  /** Every warning printed, in order, in mix's words. */
  warnings: string[];
}

export async function loadPackage(ctx: Context, options: LoadOptions): Promise<LoadedPackage> {
  // Hex 2.5.1 prints its warnings on stdout, among the summary's lines (yellow, as here on a
  // terminal). Without a summary (--json, publish docs) they are diagnostics: stderr.
  const warn = (warning: string) => (options.printSummary ? ctx.out.print(ctx.out.style.yellow(warning)) : ctx.out.warn(warning));
  let prepared: PreparedPackage;
  try {
    prepared = await readPackage(ctx, options.organization, options.toolchain, !options.printSummary);
  } catch (err) {
    for (const warning of (err as { warnings?: string[] }).warnings ?? []) warn(warning);
    throw err;
  }
  const { configWarnings, summary, validation } = prepared;
  const refusals = options.staticRepository ? [] : validation.publishRefusals;
  const errors = options.publishing ? [...validation.errors, ...refusals.map((r) => r.error)] : validation.errors;
  // What hex.pm would refuse is hexts's own warning (mix says nothing): stderr, so stdout stays mix's.
  const ownWarnings = options.publishing ? [] : refusals.map((r) => r.warning);
  if (errors.length === 0 && options.secretScan) {
    const { withheld, packageFiles = true, docs } = options.secretScan;
    // Loaded only here: a build without --scan does not need the scanner.
    const { scanPackageFiles } = await import('./secret-findings.js');
    scanPackageFiles(ctx, prepared, withheld, { packageFiles, docs: await docs?.() });
  }
  if (errors.length === 0) await options.beforeShowing?.(prepared);
  for (const warning of configWarnings) warn(warning);
  if (options.printSummary) for (const line of summary.stdout) ctx.out.print(line);
  for (const line of summary.stderr) ctx.out.info(line);
  for (const warning of validation.warnings) warn(warning);
  for (const warning of ownWarnings) ctx.out.warn(warning);
  const warnings = [...configWarnings, ...validation.warnings, ...ownWarnings];
  if (errors.length > 0) throw new PackageBuildError(errors, warnings);
  return { ...prepared, warnings };
}

/**
 * Reads the package of the project in the current directory. What mix.exs printed is shown
 * as mix shows it (stdout goes to stderr when stdout is kept for data); --verbose lists the
 * answers reading it took from the stated toolchain and environment, also when it failed.
 */
export async function readPackage(ctx: Context, organization: string | undefined, toolchain: ToolchainChoice, quiet: boolean): Promise<PreparedPackage> {
  const assumptions = resolveAssumptions(ctx.env, toolchain);
  ctx.log(`reading mix.exs as Elixir ${assumptions.elixirVersion} on Erlang/OTP ${assumptions.otpRelease} would, with MIX_ENV=${assumptions.mixEnv}`);
  let prepared: PreparedPackage;
  try {
    prepared = await preparePackage(ctx.cwd, { organization, env: ctx.env, assumptions });
  } catch (err) {
    for (const note of (err as { assumptions?: string[] }).assumptions ?? []) ctx.log(`  ${note}`);
    throw err;
  }
  for (const note of prepared.assumptions) ctx.log(`  ${note}`);
  for (const { stream, text } of prepared.mixOutput) {
    if (stream === 'stdout' && !quiet) ctx.out.print(text.replace(/\n$/, ''));
    else ctx.out.info(text.replace(/\n$/, ''));
  }
  return prepared;
}

export async function buildPackage(
  ctx: Context,
  prepared: PreparedPackage,
  target: { output?: string; unpackTo?: string },
): Promise<PackageTarball> {
  if (target.unpackTo) {
    const built = await createProjectTarball(prepared, ctx.cwd);
    warnNameQuirks(ctx, built);
    // Loaded only here: the tarball reader is not needed to write one.
    const { unpackPackageTarball } = await import('../package/unpack.js');
    await unpackPackageTarball(built.tarball!, { output: { directory: target.unpackTo } }).catch((err: unknown) => {
      throw writeFailure('unpack into', target.unpackTo!, err);
    });
    return built;
  }
  const built = await createProjectTarball(prepared, ctx.cwd, target.output);
  warnNameQuirks(ctx, built);
  return built;
}

// mix writes these names the same way without a word; the tarball stays byte-identical to
// mix's, and the user learns what unpacking will make of them.
function warnNameQuirks(ctx: Context, built: PackageTarball): void {
  for (const { path, ...quirk } of built.nameQuirks) {
    if (quirk.kind === 'shortened') {
      ctx.out.warn(
        `${path} will be unpacked as ${quirk.readAs}: tar readers, Hex's included, take 155 bytes of its 156-byte directory ` +
          '(erl_tar, which mix uses, writes the last byte outside the header field). Any other directory length keeps the path.',
      );
    } else {
      const what = quirk.field === 'path' ? 'name' : 'link target';
      ctx.out.warn(
        `${path}: erl_tar, which mix uses, writes the length of its PAX ${quirk.field} record one byte short; Hex unpacks it, ` +
          `but GNU tar, Python's tarfile and node-tar misread or skip it. A shorter ${what} avoids this.`,
      );
    }
  }
}
