import { readdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Invocation } from '../../cli.js';
import type { Context } from '../../context.js';
import { checkOrganizationName } from '../../api/permissions.js';
import { CliError } from '../../errors.js';
import { toolchainChoice } from '../options.js';
import { buildPackage, loadPackage, PackageBuildError } from '../package-build.js';
import { SecretsFoundError } from '../secret-findings.js';

// `hexts build`: like `mix hex.build` — the summary block, then the tarball and its checksum
// (or, with --unpack, the files and hex_metadata.config in a directory). With --json, stdout
// gets one object either way: `ok: true` and the result, or `ok: false` and the error.
export async function run(ctx: Context, invocation: Invocation): Promise<void> {
  if (!ctx.globals.json) return build(ctx, invocation);
  try {
    await build(ctx, invocation);
  } catch (err) {
    ctx.out.json(failure(err));
    throw err; // and the human text on stderr, with the exit code
  }
}

async function build(ctx: Context, { opts }: Invocation): Promise<void> {
  const organization = typeof opts.organization === 'string' ? checkOrganizationName(opts.organization) : undefined;
  const prepared = await loadPackage(ctx, {
    organization,
    toolchain: toolchainChoice(opts),
    printSummary: !ctx.globals.json,
    secretScan: opts.scan === true ? { withheld: 'written' } : undefined,
  });
  const base = `${prepared.name}-${prepared.version}`;
  const result = { ok: true, name: prepared.name, version: prepared.version, organization: prepared.organization ?? null };
  const warnings = prepared.warnings.map((w) => w.trim());

  if (opts.unpack) {
    const directory = resolve(ctx.cwd, typeof opts.output === 'string' ? opts.output : base);
    const existing = await readdir(directory).catch(() => []);
    if (existing.length > 0) throw new CliError(`${directory} already exists and is not empty`, 'Remove it, or choose another directory with --output.');
    const built = await buildPackage(ctx, prepared, { unpackTo: directory });
    if (ctx.globals.json) ctx.out.json({ ...result, checksum: built.outerChecksum, directory, warnings });
    else ctx.out.print(`Saved to ${typeof opts.output === 'string' ? opts.output : base}`);
    return;
  }

  const path = resolve(ctx.cwd, typeof opts.output === 'string' ? opts.output : `${base}.tar`);
  const built = await buildPackage(ctx, prepared, { output: path });
  if (ctx.globals.json) {
    ctx.out.json({ ...result, checksum: built.outerChecksum, inner_checksum: built.innerChecksum, size: built.size, path, files: prepared.files, warnings });
    return;
  }
  ctx.out.print(`Package checksum: ${built.outerChecksum}`);
  ctx.out.print(`Saved to ${typeof opts.output === 'string' ? opts.output : `${base}.tar`}`);
}

/** The failure as --json reports it: what stderr says, as data, with the warnings printed before it. */
function failure(err: unknown) {
  const warnings = ((err as { warnings?: string[] }).warnings ?? []).map((w) => w.trim());
  const error =
    err instanceof PackageBuildError ? { message: err.message, hint: null, errors: err.errors }
    : err instanceof CliError ? { message: err.message, hint: err.hint ?? null, errors: [] }
    : { message: `unexpected failure: ${(err as Error)?.message ?? String(err)}`, hint: null, errors: [] };
  return { ok: false, error, warnings, ...(err instanceof SecretsFoundError ? { findings: err.findings } : {}) };
}
