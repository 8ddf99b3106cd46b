import { isValidLicense } from '../src/package/licenses.js';
import type { AdvisorySeverity, RetirementReason } from '../src/repository/protobuf.js';
import { isValidRequirement, isValidVersion } from '../src/repository/requirement.js';
import type { Errors } from './accounts.js';
import { castString, castStringList, characters, isRecord } from './cast.js';
import { HEXPM, type Core } from './core.js';
import type { ViewValue } from './http.js';
import { buildNames, buildPackage, buildVersions, type RepoPackage } from './repository/files.js';
import type { Package, PackageMeta, Release, Requirement, Retirement, User } from './state.js';
import { docsTarballPath, tarballPath } from './views.js';

// Publishing, reverting, retiring, docs and ownership, with the checks and messages of
// hexpm's Releases/Package/Release/Requirement changesets; and the signed registry files,
// rebuilt after every change.

const RESERVED_PACKAGE_NAMES = new Set([
  ...'eex elixir elixirc ex_unit iex logger mix'.split(' '),
  ...'otp asn1 common_test compiler crypto debugger dialyzer diameter edoc eldap erl_docgen erl_interface erts et eunit ftp hipe inets jinterface kernel megaco mnesia observer odbc os_mon parsetools public_key reltool runtime_tools sasl snmp ssh ssl stdlib syntax_tools toolbar tools typer wx xmerl'.split(' '),
  ...'tftp httpc httpd'.split(' '),
  ...'erlang typer to_erl run_erl escript erlc erl epmd dialyzer ct_run rebar rebar3 hex hexpm mix_hex'.split(' '),
  ...'net http net_http gen_http'.split(' '),
  ...'nul con prn aux com1 com2 com3 com4 com5 com6 com7 com8 com9 lpt1 lpt2 lpt3 lpt4 lpt5 lpt6 lpt7 lpt8 lpt9'.split(' '),
  ...'package organization www myapp lock locked all assets'.split(' '),
  ...'api docs preview search staging stats static'.split(' '),
]);
const RETIREMENT_REASONS = ['other', 'invalid', 'security', 'deprecated', 'renamed'];
const MAX_NUMERIC_COMPONENT = 99_999_999_999_999;
const HOUR_MS = 60 * 60 * 1000;

const inspect = (s: string): string => JSON.stringify(s);

function put(errors: Errors, field: string, message: ViewValue): void {
  if (!(field in errors)) errors[field] = message;
}

// ---------------------------------------------------------------- publish

export interface PublishInput {
  repository: string;
  /** The existing package, if any. */
  pkg: Package | undefined;
  publisher: User;
  /** metadata.config as hex_tarball returns it. */
  meta: Record<string, unknown>;
  innerChecksum: string;
  outerChecksum: string;
  tarball: Buffer;
  /** The `replace` parameter; only true or "true" allows replacing. */
  replace: unknown;
}

export type PublishResult = { action: 'insert' | 'update'; pkg: Package; release: Release } | { errors: Errors };

/** Releases.publish: validates the package, then the release, then stores both and the tarball. */
export function publish(core: Core, input: PublishInput): PublishResult {
  const { repository, meta } = input;
  const hexpm = repository === HEXPM;

  const packageErrors: Errors = {};
  let name: string;
  if (input.pkg) {
    name = input.pkg.name;
    if (typeof meta.name === 'string' && meta.name !== name) put(packageErrors, 'name', 'metadata does not match package name');
  } else {
    const raw = castString(meta.name);
    name = raw ?? '';
    if (raw === undefined) put(packageErrors, 'name', 'expected type string');
    else if (raw === null) put(packageErrors, 'name', "can't be blank");
    else if (characters(raw) < 2) put(packageErrors, 'name', 'should be at least 2 character(s)');
    else if (!/^[a-z][a-z0-9_]*$/.test(raw)) put(packageErrors, 'name', 'has invalid format');
    else if (RESERVED_PACKAGE_NAMES.has(raw)) put(packageErrors, 'name', 'is reserved');
  }
  const packageMeta = castPackageMeta(meta, hexpm);
  if ('errors' in packageMeta) packageErrors.meta = packageMeta.errors;
  if (Object.keys(packageErrors).length > 0) return { errors: packageErrors };

  const version = typeof meta.version === 'string' ? meta.version : null;
  if (version === null || !isSemVer(version)) return { errors: { version: 'is invalid SemVer' } };

  const existing = input.pkg && core.release(input.pkg, version);
  const errors: Errors = {};
  const versionError = validateVersion(version);
  if (versionError) put(errors, 'version', versionError);
  const releaseMeta = castReleaseMeta(meta);
  if ('errors' in releaseMeta) errors.meta = releaseMeta.errors;
  if (existing) {
    if (!editable(core, input.pkg!, existing)) {
      put(errors, 'inserted_at', 'can only modify a release up to one hour after publication');
    } else if (input.replace !== true && input.replace !== 'true') {
      put(errors, 'inserted_at', 'must include the --replace flag to update an existing release');
    }
  }
  const requirements = castRequirements(core, repository, meta.requirements);
  if ('errors' in requirements) errors.requirements = requirements.errors;
  if (Object.keys(errors).length > 0) return { errors };
  if (!('meta' in packageMeta) || !('meta' in releaseMeta) || !('requirements' in requirements)) {
    throw new Error('unreachable: validation passed without values');
  }

  const now = core.now();
  let pkg = input.pkg;
  if (pkg) {
    pkg.meta = packageMeta.meta;
    pkg.updatedAt = now;
  } else {
    pkg = {
      id: core.nextId(),
      repository,
      name,
      meta: packageMeta.meta,
      owners: hexpm ? [{ userId: input.publisher.id, level: 'full', insertedAt: now }] : [],
      docsUpdatedAt: null,
      insertedAt: now,
      updatedAt: now,
    };
    core.data.packages.push(pkg);
  }
  let release = existing;
  const fields = {
    innerChecksum: input.innerChecksum,
    outerChecksum: input.outerChecksum,
    meta: releaseMeta.meta,
    requirements: requirements.requirements,
    publisherId: input.publisher.id,
    updatedAt: now,
  };
  if (release) Object.assign(release, fields);
  else {
    release = { id: core.nextId(), packageId: pkg.id, version, hasDocs: false, retirement: null, insertedAt: now, ...fields };
    core.data.releases.push(release);
  }
  core.storage.putBlob(tarballPath(pkg, version), input.tarball);
  rebuildRepository(core, repository);
  core.changed();
  return { action: existing ? 'update' : 'insert', pkg, release };
}

/** Elixir's Version.parse, but letting over-long numbers through to validateVersion's message. */
function isSemVer(version: string): boolean {
  return isValidVersion(version) || /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$/.test(version);
}

function validateVersion(version: string): string | null {
  if (version.includes('+')) return 'build number not allowed';
  const [core, pre = ''] = splitPre(version);
  const numbers = [...core.split('.'), ...pre.split('.').filter((p) => /^\d+$/.test(p))];
  if (numbers.some((n) => Number(n) > MAX_NUMERIC_COMPONENT)) return `numeric components must be at most ${MAX_NUMERIC_COMPONENT}`;
  if (pre.length > 64) return 'prerelease must be at most 64 characters';
  return null;
}

function splitPre(version: string): [string, string | undefined] {
  const dash = version.indexOf('-');
  return dash < 0 ? [version, undefined] : [version.slice(0, dash), version.slice(dash + 1)];
}

/** Changes are allowed on hexpm within an hour of the release or a day of the package; always in private repos. */
function editable(core: Core, pkg: Package, release: Release): boolean {
  const now = core.now();
  return pkg.repository !== HEXPM || now - release.insertedAt <= HOUR_MS || now - pkg.insertedAt <= 24 * HOUR_MS;
}

function castPackageMeta(meta: Record<string, unknown>, hexpm: boolean): { meta: PackageMeta } | { errors: Errors } {
  const errors: Errors = {};
  const description = castString(meta.description);
  if (description === undefined) put(errors, 'description', 'expected type string');
  else if (description === null && hexpm) put(errors, 'description', "can't be blank");

  const licenses = castStringList(meta.licenses);
  if (licenses === undefined) put(errors, 'licenses', 'expected type list(string)');
  else if (licenses === null && hexpm) put(errors, 'licenses', "can't be blank");
  else if (licenses && hexpm) {
    const invalid = licenses.find((l) => !isValidLicense(l));
    if (invalid !== undefined) put(errors, 'licenses', `invalid license ${inspect(invalid)}`);
  }

  let links: Record<string, string> | null = null;
  if (meta.links !== undefined && meta.links !== null) {
    if (!isRecord(meta.links) || !Object.values(meta.links).every((v) => typeof v === 'string')) {
      put(errors, 'links', 'expected type map(string)');
    } else {
      links = meta.links as Record<string, string>;
      const invalid = Object.values(links).find((url) => !validUrl(url));
      if (invalid !== undefined) put(errors, 'links', `invalid link ${inspect(invalid)}`);
    }
  }
  const maintainers = castStringList(meta.maintainers);
  if (maintainers === undefined) put(errors, 'maintainers', 'expected type list(string)');
  let extra: Record<string, unknown> | null = null;
  if (meta.extra !== undefined && meta.extra !== null) {
    if (isRecord(meta.extra)) extra = meta.extra;
    else put(errors, 'extra', 'expected type map');
  }
  if (Object.keys(errors).length > 0) return { errors };
  return {
    meta: { description: description ?? null, licenses: licenses ?? null, links, maintainers: maintainers ?? null, extra },
  };
}

function validUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

function castReleaseMeta(meta: Record<string, unknown>): { meta: Release['meta'] } | { errors: Errors } {
  const errors: Errors = {};
  const app = castString(meta.app);
  if (app === undefined) put(errors, 'app', 'expected type string');
  else if (app === null) put(errors, 'app', "can't be blank");
  const buildTools = castStringList(meta.build_tools);
  if (buildTools === undefined) put(errors, 'build_tools', 'expected type list(string)');
  else if (buildTools === null || buildTools.length === 0) put(errors, 'build_tools', "can't be blank");
  const files = castStringList(meta.files);
  if (files === undefined) put(errors, 'files', 'expected type list(string)');
  else if (files === null) put(errors, 'files', "can't be blank");
  else if (files.length === 0) put(errors, 'files', "package can't be empty");
  const elixir = castString(meta.elixir);
  if (elixir === undefined) put(errors, 'elixir', 'expected type string');
  else if (elixir !== null) {
    const error = requirementError(elixir);
    if (error) put(errors, 'elixir', error);
  }
  if (Object.keys(errors).length > 0) return { errors };
  return { meta: { app: app!, buildTools: [...new Set(buildTools!)], elixir: elixir ?? null } };
}

/** Hexpm.Changeset.validate_repository: only hexpm or the package's own repository. */
function repositoryRuleError(repository: string, dependencyRepository: string | null | undefined): string | null {
  if (!dependencyRepository || dependencyRepository === HEXPM || dependencyRepository === repository) return null;
  return repository === HEXPM
    ? `dependencies can only belong to public repository "hexpm", got: ${inspect(dependencyRepository)}`
    : `dependencies can only belong to public repository "hexpm" or current repository ${inspect(repository)}, got: ${inspect(dependencyRepository)}`;
}

function requirementError(requirement: string): string | null {
  if (!isValidRequirement(requirement)) return `invalid requirement: ${inspect(requirement)}`;
  if (requirement.includes('!=')) return `invalid requirement: ${inspect(requirement)}, != is not allowed in requirements`;
  return null;
}

/**
 * Requirement.changeset for each dependency: one message per dependency, the first that
 * applies. A map of name → fields (as hex_tarball returns it) or a list of maps with `name`.
 */
function castRequirements(core: Core, repository: string, value: unknown): { requirements: Requirement[] } | { errors: ViewValue } {
  if (value === undefined || value === null) return { requirements: [] };
  let entries: unknown[];
  if (isRecord(value)) entries = Object.entries(value).map(([name, fields]) => (isRecord(fields) ? { ...fields, name } : fields));
  else if (Array.isArray(value)) entries = value;
  else return { errors: 'is invalid' };

  const requirements: Requirement[] = [];
  const errors: Errors = {};
  for (const entry of entries) {
    if (!isRecord(entry)) return { errors: 'is invalid' };
    const name = castString(entry.name);
    const app = castString(entry.app);
    const requirement = entry.requirement;
    const optional = entry.optional ?? false;
    const depRepository = castString(entry.repository);
    const lookupRepository = depRepository ?? HEXPM;
    let message: string | null;
    if (!name || !app || requirement === undefined || requirement === null || requirement === '') message = "can't be blank";
    else if (typeof optional !== 'boolean') message = 'expected type boolean';
    else if (!core.package(lookupRepository, name)) message = `package does not exist in repository ${inspect(lookupRepository)}`;
    else if (typeof requirement !== 'string') message = `invalid requirement: ${inspect(String(requirement))}`;
    else message = requirementError(requirement) ?? repositoryRuleError(repository, depRepository);
    if (message !== null) {
      put(errors, name ?? '', message);
      continue;
    }
    requirements.push({ name: name!, repository: lookupRepository, app: app!, requirement: requirement as string, optional: optional as boolean });
  }
  return Object.keys(errors).length > 0 ? { errors } : { requirements };
}

// ---------------------------------------------------------------- revert

/** Releases.revert: removes the release, and the package with its last release. */
export function revert(core: Core, pkg: Package, release: Release): { ok: true } | { errors: Errors } {
  if (!editable(core, pkg, release)) {
    return { errors: { inserted_at: 'can only delete a release up to one hour after publication' } };
  }
  const remaining = core.releasesOf(pkg).filter((r) => r.id !== release.id);
  if (remaining.length === 0) {
    const dependedOn = core.data.releases.some(
      (r) => r.packageId !== pkg.id && r.requirements.some((q) => q.repository === pkg.repository && q.name === pkg.name),
    );
    if (dependedOn) return { errors: { name: 'you cannot delete this package because other packages depend on it' } };
    core.data.packages.splice(core.data.packages.indexOf(pkg), 1);
  } else {
    pkg.updatedAt = core.now();
  }
  core.data.releases.splice(core.data.releases.indexOf(release), 1);
  core.storage.deleteBlob(tarballPath(pkg, release.version));
  if (release.hasDocs) core.storage.deleteBlob(docsTarballPath(pkg, release.version));
  rebuildRepository(core, pkg.repository);
  core.changed();
  return { ok: true };
}

// ---------------------------------------------------------------- retirement

/** ReleaseRetirement.changeset: `{"retirement": {...}}` errors, or the retirement. */
export function castRetirement(params: Record<string, unknown>): { retirement: Retirement } | { errors: Errors } {
  const errors: Errors = {};
  const reason = castString(params.reason);
  const message = castString(params.message);
  if (reason === undefined) put(errors, 'reason', 'expected type string');
  else if (reason === null) put(errors, 'reason', "can't be blank");
  if (message === undefined) put(errors, 'message', 'expected type string');
  else if (message !== null) {
    const length = characters(message);
    if (length < 3) put(errors, 'message', 'should be at least 3 character(s)');
    else if (length > 140) put(errors, 'message', 'should be at most 140 character(s)');
  }
  if (typeof reason === 'string' && !RETIREMENT_REASONS.includes(reason)) put(errors, 'reason', 'is invalid');
  if (Object.keys(errors).length > 0) return { errors: { retirement: errors } };
  return { retirement: { reason: reason!, message: message ?? null } };
}

export function setRetirement(core: Core, pkg: Package, releases: Release[], retirement: Retirement | null): void {
  for (const release of releases) release.retirement = retirement;
  pkg.updatedAt = core.now();
  rebuildRepository(core, pkg.repository);
  core.changed();
}

// ---------------------------------------------------------------- docs

export function publishDocs(core: Core, pkg: Package, release: Release, body: Buffer): void {
  core.storage.putBlob(docsTarballPath(pkg, release.version), body);
  release.hasDocs = true;
  pkg.docsUpdatedAt = core.now();
  core.changed();
}

export function revertDocs(core: Core, pkg: Package, release: Release): void {
  release.hasDocs = false;
  pkg.docsUpdatedAt = core.now();
  core.storage.deleteBlob(docsTarballPath(pkg, release.version));
  core.changed();
}

// ---------------------------------------------------------------- owners

export type OwnerChange = { ok: true } | { errors: ViewValue };

/** Owners.add, with its conditions in hexpm's order. */
export function addOwner(core: Core, pkg: Package, user: User, params: Record<string, unknown>): OwnerChange {
  const org = core.repositoryOrganization(pkg.repository);
  const transfer = params.transfer === true;
  const level = params.level ?? 'full';
  if (pkg.repository !== HEXPM && !(org && org.members.some((m) => m.userId === user.id))) {
    return { errors: { username: 'cannot add owner to private package when the user is not a member of the organization' } };
  }
  if (user.organizationId !== null && !transfer) {
    return { errors: { username: 'organization ownership can only be transferred, removing all existing owners' } };
  }
  if (user.organizationId !== null && level !== 'full') {
    return { errors: { level: 'ownership level is required to be "full" for organization ownership' } };
  }
  const existing = pkg.owners.find((o) => o.userId === user.id);
  const fullOwners = pkg.owners.filter((o) => o.level === 'full');
  if (existing?.level === 'full' && level !== 'full' && fullOwners.length === 1) {
    return { errors: { username: 'cannot demote the last full owner of a package' } };
  }
  if (level === null || level === '') return { errors: { level: "can't be blank" } };
  if (level !== 'full' && level !== 'maintainer') return { errors: { level: 'is invalid' } };
  if (existing) existing.level = level;
  else pkg.owners.push({ userId: user.id, level, insertedAt: core.now() });
  if (transfer) pkg.owners = pkg.owners.filter((o) => o.userId === user.id);
  core.changed();
  return { ok: true };
}

export function removeOwner(core: Core, pkg: Package, user: User): OwnerChange {
  const owner = pkg.owners.find((o) => o.userId === user.id);
  if (!owner) return { errors: { username: 'user is not an owner of package' } };
  const hexpm = pkg.repository === HEXPM;
  if (hexpm && pkg.owners.length === 1) return { errors: { username: 'cannot remove last owner of package' } };
  if (hexpm && owner.level === 'full' && pkg.owners.filter((o) => o.level === 'full').length === 1) {
    return { errors: { username: 'cannot remove the last full owner of package' } };
  }
  pkg.owners = pkg.owners.filter((o) => o !== owner);
  core.changed();
  return { ok: true };
}

// ---------------------------------------------------------------- registry files

/** Rebuilds the signed names, versions and package files of a repository (hexpm does this in a job). */
export function rebuildRepository(core: Core, repository: string): void {
  const prefix = repository === HEXPM ? '' : `repos/${repository}/`;
  const packages = core.data.packages.filter((p) => p.repository === repository);
  const models = packages.map((p) => repoPackage(core, p));
  const key = core.secrets.repoPrivateKeyPem;
  const files = core.repositoryFiles;
  for (const path of [...files.keys()]) if (path.startsWith(`${prefix}packages/`)) files.delete(path);
  files.set(`${prefix}names`, buildNames(repository, models, key));
  files.set(`${prefix}versions`, buildVersions(repository, models, key));
  for (const model of models) {
    if (model.releases.length > 0) files.set(`${prefix}packages/${model.name}`, buildPackage(repository, model, key));
  }
}

function repoPackage(core: Core, pkg: Package): RepoPackage {
  const advisories = core.data.advisories.filter((a) => a.packageId === pkg.id);
  return {
    name: pkg.name,
    updatedAt: new Date(pkg.updatedAt),
    advisories: advisories.map((a) => ({ id: a.id, summary: a.summary, cvssRating: a.cvssRating as AdvisorySeverity | null, cvssScore: a.cvssScore, aliases: a.aliases })),
    releases: core.releasesOf(pkg).map((r) => ({
      version: r.version,
      innerChecksum: Buffer.from(r.innerChecksum, 'hex'),
      outerChecksum: Buffer.from(r.outerChecksum, 'hex'),
      dependencies: r.requirements.map((q) => ({
        package: q.name,
        requirement: q.requirement,
        optional: q.optional,
        app: q.app !== q.name ? q.app : undefined,
        repository: q.repository !== pkg.repository ? q.repository : undefined,
      })),
      retired: r.retirement
        ? { reason: r.retirement.reason as RetirementReason, message: r.retirement.message ?? undefined }
        : undefined,
      publishedAt: new Date(r.insertedAt),
      advisoryIds: advisories.filter((a) => a.versions.includes(r.version)).map((a) => a.id),
    })),
  };
}

