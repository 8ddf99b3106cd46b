import { readdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Invocation } from '../../cli.js';
import type { Context } from '../../context.js';
import { checkOrganizationName } from '../../api/permissions.js';
import { CliError } from '../../errors.js';
import { buildPackage, loadPackage } from '../package-build.js';

// `hexts build`: like `mix hex.build` — the summary block, then the tarball and its checksum
// (or, with --unpack, the files and hex_metadata.config in a directory).
export async function run(ctx: Context, { opts }: Invocation): Promise<void> {
  const organization = typeof opts.organization === 'string' ? checkOrganizationName(opts.organization) : undefined;
  const prepared = await loadPackage(ctx, { organization, printSummary: !ctx.globals.json });
  const base = `${prepared.name}-${prepared.version}`;

  if (opts.unpack) {
    const directory = resolve(ctx.cwd, typeof opts.output === 'string' ? opts.output : base);
    const existing = await readdir(directory).catch(() => []);
    if (existing.length > 0) throw new CliError(`${directory} already exists and is not empty`, 'Remove it, or choose another directory with --output.');
    const built = await buildPackage(ctx, prepared, { unpackTo: directory });
    if (ctx.globals.json) ctx.out.json({ name: prepared.name, version: prepared.version, organization: prepared.organization ?? null, checksum: built.outerChecksum, directory });
    else ctx.out.print(`Saved to ${typeof opts.output === 'string' ? opts.output : base}`);
    return;
  }

  const path = resolve(ctx.cwd, typeof opts.output === 'string' ? opts.output : `${base}.tar`);
  const built = await buildPackage(ctx, prepared, { output: path });
  if (ctx.globals.json) {
    ctx.out.json({
      name: prepared.name,
      version: prepared.version,
      organization: prepared.organization ?? null,
      checksum: built.outerChecksum,
      inner_checksum: built.innerChecksum,
      size: built.size,
      path,
      files: prepared.files,
    });
    return;
  }
  ctx.out.print(`Package checksum: ${built.outerChecksum}`);
  ctx.out.print(`Saved to ${typeof opts.output === 'string' ? opts.output : `${base}.tar`}`);
}
