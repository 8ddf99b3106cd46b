import type { RetirementReason } from '../../api/releases.js';
import type { Context } from '../../context.js';
import { retireInDirectory, unretireInDirectory } from '../../repository/static-directory.js';
import { staticTarget } from '../static-target.js';

// `hexts retire NAME VERSION REASON --message MSG --to-dir PUBLIC_DIR --private-key KEY` (and
// `--unretire`): the retirement is recorded in PUBLIC_DIR/retirements.json and the static
// repository rebuilt, so clients see it in versions and packages/NAME. No API, no credentials.

const API_ONLY = [['organization', '--organization'], ['repo', '--repo'], ['key', '--key'], ['keyFile', '--key-file'], ['otp', '--otp']] as const;

export async function retireToDir(ctx: Context, name: string, version: string, retirement: { reason: RetirementReason; message: string } | undefined, opts: Record<string, unknown>): Promise<void> {
  const target = await staticTarget(ctx, opts, API_ONLY, 'changes a static repository');
  if (retirement) {
    await retireInDirectory(target, name, version, retirement);
    ctx.out.info(`${name} ${version} has been retired`);
  } else {
    const { wasRetired } = await unretireInDirectory(target, name, version);
    ctx.out.info(wasRetired ? `${name} ${version} has been unretired` : `${name} ${version} was not retired`);
  }
}
