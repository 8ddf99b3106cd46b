import { fixedAuthorization } from '../../api/client.js';
import { ApiError } from '../../api/errors.js';
import * as releases from '../../api/releases.js';
import type { Context } from '../../context.js';
import { readKeyForRun } from '../../credentials/key-input.js';
import { repositoryWriteAuthorization } from '../../credentials/repo-keys.js';
import { CliError, UsageError } from '../../errors.js';
import { RepoConfig, type PublishMode } from '../../repository/repos.js';
import { redactUrl } from '../../util/net.js';
import { toolchainChoice } from '../options.js';
import { progressBar } from './progress.js';
import { packageToPublish } from './source.js';

// `hexts publish --repo NAME`: a package to a repository added with `hexts repo add`, through
// the API it was given (--api-url): hex.pm's releases route, or mini_repo's POST …/publish
// (`repo set NAME --publish legacy`, or found when the releases route answers 404, which
// means the server has no such route and took nothing). No account calls: such servers have
// no users. The credential: --key / HEX_API_KEY, else the repository's auth key.

export async function publishToRepository(ctx: Context, repo: string, what: 'all' | 'package' | 'docs', opts: Record<string, unknown>): Promise<void> {
  if (what === 'docs') throw new UsageError(`repository ${repo} takes packages only: hexts publishes docs to hex.pm-compatible APIs`, 'Run `hexts publish package --repo NAME`.');
  const config = await ctx.config();
  const entry = await new RepoConfig(config.home).require(repo);
  if (!entry.api_url) {
    throw new CliError(
      `repository ${repo} has no API to publish to`,
      `Set it: \`hexts repo set ${repo} --api-url https://HOST/api\` (mini_repo: https://HOST/api/repos/REPO with --publish legacy). For a static directory, use \`hexts publish --to-dir\`.`,
    );
  }
  const json = ctx.globals.json;
  const given = await readKeyForRun(opts, ctx.streams.stdin, ctx.env);

  const pkg = await packageToPublish(ctx, opts, { organization: undefined, toolchain: toolchainChoice(opts), printSummary: !json, publishing: true, secretScan: opts.scan === false ? undefined : { withheld: 'published' } });
  const { tarball, checksum } = pkg.release;
  const screen = (line = '') => (json ? ctx.out.info(line) : ctx.out.print(line));
  screen(`Publishing package to repository ${repo} using ${redactUrl(entry.api_url)}.`);
  if (what === 'all') ctx.out.info(`Docs are not published to repository ${repo}: it takes packages only.`);
  const result = { name: pkg.name, version: pkg.version, repository: repo, checksum };
  if (opts.dryRun) {
    ctx.out.info('Dry run: nothing was published.');
    if (json) ctx.out.json({ ...result, dry_run: true });
    return;
  }

  const authorization = await repositoryWriteAuthorization(ctx, repo, entry, given);
  if (!authorization) {
    throw new CliError(`no credential to publish to repository ${repo}`, `Set its key: \`hexts repo set ${repo} --auth-key KEY\`, or pass --key (or HEX_API_KEY).`);
  }
  if (!opts.yes) {
    const refusal = { message: 'publishing needs a confirmation, but there is no terminal to ask on', hint: 'Pass --yes to publish without the prompt.' };
    if (!ctx.interactive) throw new CliError(refusal.message, refusal.hint);
    await ctx.prompt.proceed('Proceed?', refusal);
  }

  const client = await ctx.api({ apiUrl: entry.api_url, auth: fixedAuthorization(authorization.value, authorization.credential) });
  const progress = progressBar(ctx, opts.progress !== false);
  let url: string | undefined;
  try {
    const mode: PublishMode = entry.publish ?? 'releases';
    if (mode === 'releases') {
      try {
        const { release } = await releases.publish(client, pkg.name, tarball, { replace: opts.replace === true, onProgress: progress.update });
        url = release.html_url ?? release.url;
      } catch (err) {
        if (!(err instanceof ApiError && err.status === 404 && entry.publish === undefined)) throw err;
        ctx.out.info(`${redactUrl(entry.api_url)} has no releases route (404); publishing through its legacy route (POST …/publish), as mini_repo takes packages.`);
        ctx.out.info(`Make it the default: \`hexts repo set ${repo} --publish legacy\`.`);
        url = (await releases.publishLegacy(client, tarball, { onProgress: progress.update })).url;
      }
    } else {
      url = (await releases.publishLegacy(client, tarball, { onProgress: progress.update })).url;
    }
  } catch (err) {
    if (err instanceof ApiError) {
      const why = err.status === 401 ? `${authorization.credential} was refused (401)` : `${err.message}`;
      throw new CliError(`Publishing to repository ${repo} failed: ${why}`, err.status === 401 ? `Set a current key: \`hexts repo set ${repo} --auth-key KEY\`, or pass --key.` : err.hint);
    }
    throw err;
  } finally {
    progress.done();
  }
  ctx.out.info();
  ctx.out.info(`Package published to repository ${repo}${url ? ` (${redactUrl(url)})` : ''} (${checksum})`);
  if (json) ctx.out.json({ ...result, package_url: url ?? null });
}
