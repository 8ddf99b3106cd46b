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
