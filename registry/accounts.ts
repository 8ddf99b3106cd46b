import { castString, characters } from './cast.js';
import { HEXPM, type Core } from './core.js';
import { constantTimeEqual, generateKeySecret, hashKeySecret, hashPassword, keySecretToHash } from './crypto.js';
import type { ViewValue } from './http.js';
import type { Key, Organization, OwnerLevel, Package, Permission, Role, User } from './state.js';

// Users, organizations, memberships and API keys, with hexpm's validation rules and messages
// (Hexpm.Accounts.{User, Email, Organization, Key, KeyPermission}).

export type Errors = { [field: string]: ViewValue };

const USERNAME_FORMAT = /^[a-z0-9_\-.]+$/;
const RESERVED_USERNAMES = ['me', 'hex', 'hexpm', 'elixir', 'erlang', 'otp'];
const EMAIL_FORMAT = /^.+@.+\..+$/;
const ORGANIZATION_NAME_FORMAT = /^[a-z0-9_]+$/;
const ROLES: Role[] = ['admin', 'write', 'read'];

export function roleOrHigher(role: Role): Role[] {
  return role === 'read' ? ['read', 'write', 'admin'] : role === 'write' ? ['write', 'admin'] : ['admin'];
}

export function levelToRole(level: OwnerLevel): Role {
  return level === 'maintainer' ? 'write' : 'admin';
}

export interface NewUser {
  username?: unknown;
  password?: unknown;
  password_confirmation?: unknown;
  email?: unknown;
  emails?: unknown;
  full_name?: unknown;
}

/** POST /api/users: the user, or the changeset errors hexpm would report. */
export function registerUser(core: Core, params: NewUser, verified = false): { user: User } | { errors: Errors } {
  const errors: Errors = {};
  const username = castString(params.username);
  let name: string | null = null;
  if (username === undefined) errors.username = 'expected type string';
  else if (username === null) errors.username = "can't be blank";
  else {
    name = username.toLowerCase();
    if (characters(name) < 3) errors.username = 'should be at least 3 character(s)';
    else if (!USERNAME_FORMAT.test(name)) errors.username = 'has invalid format';
    else if (RESERVED_USERNAMES.includes(name)) errors.username = 'is reserved';
  }

  const emailParams = params.emails ?? (params.email !== undefined ? [{ email: params.email }] : undefined);
  let email: string | null = null;
  if (!Array.isArray(emailParams) || emailParams.length === 0) errors.emails = "can't be blank";
  else {
    const first = emailParams[0] as { email?: unknown };
    const address = castString(first?.email);
    if (address === undefined) errors.emails = { email: 'expected type string' };
    else if (address === null) errors.emails = { email: "can't be blank" };
    else {
      email = address.toLowerCase();
      if (!EMAIL_FORMAT.test(email)) errors.emails = { email: 'has invalid format' };
      else if (core.data.users.some((u) => u.emails.some((e) => e.email === email && e.verified))) {
        errors.emails = { email: 'already in use' };
      }
    }
  }

  const password = castString(params.password);
  if (password === undefined) errors.password = 'expected type string';
  else if (password !== null) {
    if (characters(password) < 8) errors.password = 'should be at least 8 character(s)';
    if (params.password_confirmation !== undefined && params.password_confirmation !== password) {
      errors.password_confirmation = 'does not match password';
    }
  }
  const fullName = castString(params.full_name);
  if (fullName === undefined) errors.full_name = 'expected type string';

  if (Object.keys(errors).length > 0) return { errors };
  // The unique index is only reached when everything else is valid.
  if (core.userByName(name!)) return { errors: { username: 'has already been taken' } };

  const now = core.now();
  const user: User = {
    id: core.nextId(),
    username: name!,
    fullName: fullName ?? null,
    passwordHash: password ? hashPassword(password) : null,
    emails: [{ email: email!, verified, primary: true, public: true }],
    handles: {},
    organizationId: null,
    tfaSecret: null,
    insertedAt: now,
    updatedAt: now,
  };
  core.data.users.push(user);
  core.changed();
  return { user };
}

/** What views show (hexpm's User.email(user, :public)), verified or not. */
export function publicEmail(user: User): string | null {
  return user.emails.find((e) => e.public)?.email ?? null;
}

/** Creates an organization with `admin` as its only member, plus the organization's own user account. */
export function createOrganization(
  core: Core,
  options: { name: string; admin: User; billingActive?: boolean; seats?: number | null },
): Organization {
  const name = options.name.toLowerCase();
  if (characters(name) < 3 || !ORGANIZATION_NAME_FORMAT.test(name)) throw new Error(`invalid organization name: ${name}`);
  if (core.userByName(name)) throw new Error(`the name ${name} is already taken`);
  if (options.admin.organizationId !== null) throw new Error('an organization cannot be a member');
  const now = core.now();
  const orgId = core.nextId();
  const account: User = {
    id: core.nextId(),
    username: name,
    fullName: null,
    passwordHash: null,
    emails: [],
    handles: {},
    organizationId: orgId,
    tfaSecret: null,
    insertedAt: now,
    updatedAt: now,
  };
  const organization: Organization = {
    id: orgId,
    name,
    billingActive: options.billingActive ?? true,
    seats: options.seats ?? null,
    members: [{ userId: options.admin.id, role: 'admin', insertedAt: now }],
    userId: account.id,
    insertedAt: now,
    updatedAt: now,
  };
  core.data.users.push(account);
  core.data.organizations.push(organization);
  core.changed();
  return organization;
}

export type Subject = User | Organization;

export function isOrganization(subject: Subject): subject is Organization {
  return 'members' in subject;
}

export function roleIn(organization: Organization, user: User): Role | null {
  return organization.members.find((m) => m.userId === user.id)?.role ?? null;
}

/** Organizations.access?: an organization reaches itself; a user needs `role` or higher. */
export function organizationAccess(organization: Organization, subject: Subject | null, role: Role): boolean {
  if (!subject) return false;
  if (isOrganization(subject)) return subject.id === organization.id;
  const actual = roleIn(organization, subject);
  return actual !== null && roleOrHigher(role).includes(actual);
}

/** Packages.owner_with_access?: explicit owner, owning organization's member, or private repo role. */
export function ownerWithAccess(core: Core, pkg: Package, user: User, level: OwnerLevel): boolean {
  const levels: OwnerLevel[] = level === 'maintainer' ? ['maintainer', 'full'] : ['full'];
  const repoOrg = core.repositoryOrganization(pkg.repository);
  const memberOfRepo = pkg.repository === HEXPM || (repoOrg !== undefined && roleIn(repoOrg, user) !== null);
  if (memberOfRepo && pkg.owners.some((o) => o.userId === user.id && levels.includes(o.level))) return true;
  const role = levelToRole(level);
  const viaOwningOrganization = pkg.owners.some((o) => {
    if (!levels.includes(o.level)) return false;
    const owner = core.user(o.userId);
    const org = owner?.organizationId != null ? core.organization(owner.organizationId) : undefined;
    return org !== undefined && organizationAccess(org, user, role);
  });
  if (viaOwningOrganization) return true;
  return repoOrg !== undefined && organizationAccess(repoOrg, user, role);
}

// ---------------------------------------------------------------- members

export type MemberResult = { ok: Role } | { errors: ViewValue } | { notFound: true };

export function addMember(core: Core, organization: Organization, user: User, role: unknown): MemberResult {
  if (user.organizationId !== null) return { errors: 'cannot add an organization as member to an organization' };
  if (organization.seats !== null && organization.members.length + 1 > organization.seats) {
    return { errors: 'not enough seats to add member' };
  }
  const roleError = validateRole(role);
  if (roleError) return { errors: { role: roleError } };
  if (roleIn(organization, user)) return { errors: { user_id: 'is already member' } };
  organization.members.push({ userId: user.id, role: role as Role, insertedAt: core.now() });
  core.changed();
  return { ok: role as Role };
}

export function changeRole(core: Core, organization: Organization, user: User, role: unknown): MemberResult {
  const member = organization.members.find((m) => m.userId === user.id);
  if (!member) return { notFound: true };
  const admins = organization.members.filter((m) => m.role === 'admin').length;
  if (member.role === 'admin' && admins === 1) return { errors: 'cannot demote last admin member' };
  const roleError = validateRole(role);
  if (roleError) return { errors: { role: roleError } };
  member.role = role as Role;
  core.changed();
  return { ok: member.role };
}

export function removeMember(core: Core, organization: Organization, user: User | undefined): MemberResult {
  if (!user) return { ok: 'read' };
  if (organization.members.length === 1) return { errors: 'cannot remove last member' };
  const before = organization.members.length;
  organization.members = organization.members.filter((m) => m.userId !== user.id);
  if (organization.members.length !== before) core.changed();
  return { ok: 'read' };
}

function validateRole(role: unknown): string | null {
  if (role === undefined || role === null || role === '') return "can't be blank";
  return typeof role === 'string' && (ROLES as string[]).includes(role) ? null : 'is invalid';
}

// ---------------------------------------------------------------- keys

export type KeyOwner = { user: User } | { organization: Organization };

const DOMAINS = ['api', 'package', 'repository', 'repositories', 'docs'];

export interface KeyParams {
  name?: unknown;
  permissions?: unknown;
  revoke_at?: unknown;
}

/** Keys.create: the key with its one-time secret, or the changeset errors. */
export function createKey(core: Core, owner: KeyOwner, params: KeyParams): { key: Key; secret: string } | { errors: Errors } {
  const errors: Errors = {};
  const name = castString(params.name);
  if (name === undefined) errors.name = 'expected type string';
  else if (name === null) errors.name = "can't be blank";

  let revokeAt: number | null = null;
  const rawRevokeAt = castString(params.revoke_at);
  if (rawRevokeAt === undefined) errors.revoke_at = 'expected type utc_datetime_usec';
  else if (rawRevokeAt !== null) {
    revokeAt = parseUtcDateTime(rawRevokeAt);
    if (revokeAt === null) errors.revoke_at = 'expected type utc_datetime_usec';
    else if (revokeAt <= core.now()) errors.revoke_at = 'must be in the future';
  }

  let permissions: Permission[] = [{ domain: 'api', resource: null }];
  if (params.permissions !== undefined && params.permissions !== null) {
    const result = castPermissions(core, owner, params.permissions);
    if ('errors' in result) errors.permissions = result.errors;
    else permissions = result.permissions;
  }
  if (Object.keys(errors).length > 0) return { errors };

  const ownerRef = 'user' in owner ? { userId: owner.user.id } : { organizationId: owner.organization.id };
  const live = core.keysOf(ownerRef).filter((k) => !keyRevoked(core, k));
  const secret = generateKeySecret(core.data.config.hexKeys ? 'hex' : 'legacy');
  const hash = hashKeySecret(core.secrets.appSecret, keySecretToHash(secret)!);
  const now = core.now();
  const key: Key = {
    id: core.nextId(),
    name: uniqueKeyName(name!, live.map((k) => k.name)),
    userId: 'user' in owner ? owner.user.id : null,
    organizationId: 'organization' in owner ? owner.organization.id : null,
    secretFirst: hash.first,
    secretSecond: hash.second,
    permissions,
    revokeAt,
    lastUse: null,
    insertedAt: now,
    updatedAt: now,
  };
  core.data.keys.push(key);
  core.changed();
  return { key, secret };
}

function castPermissions(core: Core, owner: KeyOwner, value: unknown): { permissions: Permission[] } | { errors: ViewValue } {
  if (!Array.isArray(value)) return { errors: 'is invalid' };
  const permissions: Permission[] = [];
  const errors: Errors = {};
  for (const item of value) {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) return { errors: 'is invalid' };
    const entry = item as { domain?: unknown; resource?: unknown };
    const domain = castString(entry.domain);
    let resource = castString(entry.resource);
    if (domain === undefined || domain === null || !DOMAINS.includes(domain)) {
      errors.domain ??= 'is invalid';
      continue;
    }
    if (resource === undefined) {
      errors.resource ??= 'expected type string';
      continue;
    }
    if (domain === 'package' && resource !== null && !resource.includes('/')) resource = `${HEXPM}/${resource}`;
    const resourceError = validateResource(domain, resource);
    if (resourceError) {
      errors.resource ??= resourceError;
      continue;
    }
    if (resource !== null && !verifyUserAccess(core, ownerSubject(owner), domain, resource).ok) {
      errors.resource ??=
        domain === 'package' ? 'you do not have access to this package' : 'you do not have access to this repository';
      continue;
    }
    permissions.push({ domain, resource });
  }
  return Object.keys(errors).length > 0 ? { errors } : { permissions };
}

function validateResource(domain: string, resource: string | null): string | null {
  if (resource === null) return null;
  if (domain === 'api') return resource === 'read' || resource === 'write' ? null : 'invalid resource for given domain';
  if (domain === 'repositories') return 'invalid resource for given domain';
  return null;
}

function ownerSubject(owner: KeyOwner): Subject {
  return 'user' in owner ? owner.user : owner.organization;
}

/** A taken live name gets `-2`, `-3`, … (one more than the highest numeric suffix in use). */
function uniqueKeyName(name: string, liveNames: string[]): string {
  if (!liveNames.includes(name)) return name;
  let max = 1;
  for (const existing of liveNames) {
    if (!existing.startsWith(`${name}-`)) continue;
    const suffix = existing.slice(name.length + 1);
    if (/^-?\d+$/.test(suffix)) max = Math.max(max, Number(suffix));
  }
  return `${name}-${max + 1}`;
}

function parseUtcDateTime(text: string): number | null {
  if (!/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$/.test(text)) return null;
  const ms = Date.parse(text.replace(' ', 'T'));
  return Number.isNaN(ms) ? null : ms;
}

export function keyRevoked(core: Core, key: Key): boolean {
  return key.revokeAt !== null && key.revokeAt < core.now();
}

/** Auth.key_auth: finds the key for a secret (either format); updates last_use at most every five minutes. */
export function keyAuth(
  core: Core,
  secret: string,
  use: { ip: string; userAgent: string | null },
): { key: Key } | 'invalid' | 'revoked' {
  const hashed = keySecretToHash(secret);
  if (hashed === null) return 'invalid';
  const hash = hashKeySecret(core.secrets.appSecret, hashed);
  const key = core.data.keys.find((k) => k.secretFirst === hash.first);
  if (!key) return 'invalid';
  const user = core.user(key.userId);
  if (user && user.organizationId !== null) return 'invalid';
  if (!constantTimeEqual(key.secretSecond, hash.second)) return 'invalid';
  if (keyRevoked(core, key)) return 'revoked';
  const now = core.now();
  if (!key.lastUse || now - key.lastUse.usedAt >= 300_000) {
    key.lastUse = { usedAt: now, ip: use.ip, userAgent: use.userAgent };
    core.changed();
  }
  return { key };
}

export function revokeKey(core: Core, key: Key): void {
  const now = core.now();
  key.revokeAt = now - 1000;
  key.updatedAt = now;
  core.changed();
}

// ---------------------------------------------------------------- user-level access

/**
 * Permissions.verify_user_access: whether the user or organization itself may reach a
 * resource (as opposed to what its credential allows). Returns the organization or package.
 */
export function verifyUserAccess(
  core: Core,
  subject: Subject,
  domain: string,
  resource: string | null,
): { ok: true; organization?: Organization; package?: Package } | { ok: false } {
  if (domain === 'api') return { ok: true };
  if (isOrganization(subject)) {
    if (domain === 'package' && resource !== null) {
      const [repository, name] = splitOnce(resource, '/');
      const pkg = repository === subject.name && name !== null ? core.package(repository, name) : undefined;
      return pkg ? { ok: true, package: pkg } : { ok: false };
    }
    if ((domain === 'repository' || domain === 'docs') && resource === subject.name) {
      return { ok: true, organization: subject };
    }
    return { ok: false };
  }
  if (domain === 'repositories' && resource === null) return { ok: true };
  if (domain === 'package' && resource !== null) {
    const [repository, name] = splitOnce(resource, '/');
    const pkg = name !== null ? core.package(repository, name) : undefined;
    return pkg && ownerWithAccess(core, pkg, subject, 'maintainer') ? { ok: true, package: pkg } : { ok: false };
  }
  if ((domain === 'repository' || domain === 'docs') && resource !== null) {
    const org = core.organizationByName(resource);
    return org && organizationAccess(org, subject, 'read') ? { ok: true, organization: org } : { ok: false };
  }
  return { ok: false };
}

export function splitOnce(text: string, separator: string): [string, string | null] {
  const index = text.indexOf(separator);
  return index < 0 ? [text, null] : [text.slice(0, index), text.slice(index + 1)];
}
