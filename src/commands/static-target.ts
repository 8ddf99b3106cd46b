import type { Context } from '../context.js';
import { readRegistrySigningKey } from '../credentials/registry-key.js';
import { UsageError } from '../errors.js';
import { changeLine, type StaticDirectory } from '../repository/static-directory.js';

/**
 * The static repository `--to-dir` names, with the key from `--private-key`, for commands that
 * change one (publish, retire). `apiOnly` are the options that mean something only to a
 * registry's API: given with --to-dir they are usage errors, `doing` says what --to-dir does.
 */
export async function staticTarget(ctx: Context, opts: Record<string, unknown>, apiOnly: ReadonlyArray<readonly [string, string]>, doing: string): Promise<StaticDirectory> {
  const dir = opts.toDir as string;
  for (const [option, flag] of apiOnly) {
    if (opts[option] !== undefined) throw new UsageError(`${flag} cannot be used with --to-dir, which ${doing}`, `Drop ${flag}.`);
  }
  if (typeof opts.privateKey !== 'string') throw new UsageError('--to-dir needs --private-key, the key that signs the repository', 'Give the PEM file the repository was built with (`hexts registry build`).');
  return {
    cwd: ctx.cwd,
    dir,
    key: await readRegistrySigningKey(ctx.cwd, opts.privateKey, dir),
    onChange: (change) => ctx.out.info(changeLine(change)),
    onWarning: (warning) => ctx.out.warn(`warning: ${warning}`),
  };
}
