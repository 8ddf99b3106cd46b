import { ApiError } from '../../api/errors.js';
import * as packages from '../../api/packages.js';
import type { Invocation } from '../../cli.js';
import type { Context } from '../../context.js';
import { renderTable } from '../../io/table.js';
import { Repository } from '../../repository/registry.js';
import { compareVersions, isValidVersion, parseVersion } from '../../repository/requirement.js';
import { explainAccessError } from '../access-errors.js';
import { repositoryChoice } from '../repository-choice.js';

// `hexts package search QUERY` (mix hex.package search): GET [/repos/ORG]/packages?search=…
// sorted by downloads, as a table of package, description, newest stable version and URL,
// with an Organization column when private packages are among the results. A key that may
// read the organization's repository but not the API searches the signed package names.

export async function run(ctx: Context, { args, opts }: Invocation): Promise<void> {
  const { organization, repo } = repositoryChoice(opts);
  const credentials = await ctx.credentials();
  const fromRegistry = async (org: string) => {
    ctx.out.warn(`The credential here may not read the API, so these are the names in ${org}'s signed registry that contain "${args[0]}".`);
    return searchRegistry(await Repository.open(ctx, { organization: org, credentials }), args[0]!);
  };
  let rows: Row[];
  // An added repository has no search API: its signed names are what there is to search.
  if (repo) rows = await searchRegistry(await Repository.open(ctx, { repo }), args[0]!);
  else if (organization && (await credentials.repositoryOnly(organization))) rows = await fromRegistry(organization);
  else rows = await searchApi(ctx, args[0]!, organization, fromRegistry);
  if (ctx.globals.json) {
    ctx.out.json(rows);
    return;
  }
  if (rows.length === 0) {
    ctx.out.info('No packages found');
    return;
  }
  const withOrganizations = rows.some((r) => r.repository !== 'hexpm');
  const withDescriptions = rows.some((r) => r.description !== null);
  const headers = [...(withOrganizations ? [repo ? 'Repository' : 'Organization'] : []), 'Package', ...(withDescriptions ? ['Description'] : []), 'Version', 'URL'];
  const table = rows.map((r) => [
    ...(withOrganizations ? [r.repository === 'hexpm' ? '' : r.repository] : []),
    r.name,
    ...(withDescriptions ? [truncate(r.description ?? '')] : []),
    r.version ?? '',
    r.url ?? '',
  ]);
  for (const line of renderTable(headers, table, ctx.out.style.underline)) ctx.out.print(line);
}

/** The API's search, sorted by downloads; a key that turns out not to read the API searches the registry. */
async function searchApi(ctx: Context, query: string, organization: string | undefined, fromRegistry: (org: string) => Promise<Row[]>): Promise<Row[]> {
  const client = await ctx.apiFor({ kind: 'api', access: 'read', organization, action: 'search packages' });
  try {
    const found = await packages.search(client, { search: query, sort: 'downloads' }, organization);
    return found.map((p) => ({
      repository: p.repository,
      name: p.name,
      description: oneLine(p.meta.description ?? ''),
      version: newestStable((p.releases ?? []).map((r) => r.version)),
      url: p.html_url || p.url || null,
    }));
  } catch (err) {
    if (organization && err instanceof ApiError && err.status === 401 && err.serverMessage === 'key not authorized for this action') return fromRegistry(organization);
    throw explainAccessError(err, organization, 'read');
  }
}

interface Row {
  repository: string;
  name: string;
  /** Null when only the registry was read. */
  description: string | null;
  version: string | null;
  url: string | null;
}

/** Names containing the query, from a repository's signed `names` and `versions` files. */
async function searchRegistry(repository: Repository, query: string): Promise<Row[]> {
  const [names, versions] = await Promise.all([repository.names(), repository.versions()]);
  const byName = new Map(versions.packages.map((p) => [p.name, p]));
  const needle = query.toLowerCase();
  return names.packages
    .filter((p) => p.name.toLowerCase().includes(needle))
    .map((p) => {
      const entry = byName.get(p.name);
      const retired = new Set(entry?.retired.map((i) => entry.versions[i]));
      return { repository: repository.name, name: p.name, description: null, version: newestStable((entry?.versions ?? []).filter((v) => !retired.has(v))), url: null };
    });
}

/** A multi-line description on one line, each line trimmed (mix's trim_heredoc). */
function oneLine(text: string): string {
  return text.split('\n').map((l) => l.trim()).filter((l) => l !== '').join(' ');
}

/** Hex.Utils.truncate: 50 characters, then "...". */
function truncate(text: string): string {
  const chars = [...text];
  return chars.length < 50 ? text : chars.slice(0, 50).join('') + '...';
}

/** The newest version without a pre-release part. */
function newestStable(versions: string[]): string | null {
  const stable = versions.filter((v) => isValidVersion(v) && parseVersion(v).pre.length === 0);
  return stable.sort((a, b) => compareVersions(b, a))[0] ?? null;
}
