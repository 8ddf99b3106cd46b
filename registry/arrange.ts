import {
  addMember,
  createKey,
  createOrganization,
  registerUser,
  type KeyParams,
} from './accounts.js';
import { HEXPM, type Core } from './core.js';
import { base32Decode } from './crypto.js';
import { approveDevice, denyDevice, issueToken, newSessionId, HEX_CLI_CLIENT_ID } from './oauth.js';
import { castRetirement, publish, publishDocs, rebuildRepository, setRetirement } from './packages.js';
import { readReleaseTarball } from './release-tarball.js';
import { completeAuthorization } from './sso.js';
import { DEFAULT_CONFIG, type Advisory, type Config, type Organization, type Package, type Release, type Role, type SsoPolicy, type User } from './state.js';

// Operations that put the registry into a state quickly, for tests: what the /_test routes do,
// callable in-process too. They throw ArrangeError with a readable message when asked for
// something impossible.

export class ArrangeError extends Error {}

function requireUser(core: Core, username: string): User {
  const user = core.userByName(username);
  if (!user || user.organizationId !== null) throw new ArrangeError(`no such user: ${username}`);
  return user;
}

function requireOrganization(core: Core, name: string): Organization {
  const organization = core.organizationByName(name);
  if (!organization) throw new ArrangeError(`no such organization: ${name}`);
  return organization;
}

export interface NewUserOptions {
  username: string;
  password?: string;
  email?: string;
  fullName?: string;
  /** Default true: most tests want a user who can act right away. */
  verified?: boolean;
}

export function createUser(core: Core, options: NewUserOptions): User {
  const result = registerUser(
    core,
    {
      username: options.username,
      password: options.password,
      email: options.email ?? `${options.username}@example.com`,
      full_name: options.fullName,
    },
    options.verified ?? true,
  );
  if ('errors' in result) throw new ArrangeError(`cannot create user: ${JSON.stringify(result.errors)}`);
  return result.user;
}

export function verifyUser(core: Core, username: string): void {
  const user = requireUser(core, username);
  for (const email of user.emails) email.verified = true;
  core.changed();
}

/** Turns 2FA on with a base32 secret, or off with null. */
export function setTotp(core: Core, username: string, secret: string | null): void {
  const user = requireUser(core, username);
  if (secret !== null && (!base32Decode(secret) || base32Decode(secret)!.length === 0)) {
    throw new ArrangeError('secret must be base32');
  }
  user.tfaSecret = secret;
  core.changed();
}

export function newOrganization(
  core: Core,
  options: { name: string; admin: string; billingActive?: boolean; seats?: number | null },
): Organization {
  try {
    return createOrganization(core, { ...options, admin: requireUser(core, options.admin) });
  } catch (err) {
    if (err instanceof ArrangeError) throw err;
    throw new ArrangeError((err as Error).message);
  }
}

export function addOrganizationMember(core: Core, organization: string, username: string, role: Role): void {
  const result = addMember(core, requireOrganization(core, organization), requireUser(core, username), role);
  if (!('ok' in result)) throw new ArrangeError(`cannot add member: ${JSON.stringify(result)}`);
}

export function setBilling(core: Core, organization: string, active: boolean): void {
  requireOrganization(core, organization).billingActive = active;
  core.changed();
}

/** Makes the organization require single sign-on of its members (`policy`), or stop requiring it (null). */
export function setSso(core: Core, organization: string, policy: SsoPolicy | null): void {
  const org = requireOrganization(core, organization);
  if (policy === null) delete org.sso;
  else if (policy.personalKeys !== 'allow' && policy.personalKeys !== 'block') throw new ArrangeError('personal_keys must be "allow" or "block"');
  else org.sso = { personalKeys: policy.personalKeys };
  core.changed();
}

/**
 * What the browser and the identity provider do with the verification URI of a re-authorization
 * (its `code`), signed in as `username`: the OAuth session that asked gets organization access.
 */
export function completeSso(core: Core, code: string, username: string): void {
  if (!completeAuthorization(core, code, requireUser(core, username))) {
    throw new ArrangeError(`no open SSO authorization with this code for ${username}`);
  }
}

/** Creates an API key and returns its secret. */
export function newKey(core: Core, owner: { user: string } | { organization: string }, params: KeyParams): string {
  const keyOwner =
    'user' in owner ? { user: requireUser(core, owner.user) } : { organization: requireOrganization(core, owner.organization) };
  const result = createKey(core, keyOwner, params);
  if ('errors' in result) throw new ArrangeError(`cannot create key: ${JSON.stringify(result.errors)}`);
  return result.secret;
}

/** An OAuth token pair as if the user had gone through the device flow with these scopes. */
export function newToken(
  core: Core,
  username: string,
  scopes: string[] = ['api', 'repositories'],
): { accessToken: string; refreshToken: string } {
  const expanded = [...new Set(scopes.flatMap((s) => (s === 'api' ? ['api:read', 'api:write'] : [s])))];
  const issued = issueToken(core, requireUser(core, username), expanded, {
    clientId: HEX_CLI_CLIENT_ID,
    grantType: 'authorization_code',
    grantReference: 'test_grant',
    sessionId: newSessionId(core),
    withRefreshToken: true,
  });
  return { accessToken: issued.accessToken, refreshToken: issued.refreshToken! };
}

/** Approves a device code as `username`; `scopes`: the boxes ticked on the page (default: all). */
export function approveDeviceCode(core: Core, userCode: string, username: string, scopes?: string[]): void {
  const result = approveDevice(core, userCode, requireUser(core, username), scopes);
  if ('error' in result) throw new ArrangeError(`${result.error}: ${result.description}`);
}

export function denyDeviceCode(core: Core, userCode: string): void {
  const result = denyDevice(core, userCode);
  if ('error' in result) throw new ArrangeError(`${result.error}: ${result.description}`);
}

export function advanceClock(core: Core, seconds: number): void {
  if (!Number.isFinite(seconds)) throw new ArrangeError('advance_seconds must be a number');
  core.clock.advance(seconds);
  core.changed();
}

export function configure(core: Core, changes: Partial<Config>): Config {
  const config = core.data.config;
  for (const [key, value] of Object.entries(changes) as Array<[keyof Config, unknown]>) {
    if (value === undefined) continue;
    if (typeof value !== typeof DEFAULT_CONFIG[key]) throw new ArrangeError(`${key} must be a ${typeof DEFAULT_CONFIG[key]}`);
    if (key === 'userRepositoryKeys' && !['allowed', 'deprecated', 'disabled'].includes(value as string)) {
      throw new ArrangeError('user_repository_keys must be "allowed", "deprecated" or "disabled"');
    }
    (config as unknown as Record<string, unknown>)[key] = value;
  }
  core.changed();
  return { ...config };
}

/** Publishes a tarball as `publisher`, skipping authorization (the checks of the tarball still apply). */
export async function publishTarball(
  core: Core,
  tarball: Buffer,
  options: { publisher: string; repository?: string; replace?: boolean },
): Promise<Release> {
  const repository = options.repository ?? HEXPM;
  if (!core.repositoryExists(repository)) throw new ArrangeError(`no such repository: ${repository}`);
  const read = await readReleaseTarball(tarball);
  if ('error' in read) throw new ArrangeError(`bad tarball: ${read.error}`);
  const name = typeof read.meta.name === 'string' ? read.meta.name : '';
  const result = publish(core, {
    repository,
    pkg: core.package(repository, name),
    publisher: requireUser(core, options.publisher),
    meta: read.meta,
    innerChecksum: read.innerChecksum,
    outerChecksum: read.outerChecksum,
    tarball,
    replace: options.replace ?? true,
  });
  if ('errors' in result) throw new ArrangeError(`cannot publish: ${JSON.stringify(result.errors)}`);
  return result.release;
}

function requirePackage(core: Core, repository: string, name: string): Package {
  const pkg = core.package(repository, name);
  if (!pkg) throw new ArrangeError(`no package ${name} in ${repository}`);
  return pkg;
}

/** Retires (or with `retirement` null, unretires) one release, as the retire API would. */
export function retireRelease(
  core: Core,
  options: { repository?: string; name: string; version: string; retirement: { reason: string; message?: string | null } | null },
): void {
  const pkg = requirePackage(core, options.repository ?? HEXPM, options.name);
  const release = core.release(pkg, options.version);
  if (!release) throw new ArrangeError(`no release ${options.name} ${options.version}`);
  if (options.retirement === null) return setRetirement(core, pkg, [release], null);
  const cast = castRetirement({ reason: options.retirement.reason, message: options.retirement.message ?? null });
  if ('errors' in cast) throw new ArrangeError(`bad retirement: ${JSON.stringify(cast.errors)}`);
  setRetirement(core, pkg, [release], cast.retirement);
}

const CVSS_RATINGS = ['none', 'low', 'medium', 'high', 'critical'];

export interface NewAdvisory {
  repository?: string;
  name: string;
  /** OSV's id: EEF-…, GHSA-…, CVE-… */
  id: string;
  summary: string;
  cvssRating?: string | null;
  cvssScore?: number | null;
  aliases?: string[];
  /** The versions it affects. */
  versions: string[];
}

/** Attaches a security advisory to a package (replacing one with the same id), as hexpm's OSV sync does; the registry files are rebuilt. */
export function addAdvisory(core: Core, options: NewAdvisory): void {
  const pkg = requirePackage(core, options.repository ?? HEXPM, options.name);
  if (!options.id || !options.summary) throw new ArrangeError('id and summary are required');
  const rating = options.cvssRating ?? null;
  if (rating !== null && !CVSS_RATINGS.includes(rating)) throw new ArrangeError(`cvss_rating must be one of ${CVSS_RATINGS.join(', ')}`);
  const unknown = options.versions.filter((v) => !core.release(pkg, v));
  if (unknown.length) throw new ArrangeError(`no release ${options.name} ${unknown.join(', ')}`);
  const advisory: Advisory = {
    packageId: pkg.id,
    id: options.id,
    summary: options.summary,
    cvssRating: rating,
    cvssScore: options.cvssScore ?? null,
    aliases: options.aliases ?? [],
    versions: options.versions,
  };
  core.data.advisories = [...core.data.advisories.filter((a) => !(a.packageId === pkg.id && a.id === advisory.id)), advisory];
  pkg.updatedAt = core.now();
  rebuildRepository(core, pkg.repository);
  core.changed();
}

/** Stores `tarball` as the docs of a published release, as the docs upload does (no check of its contents, as hex.pm). */
export function publishDocsTarball(core: Core, name: string, version: string, tarball: Buffer, repository = HEXPM): void {
  const pkg = core.package(repository, name);
  const release = pkg && core.release(pkg, version);
  if (!pkg || !release) throw new ArrangeError(`no release ${name} ${version} in ${repository}`);
  publishDocs(core, pkg, release, tarball);
}
