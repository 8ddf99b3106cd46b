import * as releases from '../../api/releases.js';
import type { Invocation } from '../../cli.js';
import type { Context } from '../../context.js';
import { UsageError } from '../../errors.js';
import { countGraphemes } from '../../util/graphemes.js';
import { isValidVersion } from '../../repository/requirement.js';
import { attempt } from '../package-refusals.js';
import { repositoryChoice } from '../repository-choice.js';

// `hexts retire PACKAGE VERSION REASON --message MSG` and `… --unretire`, as `mix hex.retire`
// (client.md §1.5). commander has checked REASON; the message is checked here as hex.pm
// checks it (3 to 140 characters), so a bad one costs no request and no 2FA code.

/** hex.pm's limit (ReleaseRetirement: validate_length(:message, min: 3, max: 140)). */
const MAX_MESSAGE_LENGTH = 140;

export async function run(ctx: Context, { args, opts }: Invocation): Promise<void> {
  const [name, version, reason] = args as [string, string, releases.RetirementReason | undefined];
  const { organization, repo } = repositoryChoice(opts);
  const message = opts.message as string | undefined;
  if (!isValidVersion(version)) throw new UsageError(`invalid version "${version}"`, 'Give the full version of the release, e.g. 1.4.0 or 2.0.0-rc.1.');

  if (opts.unretire) {
    if (reason !== undefined) throw new UsageError('--unretire takes no REASON', 'Usage: hexts retire PACKAGE VERSION --unretire');
    if (message !== undefined) throw new UsageError('--message goes with a REASON, not with --unretire');
  } else {
    if (reason === undefined) {
      throw new UsageError('give the REASON for retiring (renamed, deprecated, security, invalid or other), or --unretire', 'Usage: hexts retire PACKAGE VERSION REASON --message MSG');
    }
    if (message === undefined) throw new UsageError('Missing required flag --message', 'Say in 3 to 140 characters why, e.g. --message "has a breaking bug, use 1.2.1".');
    // Ecto counts graphemes. Counting stops a little past the limit, so a huge message costs nothing.
    const countedUpTo = 10 * MAX_MESSAGE_LENGTH;
    const length = countGraphemes(message, countedUpTo);
    if (length < 3 || length > MAX_MESSAGE_LENGTH) {
      throw new UsageError(`--message must be 3 to ${MAX_MESSAGE_LENGTH} characters long; it has ${length > countedUpTo ? `more than ${countedUpTo}` : length}`);
    }
  }

  if (typeof opts.toDir === 'string') {
    return (await import('./to-dir.js')).retireToDir(ctx, name, version, opts.unretire ? undefined : { reason: reason!, message: message! }, opts);
  }
  if (repo) {
    if (opts.privateKey !== undefined) throw new UsageError('--private-key goes with --to-dir: a repository with an API signs its own files');
    return (await import('./to-repo.js')).retireInRepository(ctx, repo, name, version, opts.unretire ? undefined : { reason: reason!, message: message! }, opts);
  }
  if (opts.privateKey !== undefined) throw new UsageError('--private-key goes with --to-dir', 'It signs a static repository: `hexts retire NAME VERSION REASON --message MSG --to-dir PUBLIC_DIR --private-key KEY`.');
  const client = await ctx.apiFor({ kind: 'api', access: 'write', organization, action: opts.unretire ? 'unretire a release' : 'retire a release' }, { otp: opts.otp });
  const action = { package: name, version, organization, needs: 'maintainer' as const };
  if (opts.unretire) {
    await attempt(client, { ...action, failed: 'Unretiring package failed' }, () => releases.unretire(client, name, version, organization));
    ctx.out.info(`${name} ${version} has been unretired`);
  } else {
    await attempt(client, { ...action, failed: 'Retiring package failed' }, () => releases.retire(client, name, version, reason!, message, organization));
    ctx.out.info(`${name} ${version} has been retired`);
  }
}
