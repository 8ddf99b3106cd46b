// The signed registry record of every locked package, each read from the repository its lock
// entry names (Hex.Registry.Server.prefetch): `hexpm`, an organization's `hexpm:ORG` (with the
// credentials of `hexts organization auth` or a login), or a repository added with `hexts repo
// add`. All are fetched at once, at most http_concurrency requests in flight in all, each a
// conditional GET against the ETag cache, so a second run moves almost nothing.
import type { Context } from '../context.js';
import { CliError } from '../errors.js';
import type { Package } from '../repository/protobuf.js';
import { Repository } from '../repository/registry.js';
import { PUBLIC_REPOSITORY } from '../repository/settings.js';
import { mapLimited } from '../util/map-limited.js';
import type { LockedPackage } from './lock.js';

export interface PackageRecords {
  /** The record of a locked package (read before). */
  get(locked: Pick<LockedPackage, 'repo' | 'package'>): Package;
}

const key = (repo: string, name: string) => `${repo}\u0000${name}`;

/** Reads the records of `locked`, failing with every package that could not be read. */
export async function readPackageRecords(ctx: Context, locked: LockedPackage[]): Promise<PackageRecords> {
  const wanted = new Map<string, { repo: string; package: string }>();
  for (const l of locked) wanted.set(key(l.repo, l.package), { repo: l.repo, package: l.package });
  const repositories = new Map<string, Promise<Repository>>();
  const open = (repo: string): Promise<Repository> => {
    let pending = repositories.get(repo);
    if (!pending) {
      pending = openLockRepository(ctx, repo);
      repositories.set(repo, pending);
    }
    return pending;
  };
  const targets = [...wanted.values()];
  const limit = targets.length === 0 ? 1 : (await open(targets[0]!.repo)).settings.concurrency;
  const outcomes = await mapLimited(targets, limit, async ({ repo, package: name }): Promise<{ record: Package } | { error: unknown }> => {
    try {
      return { record: await (await open(repo)).package(name) };
    } catch (error) {
      return { error };
    }
  });

  const records = new Map<string, Package>();
  const failures: Array<{ repo: string; name: string; error: unknown }> = [];
  outcomes.forEach((outcome, i) => {
    const { repo, package: name } = targets[i]!;
    if ('record' in outcome) records.set(key(repo, name), outcome.record);
    else failures.push({ repo, name, error: outcome.error });
  });
  if (failures.length === 1) throw failures[0]!.error;
  if (failures.length > 1) {
    for (const { repo, name, error } of failures) {
      if (!(error instanceof CliError)) throw error;
      ctx.out.error(`${name} (${repo}): ${error.message}`, error.hint);
    }
    throw new CliError(`${failures.length} of ${targets.length} locked packages could not be read from their repositories`);
  }
  return {
    get(l) {
      const record = records.get(key(l.repo, l.package));
      if (!record) throw new Error(`${l.package} (${l.repo}) was not read`);
      return record;
    },
  };
}

/** The repository a lock names: `hexpm`, `hexpm:ORG`, or one added with `hexts repo add`. */
async function openLockRepository(ctx: Context, repo: string): Promise<Repository> {
  if (repo === PUBLIC_REPOSITORY) return Repository.open(ctx, {});
  if (repo.startsWith(`${PUBLIC_REPOSITORY}:`)) {
    return Repository.open(ctx, { organization: repo.slice(PUBLIC_REPOSITORY.length + 1), credentials: await ctx.credentials() });
  }
  try {
    return await Repository.open(ctx, { repo });
  } catch (err) {
    if (err instanceof CliError && err.message === `unknown repository "${repo}"`) {
      throw new CliError(
        `mix.lock has packages of repository "${repo}", which hexts does not know`,
        `Add it as mix knows it (mix hex.repo show ${repo} --url): \`hexts repo add ${repo} URL\`.`,
      );
    }
    throw err;
  }
}
