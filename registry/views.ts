import { compareVersions, parseVersion } from '../src/repository/requirement.js';
import { publicEmail } from './accounts.js';
import { compareStrings, HEXPM, type Core } from './core.js';
import type { ViewValue } from './http.js';
import type { Key, Organization, Package, Release, Role, User } from './state.js';

// The JSON shapes of hexpm's API views (HexpmWeb.API.*View). URLs point at this registry.

type Obj = { [key: string]: ViewValue };

const date = (ms: number): Date => new Date(ms);
const seg = encodeURIComponent;

export function userUrl(core: Core, user: User): string {
  return `${core.url}/api/users/${seg(user.username)}`;
}

export function packageUrl(core: Core, pkg: Package): string {
  return pkg.repository === HEXPM
    ? `${core.url}/api/packages/${seg(pkg.name)}`
    : `${core.url}/api/repos/${seg(pkg.repository)}/packages/${seg(pkg.name)}`;
}

export function releaseUrl(core: Core, pkg: Package, version: string): string {
  return `${packageUrl(core, pkg)}/releases/${seg(version)}`;
}

export function packageHtmlUrl(core: Core, pkg: Package): string {
  return pkg.repository === HEXPM
    ? `${core.url}/packages/${seg(pkg.name)}`
    : `${core.url}/packages/${seg(pkg.repository)}/${seg(pkg.name)}`;
}

/** Docs pages (not served here; hex.pm's live on hexdocs.pm). */
function docsHtmlUrl(core: Core, pkg: Package, version: string | null): string {
  const base = pkg.repository === HEXPM ? `${core.url}/docs/${seg(pkg.name)}/` : `${core.url}/docs/${seg(pkg.repository)}/${seg(pkg.name)}/`;
  return version === null ? base : `${base}${seg(version)}/`;
}

/** Where a docs tarball is served: `<url>/repo/[repos/<org>/]docs/<name>-<version>.tar.gz`. */
export function docsTarballPath(pkg: Package, version: string): string {
  const prefix = pkg.repository === HEXPM ? '' : `repos/${pkg.repository}/`;
  return `${prefix}docs/${pkg.name}-${version}.tar.gz`;
}

export function tarballPath(pkg: Package, version: string): string {
  const prefix = pkg.repository === HEXPM ? '' : `repos/${pkg.repository}/`;
  return `${prefix}tarballs/${pkg.name}-${version}.tar`;
}

// ---------------------------------------------------------------- users

export function userMinimal(core: Core, user: User): Obj {
  const out: Obj = { username: user.username, url: userUrl(core, user) };
  const email = publicEmail(user);
  if (email) out.email = email;
  return out;
}

export function userShow(core: Core, user: User, ownedPackages?: Package[]): Obj {
  const out: Obj = {
    username: user.username,
    full_name: user.fullName,
    handles: { ...user.handles },
    url: userUrl(core, user),
    inserted_at: date(user.insertedAt),
    updated_at: date(user.updatedAt),
  };
  const email = publicEmail(user);
  if (email) out.email = email;
  if (ownedPackages) {
    const sorted = [...ownedPackages].sort(
      (a, b) => repositoryOrder(a.repository, b.repository) || compareStrings(a.name, b.name),
    );
    out.owned_packages = Object.fromEntries(sorted.map((p) => [p.name, packageUrl(core, p)]));
    out.packages = sorted.map((p) => ({
      name: p.name,
      repository: p.repository,
      url: packageUrl(core, p),
      html_url: packageHtmlUrl(core, p),
    }));
  }
  return out;
}

/** hexpm first, then the organizations by name. */
export function repositoryOrder(a: string, b: string): number {
  if (a === b) return 0;
  if (a === HEXPM) return -1;
  if (b === HEXPM) return 1;
  return compareStrings(a, b);
}

export function ownedPackages(core: Core, user: User): Package[] {
  return core.data.packages.filter((p) => p.owners.some((o) => o.userId === user.id));
}

export function userMe(core: Core, user: User): Obj {
  return {
    ...userShow(core, user, ownedPackages(core, user)),
    organizations: core.organizationsOf(user).map((o) => ({
      name: o.name,
      role: o.members.find((m) => m.userId === user.id)!.role,
    })),
  };
}

export function memberMinimal(core: Core, user: User, role: Role): Obj {
  return { ...userMinimal(core, user), role };
}

export function memberShow(core: Core, user: User, role: Role): Obj {
  return { ...userShow(core, user), role };
}

// ---------------------------------------------------------------- organizations, repositories, keys

export function organizationIndex(organization: Organization): Obj {
  return {
    name: organization.name,
    billing_active: organization.billingActive,
    inserted_at: date(organization.insertedAt),
    updated_at: date(organization.updatedAt),
  };
}

export function organizationShow(organization: Organization): Obj {
  return { ...organizationIndex(organization), seats: organization.seats };
}

export function repositoryView(core: Core, name: string): Obj {
  const org = core.repositoryOrganization(name);
  const insertedAt = org?.insertedAt ?? core.data.createdAt;
  return { name, inserted_at: date(insertedAt), updated_at: date(org?.updatedAt ?? insertedAt) };
}

export function keyView(core: Core, key: Key, authingKeyId: number | null, secret: string | null = null): Obj {
  const out: Obj = {
    name: key.name,
    authing_key: authingKeyId === key.id,
    secret,
    permissions: key.permissions.map((p) => ({ domain: p.domain, resource: p.resource })),
    revoke_at: key.revokeAt === null ? null : date(key.revokeAt),
    inserted_at: date(key.insertedAt),
    updated_at: date(key.updatedAt),
    url: `${core.url}/api/keys/${seg(key.name)}`,
  };
  if (key.lastUse) {
    out.last_use = { used_at: date(key.lastUse.usedAt), ip: key.lastUse.ip, user_agent: key.lastUse.userAgent };
  }
  return out;
}

// ---------------------------------------------------------------- packages and releases

export function sortReleasesDescending(releases: Release[]): Release[] {
  return [...releases].sort((a, b) => compareVersions(b.version, a.version));
}

function latest(releases: Release[], stableOnly: boolean): Release | null {
  const candidates = stableOnly ? releases.filter((r) => parseVersion(r.version).pre.length === 0) : releases;
  return sortReleasesDescending(candidates)[0] ?? null;
}

export function packageShow(core: Core, pkg: Package, options: { owners: boolean }): Obj {
  const releases = sortReleasesDescending(core.releasesOf(pkg));
  const latestRelease = latest(releases, false);
  const latestStable = latest(releases, true);
  const snippetRelease = latestStable ?? latestRelease;
  const out: Obj = {
    repository: pkg.repository,
    name: pkg.name,
    inserted_at: date(pkg.insertedAt),
    updated_at: date(pkg.updatedAt),
    url: packageUrl(core, pkg),
    html_url: packageHtmlUrl(core, pkg),
    docs_html_url: releases.some((r) => r.hasDocs) ? docsHtmlUrl(core, pkg, null) : null,
    latest_version: latestRelease?.version ?? null,
    latest_stable_version: latestStable?.version ?? null,
    configs: snippetRelease ? configs(pkg, snippetRelease) : null,
    meta: {
      description: pkg.meta.description,
      licenses: pkg.meta.licenses ?? [],
      links: pkg.meta.links ?? {},
      maintainers: pkg.meta.maintainers ?? [],
    },
    releases: releases.map((r) => ({
      version: r.version,
      url: releaseUrl(core, pkg, r.version),
      has_docs: r.hasDocs,
      inserted_at: date(r.insertedAt),
    })),
    retirements: Object.fromEntries(
      releases
        .filter((r) => r.retirement)
        .map((r) => [r.version, { reason: r.retirement!.reason, message: r.retirement!.message }]),
    ),
    downloads: {},
  };
  if (options.owners) {
    out.owners = pkg.owners
      .map((o) => core.user(o.userId))
      .filter((u): u is User => u !== undefined)
      .sort((a, b) => compareStrings(a.username, b.username))
      .map((u) => userMinimal(core, u));
  }
  return out;
}

export function releaseShow(core: Core, pkg: Package, release: Release, downloads: ViewValue = 0): Obj {
  const publisher = core.user(release.publisherId);
  return {
    version: release.version,
    checksum: release.outerChecksum,
    has_docs: release.hasDocs,
    inserted_at: date(release.insertedAt),
    updated_at: date(release.updatedAt),
    retirement: release.retirement ? { reason: release.retirement.reason, message: release.retirement.message } : null,
    package_url: packageUrl(core, pkg),
    url: releaseUrl(core, pkg, release.version),
    html_url: `${packageHtmlUrl(core, pkg)}/${seg(release.version)}`,
    docs_html_url: release.hasDocs ? docsHtmlUrl(core, pkg, release.version) : null,
    requirements: Object.fromEntries(
      release.requirements.map((r) => [r.name, { app: r.app, requirement: r.requirement, optional: r.optional }]),
    ),
    configs: configs(pkg, release),
    meta: { app: release.meta.app, build_tools: [...new Set(release.meta.buildTools)], elixir: release.meta.elixir },
    downloads,
    publisher: publisher ? userMinimal(core, publisher) : null,
    security_advisories: [],
  };
}

// ---------------------------------------------------------------- dependency snippets (PackageView.dep_snippet)

function configs(pkg: Package, release: Release): Obj {
  const app = release.meta.app || pkg.name;
  const parsed = parseVersion(release.version);
  const pre = parsed.pre.length > 0 ? `-${parsed.pre.join('.')}` : '';
  const mixVersion =
    pre !== ''
      ? `~> ${parsed.major}.${parsed.minor}.${parsed.patch}${pre}`
      : parsed.major === 0
        ? `~> 0.${parsed.minor}.${parsed.patch}`
        : `~> ${parsed.major}.${parsed.minor}`;
  const plainVersion = `${parsed.major}.${parsed.minor}.${parsed.patch}${pre}`;
  const organization = pkg.repository === HEXPM ? '' : `, organization: ${JSON.stringify(pkg.repository)}`;
  const mix =
    app === pkg.name
      ? `{:${pkg.name}, "${mixVersion}"${organization}}`
      : `{${/^[a-zA-Z_][a-zA-Z_0-9]*$/.test(app) ? `:${app}` : `:${JSON.stringify(app)}`}, "${mixVersion}", hex: :${pkg.name}${organization}}`;
  const rebar =
    app === pkg.name
      ? `{${pkg.name}, "${plainVersion}"}`
      : `{${/^[a-z][a-zA-Z_0-9]*$/.test(app) ? app : `'${app}'`}, "${plainVersion}", {pkg, ${pkg.name}}}`;
  return { 'mix.exs': mix, 'rebar.config': rebar, 'erlang.mk': `dep_${pkg.name} = hex ${plainVersion}` };
}
