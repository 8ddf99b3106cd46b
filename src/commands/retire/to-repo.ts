import { fixedAuthorization } from '../../api/client.js';
import { ApiError } from '../../api/errors.js';
import * as releases from '../../api/releases.js';
import type { Context } from '../../context.js';
import { readKeyForRun } from '../../credentials/key-input.js';
import { repositoryWriteAuthorization } from '../../credentials/repo-keys.js';
import { CliError } from '../../errors.js';
import { RepoConfig } from '../../repository/repos.js';

// `hexts retire … --repo NAME`: through the API a repository was added with (--api-url), as
// hex.pm's routes take it, or with an Erlang-term body for a mini_repo-style API (--publish
// legacy). A static directory has no API: `--to-dir` signs the change into it instead.

export async function retireInRepository(ctx: Context, repo: string, name: string, version: string, retirement: { reason: releases.RetirementReason; message: string } | undefined, opts: Record<string, unknown>): Promise<void> {
  const config = await ctx.config();
  const entry = await new RepoConfig(config.home).require(repo);
  if (!entry.api_url) {
    throw new CliError(`repository ${repo} has no API to retire through`, `Set it (\`hexts repo set ${repo} --api-url URL\`), or for a static directory sign the change in: \`hexts retire … --to-dir PUBLIC_DIR --private-key KEY\`.`);
  }
  const authorization = await repositoryWriteAuthorization(ctx, repo, entry, await readKeyForRun(opts, ctx.streams.stdin, ctx.env));
  if (!authorization) throw new CliError(`no credential for repository ${repo}`, `Set its key: \`hexts repo set ${repo} --auth-key KEY\`, or pass --key (or HEX_API_KEY).`);
  const client = await ctx.api({ apiUrl: entry.api_url, auth: fixedAuthorization(authorization.value, authorization.credential), otp: typeof opts.otp === 'string' ? opts.otp : undefined });
  const doing = retirement ? 'Retiring' : 'Unretiring';
  try {
    if (entry.publish === 'legacy') await releases.retireLegacy(client, name, version, retirement);
    else if (retirement) await releases.retire(client, name, version, retirement.reason, retirement.message);
    else await releases.unretire(client, name, version);
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    const why = err.status === 401 ? `${authorization.credential} was refused (401)` : err.message;
    throw new CliError(`${doing} ${name} ${version} in repository ${repo} failed: ${why}`, err.status === 401 ? `Set a current key: \`hexts repo set ${repo} --auth-key KEY\`, or pass --key.` : err.hint);
  }
  ctx.out.info(`${name} ${version} has been ${retirement ? 'retired' : 'unretired'} in repository ${repo}`);
}
