import { checkOrganizationName } from '../api/permissions.js';
import { UsageError } from '../errors.js';
import { checkRepoName } from '../repository/repos.js';
import { PUBLIC_REPOSITORY } from '../repository/settings.js';

/**
 * Where --organization and --repo point: an organization's repository (`--organization ORG` or
 * `--repo hexpm:ORG`), an added repository, or the public one.
 */
export function repositoryChoice(opts: Record<string, unknown>): { organization?: string; repo?: string } {
  const repo = typeof opts.repo === 'string' ? checkRepoName(opts.repo) : undefined;
  const organization = typeof opts.organization === 'string' ? checkOrganizationName(opts.organization) : undefined;
  if (repo !== undefined && organization !== undefined) throw new UsageError('give either --organization or --repo, not both', `--organization ${organization} is the same as --repo hexpm:${organization}.`);
  if (repo === undefined || repo === PUBLIC_REPOSITORY) return { organization };
  if (repo.startsWith(`${PUBLIC_REPOSITORY}:`)) return { organization: checkOrganizationName(repo.slice(PUBLIC_REPOSITORY.length + 1)) };
  return { repo };
}

/**
 * repositoryChoice for reading packages or docs, where a key given for the run only reads an
 * organization's repository: --key or --key-file without one is a usage error.
 */
export function repositoryReadChoice(opts: Record<string, unknown>, what: 'packages' | 'docs' = 'packages'): { organization?: string; repo?: string } {
  const choice = repositoryChoice(opts);
  if (!choice.organization && (opts.key !== undefined || opts.keyFile !== undefined)) {
    throw new UsageError(
      `${opts.key !== undefined ? '--key' : '--key-file'} goes with --organization: ${choice.repo ? `repository ${choice.repo} is read with the auth key it was added with` : `public ${what} are fetched without a key`}`,
      choice.repo ? `Drop it; change the repository's key with \`hexts repo set ${choice.repo} --auth-key KEY\`.` : `Drop it, or add --organization ORG for a private ${what === 'docs' ? 'package\'s docs' : 'package'}.`,
    );
  }
  return choice;
}
