import {
  isOrganization,
  keyAuth,
  levelToRole,
  organizationAccess,
  ownerWithAccess,
  roleIn,
  type Subject,
} from './accounts.js';
import { HEXPM, type Core } from './core.js';
import { HEX_KEY_PREFIX, totpValid, verifyPassword } from './crypto.js';
import { errorReply, Halt, header, notFound, type Auth, type Ctx, type Reply } from './http.js';
import { lookupToken, tokenExpired, tokenRevoked } from './oauth.js';
import { refusalMessage, ssoRefusal } from './sso.js';
import type { Email, Organization, OwnerLevel, Package, Role, User } from './state.js';

// Authentication and authorization as hexpm's AuthHelpers and Permissions do them: the three
// Authorization forms (a `hex_` key also as a bearer), the domain check of the credential,
// email verification, 2FA on OAuth writes, and the ownership/role checks, each with its status
// and message.

export type AuthFailure =
  | 'missing'
  | 'invalid'
  | 'password'
  | 'basic_auth_disabled'
  | 'key'
  | 'revoked_key'
  | 'domain'
  | 'totp_required'
  | 'invalid_totp'
  | 'totp_rate_limited'
  | 'tfa_not_enabled'
  | 'unconfirmed'
  | 'auth'
  | 'not_found'
  | { forbidden: string };

const BASIC_REALM = { 'www-authenticate': 'Basic realm=hex' };

export function failureReply(failure: AuthFailure): Reply {
  if (typeof failure === 'object') return errorReply(403, { message: failure.forbidden });
  switch (failure) {
    case 'missing':
      return errorReply(401, { message: 'missing authentication information', headers: BASIC_REALM });
    case 'invalid':
      return errorReply(401, { message: 'invalid authentication information', headers: BASIC_REALM });
    case 'password':
      return errorReply(401, { message: 'invalid username and password combination', headers: BASIC_REALM });
    case 'basic_auth_disabled':
      return errorReply(401, {
        message: 'Basic authentication is disabled. Update your client to use OAuth or an API key.',
        headers: { 'www-authenticate': 'Bearer realm="hex"' },
      });
    case 'key':
      return errorReply(401, { message: 'invalid API key', headers: BASIC_REALM });
    case 'revoked_key':
      return errorReply(401, { message: 'API key revoked', headers: BASIC_REALM });
    case 'domain':
      return errorReply(401, { message: 'key not authorized for this action', headers: BASIC_REALM });
    case 'totp_required':
      return errorReply(401, {
        message: 'Two-factor authentication required. Include X-Hex-OTP header with your TOTP code.',
        headers: { 'www-authenticate': 'Bearer realm="hex", error="totp_required"' },
      });
    case 'invalid_totp':
      return errorReply(401, {
        message: 'Invalid two-factor authentication code',
        headers: { 'www-authenticate': 'Bearer realm="hex", error="invalid_totp"' },
      });
    case 'totp_rate_limited':
      return errorReply(429, { message: 'Too many failed two-factor authentication attempts. Please try again later.' });
    case 'tfa_not_enabled':
      return errorReply(403, { message: 'Two-factor authentication must be enabled for API write access' });
    case 'unconfirmed':
      return errorReply(403, { message: 'email not verified' });
    case 'auth':
      return errorReply(403, { message: 'account not authorized for this action' });
    case 'not_found':
      return notFound();
  }
}

export function fail(failure: AuthFailure): never {
  throw new Halt(failureReply(failure));
}

// ---------------------------------------------------------------- authentication

/** Reads the Authorization header; a bad credential fails the request even on public endpoints. */
export function authenticate(ctx: Ctx): Auth {
  const core = ctx.core;
  const value = header(ctx, 'authorization');
  if (value === undefined) return { credential: null, user: null, organization: null, email: null };
  if (value.startsWith('Basic ')) {
    if (!core.data.config.basicAuth) fail('basic_auth_disabled');
    return basicAuth(core, value.slice(6));
  }
  // hexpm takes a `hex_` key as a bearer credential too (PR #1536); other bearers are OAuth tokens.
  if (value.startsWith('Bearer ') && !value.startsWith(`Bearer ${HEX_KEY_PREFIX}`)) {
    const token = lookupToken(core, value.slice(7), 'access');
    if (!token || tokenExpired(core, token) || tokenRevoked(token)) fail('key');
    if (token.organizationId !== null) {
      const organization = core.organization(token.organizationId);
      if (!organization) fail('key');
      return { credential: { kind: 'token', token }, user: null, organization, email: null };
    }
    const user = core.user(token.userId);
    if (!user || user.organizationId !== null) fail('key');
    return { credential: { kind: 'token', token }, user, organization: null, email: primary(user) };
  }
  const secret = value.startsWith('Bearer ') ? value.slice(7) : value.trim();
  const result = keyAuth(core, secret, { ip: ctx.remoteIp, userAgent: header(ctx, 'user-agent') ?? null });
  if (result === 'invalid') fail('key');
  if (result === 'revoked') fail('revoked_key');
  const { key } = result;
  if (key.organizationId !== null) {
    return { credential: { kind: 'key', key }, user: null, organization: core.organization(key.organizationId) ?? null, email: null };
  }
  const user = core.user(key.userId)!;
  return { credential: { kind: 'key', key }, user, organization: null, email: primary(user) };
}

function basicAuth(core: Core, encoded: string): Auth {
  const decoded = /^[A-Za-z0-9+/]*={0,2}$/.test(encoded) ? Buffer.from(encoded, 'base64').toString('utf8') : null;
  const colon = decoded?.indexOf(':') ?? -1;
  if (decoded == null || colon < 0) fail('invalid');
  const login = decoded.slice(0, colon);
  const password = decoded.slice(colon + 1);
  const user = core.userByNameOrEmail(login);
  if (!user || user.organizationId !== null || !user.passwordHash || !verifyPassword(password, user.passwordHash)) {
    fail('password');
  }
  const email = user.emails.find((e) => e.email === login.toLowerCase()) ?? primary(user);
  return { credential: null, user, organization: null, email };
}

function primary(user: User): Email | null {
  return user.emails.find((e) => e.primary) ?? null;
}

export function subjectOf(auth: Auth): Subject | null {
  return auth.user ?? auth.organization;
}

// ---------------------------------------------------------------- credential permissions

export type Domain = ['api', 'read'] | ['api', 'write'] | 'package';

/**
 * Permissions.verify_access?: whether a key's permissions or a token's scopes cover a domain
 * and resource. For `package`, the resource is the package being written (or none yet).
 */
export function verifyAccess(auth: Auth, domain: string, resource: string | null | Package): boolean {
  const credential = auth.credential;
  if (!credential) return false;
  const entries =
    credential.kind === 'key'
      ? credential.key.permissions.map((p) => ({ oauth: false, domain: p.domain, resource: p.resource, scope: permissionScope(p.domain, p.resource) }))
      : credential.token.scopes.map((scope) => {
          const colon = scope.indexOf(':');
          return {
            oauth: true,
            domain: colon < 0 ? scope : scope.slice(0, colon),
            resource: colon < 0 ? null : scope.slice(colon + 1),
            scope,
          };
        });
  const packageMatches = (spec: string) =>
    typeof resource === 'object' && resource !== null && spec === `${resource.repository}/${resource.name}`;
  return entries.some((e) => {
    switch (domain) {
      case 'api': {
        const r = resource as string | null;
        if (e.oauth) {
          if (e.scope === 'api') return true;
          if (e.scope === 'api:read') return r === null || r === 'read';
          if (e.scope === 'api:write') return r === null || r === 'read' || r === 'write';
          return e.scope === 'package' && (r === null || r === 'read');
        }
        if (e.domain === 'api') {
          if (e.resource === null) return true;
          if (e.resource === 'read') return r === null || r === 'read';
          if (e.resource === 'write') return r === null || r === 'read' || r === 'write';
          return false;
        }
        return e.domain === 'package' && (r === null || r === 'read');
      }
      case 'package':
        if (e.oauth) return e.scope === 'api' || e.scope === 'api:write' || (e.domain === 'package' && e.resource !== null && packageMatches(e.resource));
        return e.domain === 'package' && (e.resource === null || packageMatches(e.resource));
      case 'repositories':
        return resource === null && (e.scope === 'repositories' || e.domain === 'repositories');
      case 'repository':
        if (typeof resource !== 'string') return false;
        if (e.oauth && e.domain === 'repository') return e.resource === resource;
        return e.scope === 'repositories' || e.domain === 'repositories' || (e.domain === 'repository' && e.resource === resource);
      case 'docs':
        return typeof resource === 'string' && e.domain === 'docs' && e.resource === resource;
      default:
        return false;
    }
  });
}

function permissionScope(domain: string, resource: string | null): string {
  if (domain === 'api') return resource === 'read' || resource === 'write' ? `api:${resource}` : 'api';
  if (resource === null) return domain;
  return domain === 'package' || domain === 'repository' ? `${domain}:${resource}` : domain;
}

// ---------------------------------------------------------------- authorization

export type Check = (subject: Subject | null, ctx: Ctx) => AuthFailure | null;

export interface AuthorizeOptions {
  required?: boolean;
  domains?: Domain[];
  /** Key creation works before the email address is verified. */
  allowUnconfirmed?: boolean;
  /** The package a `package` domain is checked against. */
  package?: Package | null;
  checks?: Check[];
}

/** AuthHelpers.authorize: fails the request with hexpm's status and message, or returns. */
export function authorize(ctx: Ctx, options: AuthorizeOptions): void {
  const auth = ctx.auth;
  const subject = subjectOf(auth);
  if (!subject && options.required) fail('missing');
  const domains = options.domains ?? [];
  if (auth.user && !options.allowUnconfirmed && !auth.email?.verified) fail('unconfirmed');
  if (subject && auth.credential && domains.length > 0) {
    const allowed = domains.some((d) =>
      d === 'package' ? verifyAccess(auth, 'package', options.package ?? null) : verifyAccess(auth, d[0], d[1]),
    );
    if (!allowed) fail('domain');
  }
  if (auth.user && auth.credential?.kind === 'token' && domains.some((d) => d !== 'package' && d[1] === 'write')) {
    checkTotp(ctx, auth.user);
  }
  for (const check of options.checks ?? []) {
    const failure = check(subject, ctx);
    if (failure) fail(failure);
  }
}

const FIFTEEN_MINUTES = 15 * 60_000;
const TEN_MINUTES = 10 * 60_000;

function checkTotp(ctx: Ctx, user: User): void {
  if (!user.tfaSecret) fail('tfa_not_enabled');
  const code = header(ctx, 'x-hex-otp');
  if (code === undefined) fail('totp_required');
  const now = ctx.core.now();
  if (totpValid(user.tfaSecret, code, Math.floor(now / 1000))) return;
  const limiter = ctx.core.limiter;
  const byIp = limiter.hit(`tfa-ip:${ctx.remoteIp}`, 20, FIFTEEN_MINUTES, now);
  const byUser = limiter.hit(`tfa-user:${user.id}`, 5, TEN_MINUTES, now);
  fail(byIp.allowed && byUser.allowed ? 'invalid_totp' : 'totp_rate_limited');
}

/** AuthHelpers.package_owner for a write to `pkg` (or to a new package) in `repository`. */
export function packageOwner(core: Core, repository: string | null, pkg: Package | null, level: OwnerLevel = 'maintainer'): Check {
  const owner: Check = (subject) => {
    if (repository === null) return 'not_found';
    const hexpm = repository === HEXPM;
    const repoOrg = core.repositoryOrganization(repository);
    if (!subject) return hexpm ? 'auth' : 'not_found';
    if (isOrganization(subject)) {
      if (repoOrg?.id === subject.id) return null;
      if (pkg) {
        const account = core.user(subject.userId);
        if (account && pkg.owners.some((o) => o.userId === account.id && (level === 'maintainer' || o.level === 'full'))) return null;
        return hexpm ? 'auth' : 'not_found';
      }
      return hexpm ? null : 'not_found';
    }
    if (pkg) {
      if (ownerWithAccess(core, pkg, subject, level)) return null;
      return hexpm ? 'auth' : 'not_found';
    }
    if (hexpm) return null;
    const role = repoOrg ? roleIn(repoOrg, subject) : null;
    if (role && organizationRoleAtLeast(role, levelToRole(level))) return null;
    return role ? 'auth' : 'not_found';
  };
  return (subject, ctx) => owner(subject, ctx) ?? ssoEnforced(ctx, repository === null ? undefined : core.repositoryOrganization(repository));
}

function organizationRoleAtLeast(actual: Role, expected: Role): boolean {
  const order: Role[] = ['read', 'write', 'admin'];
  return order.indexOf(actual) >= order.indexOf(expected);
}

/** AuthHelpers.organization_access: no organization is fine; a hidden one is 404; then single sign-on. */
export function organizationAccessCheck(organization: Organization | null | undefined, role: Role = 'read'): Check {
  return (subject, ctx) => {
    if (!organization) return null;
    return organizationAccess(organization, subject, role) ? ssoEnforced(ctx, organization) : 'not_found';
  };
}

/**
 * AuthHelpers.sso_enforced, after the access checks (so an organization the caller is not in
 * stays indistinguishable from a missing one): 403 naming what single sign-on wants.
 */
export function ssoEnforced(ctx: Ctx, organization: Organization | undefined): AuthFailure | null {
  const refusal = organization ? ssoRefusal(ctx.core, organization, ctx.auth) : null;
  return refusal ? { forbidden: refusalMessage(ctx.core, refusal, organization!) } : null;
}

export function billingActiveCheck(organization: Organization | null | undefined): Check {
  return () =>
    !organization || organization.billingActive ? null : { forbidden: 'organization has no active billing subscription' };
}
