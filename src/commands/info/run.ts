import { missingApiHint } from '../../api/client.js';
import { ApiError } from '../../api/errors.js';
import * as packages from '../../api/packages.js';
import * as releases from '../../api/releases.js';
import type { Package as ApiPackage, Release as ApiRelease } from '../../api/types.js';
import type { Invocation } from '../../cli.js';
import { describeSource, displayValue } from '../../config/config.js';
import type { Context } from '../../context.js';
import { CliError, UsageError } from '../../errors.js';
import type { Output } from '../../io/output.js';
import { timestampToDate, type Package as RegistryPackage, type Release as RegistryRelease } from '../../repository/protobuf.js';
import { Repository, checkPackageName } from '../../repository/registry.js';
import { compareVersions, isValidVersion, parseVersion } from '../../repository/requirement.js';
import { retirementReason, retirementText } from '../../repository/resolve.js';
import { VERSION } from '../../version.js';
import { explainAccessError } from '../access-errors.js';
import { repositoryChoice } from '../repository-choice.js';

// `hexts info NAME [VERSION]` (mix hex.info): the package or one release from the API, laid
// out as mix prints it. When the credential may read the organization's repository but not
// the API (an organization key with only repository:ORG), the signed registry record is shown.
// Without NAME: this client and the registry it is set up for, as mix prints Hex's versions.

const RECENT_RELEASES = 8;

export async function run(ctx: Context, { args, opts }: Invocation): Promise<void> {
  const { organization, repo } = repositoryChoice(opts);
  if (args[0] === undefined) {
    if (organization || repo) throw new UsageError(`${repo ? '--repo' : '--organization'} needs a PACKAGE`, `Run \`hexts info PACKAGE ${repo ? `--repo ${repo}` : '--organization ORG'}\`.`);
    return showClient(ctx);
  }
  const name = checkPackageName(args[0]);
  const version = args[1];
  if (version !== undefined && !isValidVersion(version)) throw new UsageError(`invalid version "${version}"`, 'Give a full version, e.g. 1.4.0 or 2.0.0-rc.1.');
  // An added repository has files and no API: its signed records are what there is to show.
  if (repo) return showRegistryRecord(ctx, await (await Repository.open(ctx, { repo })).package(name), version, true);
  const credentials = await ctx.credentials();
  const fromRegistry = async () => {
    ctx.out.warn(`The credential here may not read the API, so this is what ${organization}'s signed registry holds (no description, licenses, links or publisher).`);
    showRegistryRecord(ctx, await (await Repository.open(ctx, { organization, credentials })).package(name), version);
  };
  if (organization && (await credentials.repositoryOnly(organization))) return fromRegistry();
  const client = await ctx.apiFor({ kind: 'api', access: 'read', organization, action: 'read package information' });

  let body: ApiPackage | ApiRelease;
  try {
    body = version === undefined ? await packages.get(client, name, organization) : await releases.get(client, name, version, organization);
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) {
      throw new CliError(
        version === undefined ? `No package with name ${name}` : `No release with name ${name} ${version}`,
        missingApiHint(client.apiUrl) ??
          (organization ? `Check the name, and that your credential may read organization ${organization}'s packages.` : 'Check the name; for a private package add --organization ORG.'),
      );
    }
    // A key whose permissions were not recorded when it was stored learns it here.
    if (organization && err instanceof ApiError && err.status === 401 && err.serverMessage === 'key not authorized for this action') return fromRegistry();
    throw explainAccessError(err, organization, 'read');
  }

  if (ctx.globals.json) ctx.out.json(body);
  else if (version === undefined) printPackage(ctx.out, body as ApiPackage);
  else printRelease(ctx.out, body as ApiRelease);
}

/** The settings `hexts info` shows, with their labels; proxies and CA certificates only when set. */
const CLIENT_SETTINGS = [
  ['api_url', 'API URL'],
  ['repo_url', 'Repository URL'],
  ['https_proxy', 'HTTPS proxy'],
  ['http_proxy', 'HTTP proxy'],
  ['no_proxy', 'No proxy for'],
  ['cacerts_path', 'CA certificates'],
] as const;

/** mix hex.info without a package prints Hex's, Elixir's and OTP's versions; here, hexts's and Node's, then the registry in use. */
async function showClient(ctx: Context): Promise<void> {
  const config = await ctx.config();
  const resolved = CLIENT_SETTINGS.map(([key, label]) => ({ label, ...config.resolve(key) }));
  if (ctx.globals.json) {
    ctx.out.json({
      hexts: VERSION,
      node: process.versions.node,
      platform: `${process.platform} ${process.arch}`,
      ...Object.fromEntries(resolved.map((s) => [s.key, s.value === undefined ? null : { value: displayValue(s.key, s.value), source: s.source }])),
      config_file: config.path,
    });
    return;
  }
  const settings = resolved.filter((s) => s.value !== undefined);
  ctx.out.print(`hexts: ${VERSION}`);
  ctx.out.print(`Node:  ${process.versions.node} (${process.platform} ${process.arch})`);
  ctx.out.print();
  const rows = [...settings.map((s) => [s.label, `${displayValue(s.key, s.value)} ${describeSource(s.source)}`]), ['Config file', config.path]];
  const width = Math.max(...rows.map(([label]) => label!.length)) + 2;
  for (const [label, value] of rows) ctx.out.print(`${`${label}:`.padEnd(width)}${value}`);
}

function printPackage(out: Output, pkg: ApiPackage): void {
  out.print(pkg.meta.description || 'No description provided');
  out.print();
  if (pkg.configs?.['mix.exs']) out.print(`Config: ${pkg.configs['mix.exs']}`);
  const retired = new Set(Object.keys(pkg.retirements ?? {}));
  printReleases(out, (pkg.releases ?? []).map((r) => ({ version: r.version, date: day(r.inserted_at), retired: retired.has(r.version) })));

  const downloads = pkg.downloads ?? {};
  const counts = ([['Yesterday', downloads.day], ['Last 7 days', downloads.week], ['All time', downloads.all]] as const)
    .filter(([, count]) => typeof count === 'number')
    .map(([label, count]) => `  ${label}: ${thousands(count!)}`);
  if (counts.length) {
    out.print('Downloads:');
    counts.forEach((line) => out.print(line));
    out.print();
  }
  if (pkg.meta.licenses?.length) out.print(`Licenses: ${pkg.meta.licenses.join(', ')}`);
  const links = Object.entries(pkg.meta.links ?? {});
  if (links.length) {
    out.print('Links:');
    for (const [label, url] of links) out.print(`  ${label}: ${url}`);
  }
}

/** mix's "Recent releases" block: the newest eight (retired ones in yellow), then "...". */
function printReleases(out: Output, list: Array<{ version: string; date?: string; retired: boolean }>): void {
  out.print();
  out.print('Recent releases:');
  for (const r of list.slice(0, RECENT_RELEASES)) {
    const text = r.version + (r.date ? ` (${r.date})` : '');
    out.print(['  ', r.retired ? out.style.yellow(`${text} (retired)`) : text]);
  }
  if (list.length > RECENT_RELEASES) out.print('  ...');
  out.print();
}

function printRelease(out: Output, release: ApiRelease): void {
  if (release.retirement) {
    const { reason, message } = release.retirement;
    out.print(out.style.yellow([out.style.bold('This version has been retired'), `: ${message ? `(${reason}) ${message}` : `(${reason})`}`]));
  }
  if (release.configs?.['mix.exs']) out.print(`Config: ${release.configs['mix.exs']}`);
  const released = day(release.inserted_at);
  if (released) out.print(`Released: ${released}`);
  if (release.has_docs && release.docs_html_url) out.print(`Documentation at: ${release.docs_html_url}`);
  if (typeof release.downloads === 'number') out.print(`Downloads: ${thousands(release.downloads)}`);
  printDependencies(out, Object.entries(release.requirements ?? {}).map(([dep, r]) => ({ name: dep, ...r })));
  if (release.publisher) out.print(`Published by: ${release.publisher.username}${release.publisher.email ? ` (${release.publisher.email})` : ''}`);
}

function printDependencies(out: Output, deps: Array<{ name: string; requirement: string; app?: string | null; optional?: boolean }>): void {
  if (deps.length === 0) return;
  out.print('Dependencies:');
  for (const d of [...deps].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    out.print(`  ${d.name} ${d.requirement}${d.app && d.app !== d.name ? ` (app: ${d.app})` : ''}${d.optional ? ' (optional)' : ''}`);
  }
}

// ---------------------------------------------------------------- from the signed registry

/** `added`: the record is from a repository added with `hexts repo add` (mix.exs names it with repo:). */
function showRegistryRecord(ctx: Context, record: RegistryPackage, version: string | undefined, added = false): void {
  const newestFirst = [...record.releases].sort((a, b) => compareVersions(b.version, a.version));
  const publishedAt = (r: RegistryRelease) => (r.publishedAt ? timestampToDate(r.publishedAt).toISOString() : null);
  const retirement = (r: RegistryRelease) => (r.retired ? { reason: retirementReason(r.retired), message: r.retired.message ?? null } : null);
  const requirements = (r: RegistryRelease) =>
    Object.fromEntries(r.dependencies.map((d) => [d.package, { app: d.app ?? d.package, requirement: d.requirement, optional: d.optional === true, repository: d.repository ?? record.repository }]));

  if (version !== undefined) {
    const release = record.releases.find((r) => r.version === version);
    if (!release) throw new CliError(`No release with name ${record.name} ${version}`);
    if (ctx.globals.json) {
      ctx.out.json({
        source: 'registry', repository: record.repository, name: record.name, version: release.version,
        checksum: release.outerChecksum?.toString('hex') ?? null, published_at: publishedAt(release), retirement: retirement(release), requirements: requirements(release),
      });
      return;
    }
    const out = ctx.out;
    if (release.retired) out.print(out.style.yellow([out.style.bold('This version has been retired'), `: ${retirementText(release.retired)}`]));
    out.print(`Config: ${mixSnippet(record.name, release.version, record.repository, added)}`);
    if (release.publishedAt) out.print(`Released: ${publishedAt(release)!.slice(0, 10)}`);
    printDependencies(out, Object.entries(requirements(release)).map(([dep, r]) => ({ name: dep, ...r })));
    return;
  }

  if (ctx.globals.json) {
    ctx.out.json({
      source: 'registry', repository: record.repository, name: record.name,
      releases: newestFirst.map((r) => ({ version: r.version, published_at: publishedAt(r), retirement: retirement(r), checksum: r.outerChecksum?.toString('hex') ?? null })),
    });
    return;
  }
  const snippetRelease = newestFirst.find((r) => parseVersion(r.version).pre.length === 0) ?? newestFirst[0];
  if (snippetRelease) ctx.out.print(`Config: ${mixSnippet(record.name, snippetRelease.version, record.repository, added)}`);
  printReleases(ctx.out, newestFirst.map((r) => ({ version: r.version, date: publishedAt(r)?.slice(0, 10), retired: r.retired !== undefined })));
}

/** hex.pm's mix.exs dependency snippet (HexpmWeb.PackageView.dep_snippet) for a package named like its app. */
function mixSnippet(name: string, version: string, repository: string, added = false): string {
  const v = parseVersion(version);
  const requirement = v.pre.length ? `~> ${v.major}.${v.minor}.${v.patch}-${v.pre.join('.')}` : v.major === 0 ? `~> 0.${v.minor}.${v.patch}` : `~> ${v.major}.${v.minor}`;
  const from = added ? `, repo: "${repository}"` : repository === 'hexpm' ? '' : `, organization: "${repository}"`;
  return `{:${name}, "${requirement}"${from}}`;
}

/** The date part of an ISO timestamp (mix prints releases by day). */
function day(timestamp: string | undefined | null): string | undefined {
  return timestamp && /^\d{4}-\d{2}-\d{2}/.test(timestamp) ? timestamp.slice(0, 10) : undefined;
}

/** 1234567 → "1 234 567", as mix prints download counts. */
function thousands(count: number): string {
  return String(count).replace(/\B(?=(\d{3})+(?!\d))/g, ' ');
}
