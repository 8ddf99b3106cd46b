import type { RetirementReason } from '../../api/releases.js';
import type { Context } from '../../context.js';
import { readRegistrySigningKey } from '../../credentials/registry-key.js';
import { UsageError } from '../../errors.js';
import { changeLine, retireInDirectory, unretireInDirectory, type StaticDirectory } from '../../repository/static-directory.js';

// `hexts retire NAME VERSION REASON --message MSG --to-dir PUBLIC_DIR --private-key KEY` (and
// `--unretire`): the retirement is recorded in PUBLIC_DIR/retirements.json and the static
// repository rebuilt, so clients see it in versions and packages/NAME. No API, no credentials.

const API_ONLY = [['organization', '--organization'], ['repo', '--repo'], ['key', '--key'], ['keyFile', '--key-file'], ['otp', '--otp']] as const;

export async function retireToDir(ctx: Context, name: string, version: string, retirement: { reason: RetirementReason; message: string } | undefined, opts: Record<string, unknown>): Promise<void> {
  const dir = opts.toDir as string;
  for (const [option, flag] of API_ONLY) {
    if (opts[option] !== undefined) throw new UsageError(`${flag} cannot be used with --to-dir, which changes a static repository`, `Drop ${flag}.`);
  }
  if (typeof opts.privateKey !== 'string') throw new UsageError('--to-dir needs --private-key, the key that signs the repository', 'Give the PEM file the repository was built with (`hexts registry build`).');
  const target: StaticDirectory = {
    cwd: ctx.cwd,
    dir,
    key: await readRegistrySigningKey(ctx.cwd, opts.privateKey, dir),
    onChange: (change) => ctx.out.info(changeLine(change)),
    onWarning: (warning) => ctx.out.warn(`warning: ${warning}`),
  };
  if (retirement) {
    await retireInDirectory(target, name, version, retirement);
    ctx.out.info(`${name} ${version} has been retired`);
  } else {
    const { wasRetired } = await unretireInDirectory(target, name, version);
    ctx.out.info(wasRetired ? `${name} ${version} has been unretired` : `${name} ${version} was not retired`);
  }
}
