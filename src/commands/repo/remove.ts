import type { Invocation } from '../../cli.js';
import type { Context } from '../../context.js';
import { mixConfigPath, writeMixRepo } from '../../credentials/mix-config.js';
import { deleteRepoKey } from '../../credentials/repo-keys.js';
import { UsageError } from '../../errors.js';
import { RepoConfig, checkRepoName } from '../../repository/repos.js';
import { PUBLIC_REPOSITORY } from '../../repository/settings.js';

// `hexts repo remove NAME` (mix hex.repo remove): forgets an added repository and its auth key.
// As in mix, an unknown name is no error.
export async function run(ctx: Context, { args, opts }: Invocation): Promise<void> {
  const name = checkRepoName(args[0]!);
  if (name === PUBLIC_REPOSITORY || name.startsWith(`${PUBLIC_REPOSITORY}:`)) {
    const org = name.slice(PUBLIC_REPOSITORY.length + 1);
    throw new UsageError(`${name} is not an added repository`, org ? `Forget organization ${org}'s key with \`hexts organization deauth ${org}\`.` : 'hexpm is always there; point it elsewhere with `hexts config repo_url`.');
  }
  const config = await ctx.config();
  const existed = await new RepoConfig(config.home).change((all) => {
    const had = Object.hasOwn(all, name);
    delete all[name];
    return had;
  });
  await deleteRepoKey(ctx, name);
  if (opts.mix === true) {
    const path = mixConfigPath(ctx.env);
    await writeMixRepo(path, name, { remove: true });
    ctx.out.info(`Removed repository ${name} from ${path}.`);
  }
  ctx.out.info(existed ? `Removed repository ${name}.` : `No repository ${name} was added; nothing to remove.`);
}
