import type { Context } from '../context.js';
import { encodeMetadata } from '../erlang/pretty.js';
import { CliError } from '../errors.js';
import { preparePackage, type PreparedPackage } from '../package/project.js';
import { createPackageTarball, type PackageTarball } from '../package/tarball.js';
import { ERRORS_HEADER } from '../package/validate.js';
import { writeFailure } from '../util/fs-errors.js';

// The local half of build and publish: read mix.exs, print mix's summary block and
// warnings, stop on errors — all before any credential or request is needed.

export class PackageBuildError extends CliError {
  constructor(readonly lines: string[]) {
    super(lines[0]!, lines.slice(1).join('\n'));
  }
}

export interface LoadOptions {
  organization?: string;
  printSummary: boolean;
  /** Runs before anything is shown of a package that is valid: publish checks its credential there. */
  beforeShowing?: (prepared: PreparedPackage) => Promise<void>;
}

export async function loadPackage(ctx: Context, options: LoadOptions): Promise<PreparedPackage> {
  let prepared: PreparedPackage;
  try {
    prepared = await preparePackage(ctx.cwd, { organization: options.organization, env: ctx.env });
  } catch (err) {
    const warnings = (err as { warnings?: string[] }).warnings ?? [];
    for (const warning of warnings) ctx.out.warn(warning.trim());
    throw err;
  }
  if (prepared.validation.errors.length === 0) await options.beforeShowing?.(prepared);
  for (const warning of prepared.configWarnings) ctx.out.warn(warning.trim());
  if (options.printSummary) for (const line of prepared.summary.stdout) ctx.out.print(line);
  for (const line of prepared.summary.stderr) ctx.out.info(line);
  for (const warning of prepared.validation.warnings) ctx.out.warn(warning.trim());
  if (prepared.validation.errors.length > 0) throw new PackageBuildError([ERRORS_HEADER, ...prepared.validation.errors]);
  return prepared;
}

export async function buildPackage(
  ctx: Context,
  prepared: PreparedPackage,
  target: { output?: string; unpackTo?: string },
): Promise<PackageTarball> {
  const metadataConfig = encodeMetadata(prepared.metadata);
  const files = prepared.files.map((path) => ({ path }));
  if (target.unpackTo) {
    const built = await createPackageTarball({ metadataConfig, files, root: ctx.cwd });
    warnNameQuirks(ctx, built);
    // Loaded only here: the tarball reader is not needed to write one.
    const { unpackPackageTarball } = await import('../package/unpack.js');
    await unpackPackageTarball(built.tarball!, { output: { directory: target.unpackTo } }).catch((err: unknown) => {
      throw writeFailure('unpack into', target.unpackTo!, err);
    });
    return built;
  }
  const built = await createPackageTarball({ metadataConfig, files, root: ctx.cwd, output: target.output });
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
