import { isOrganization, type Subject } from './accounts.js';
import { HEXPM, type Core } from './core.js';
import { generateUserCode, randomUrlSafe, sha256Hex, signJwt, verifyJwt } from './crypto.js';
import { filterSsoScopes } from './sso.js';
import type { DeviceCode, Key, Organization, Permission, Token, User } from './state.js';

// OAuth as hexpm implements it (Hexpm.OAuth.*, Hexpm.Permissions): public clients, scopes,
// ES256 JWT access and refresh tokens backed by a stored token row, and the device flow.

export const HEX_CLI_CLIENT_ID = '78ea6566-89fd-481e-a1d6-7d9d78eacca8';
export const HEXTS_CLIENT_ID = 'ad76d541-63f7-4016-a615-22bd2296581f';
const CLIENTS = new Set([HEX_CLI_CLIENT_ID, HEXTS_CLIENT_ID]);
/** Both are public clients with every grant type and the Hex CLI's allowed scopes. */
const CLIENT_SCOPES = ['api', 'api:read', 'api:write', 'repositories'];

export const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const ACCESS_TOKEN_SECONDS = 30 * 60;
const REFRESH_TOKEN_SECONDS = 30 * 24 * 60 * 60;
const DEVICE_CODE_SECONDS = 10 * 60;

export function knownClient(clientId: string): boolean {
  return CLIENTS.has(clientId);
}

export function clientSupportsScopes(scopes: string[]): boolean {
  return scopes.every((scope) => CLIENT_SCOPES.includes(scope));
}

/** `api` is shorthand for `api:read api:write` in interactive grants. */
export function expandApiScope(scopes: string[]): string[] {
  return [...new Set(scopes.flatMap((s) => (s === 'api' ? ['api:read', 'api:write'] : [s])))];
}

/** The scopes a key permission allows in a client_credentials exchange; ':all' stands for every repository:*. */
export function permissionToScopes(permission: Permission): string[] {
  const { domain, resource } = permission;
  if (domain === 'api') {
    if (resource === null) return ['api', 'api:read', 'api:write'];
    if (resource === 'write') return ['api:write', 'api:read'];
    if (resource === 'read') return ['api:read'];
    return [];
  }
  if (domain === 'repository') return [`repository:${resource}`];
  if (domain === 'repositories') return [':all'];
  return [];
}

/**
 * Access tokens name each repository: `repositories` becomes `repository:<org>` for hexpm and
 * every organization of the user (limited by the key's permissions in an exchange).
 */
export function expandRepositoriesScope(core: Core, subject: Subject, scopes: string[], key?: Key): string[] {
  if (!scopes.includes('repositories')) return scopes;
  let names: string[];
  if (isOrganization(subject)) names = [subject.name];
  else names = [HEXPM, ...core.organizationsOf(subject).map((o) => o.name)];
  if (key) {
    const allowed = new Set(key.permissions.flatMap((p) => (p.domain === 'repositories' ? [':all'] : p.domain === 'repository' ? [p.resource] : [])));
    names = names.filter((name) => allowed.has(':all') || allowed.has(name));
  }
  return [...scopes.filter((s) => s !== 'repositories'), ...names.map((name) => `repository:${name}`)];
}

export interface IssuedToken {
  token: Token;
  accessToken: string;
  refreshToken: string | null;
  /** Organizations left out of the scopes until the session authenticates through their identity provider. */
  ssoReauthRequired: string[];
}

export interface IssueOptions {
  clientId: string;
  grantType: string;
  grantReference: string | null;
  sessionId: number;
  withRefreshToken: boolean;
  expiresIn?: number;
  refreshTokenExpiresAt?: number;
  /** The personal key a client_credentials token is exchanged from: single sign-on judges the key, not a session. */
  key?: Key;
}

/** Tokens.create_for_user / create_for_org: signs the JWTs and stores the row. */
export function issueToken(core: Core, subject: User | Organization, scopes: string[], options: IssueOptions): IssuedToken {
  const now = core.now();
  const nowSeconds = Math.floor(now / 1000);
  const expiresIn = options.expiresIn ?? ACCESS_TOKEN_SECONDS;
  const organization = isOrganization(subject);
  // Organization tokens only come from key exchanges, whose scopes are already expanded. A
  // user's lose the organizations single sign-on keeps this session out of.
  const sso = organization
    ? { scopes, required: [] }
    : filterSsoScopes(core, subject, expandRepositoriesScope(core, subject, scopes), options.sessionId, options.key);
  const expanded = sso.scopes;
  const sub = organization ? `org:${subject.name}` : `user:${subject.username}`;
  const jti = randomUrlSafe(16);
  const accessToken = signJwt(
    { iss: 'hexpm', aud: 'hexpm:api', sub, jti, iat: nowSeconds, nbf: nowSeconds - 30, scope: expanded.join(' '), exp: nowSeconds + expiresIn },
    core.secrets.jwtPrivateKeyPem,
  );
  const token: Token = {
    id: core.nextId(),
    jti,
    refreshJti: null,
    refreshTokenHash: null,
    scopes: expanded,
    grantedScopes: scopes,
    expiresAt: now + expiresIn * 1000,
    refreshTokenExpiresAt: null,
    revokedAt: null,
    grantType: options.grantType,
    grantReference: options.grantReference,
    userId: organization ? null : subject.id,
    organizationId: organization ? subject.id : null,
    clientId: options.clientId,
    sessionId: options.sessionId,
    insertedAt: now,
  };
  let refreshToken: string | null = null;
  if (options.withRefreshToken && !organization) {
    const refreshJti = randomUrlSafe(16);
    refreshToken = signJwt(
      { iss: 'hexpm', aud: 'hexpm:api', sub, jti: refreshJti, iat: nowSeconds, nbf: nowSeconds - 30, scope: scopes.join(' '), exp: nowSeconds + REFRESH_TOKEN_SECONDS },
      core.secrets.jwtPrivateKeyPem,
    );
    token.refreshJti = refreshJti;
    token.refreshTokenHash = sha256Hex(refreshToken);
    token.refreshTokenExpiresAt = options.refreshTokenExpiresAt ?? now + REFRESH_TOKEN_SECONDS * 1000;
  }
  core.data.tokens.push(token);
  core.changed();
  return { token, accessToken, refreshToken, ssoReauthRequired: sso.required };
}

export function tokenRevoked(token: Token): boolean {
  return token.revokedAt !== null;
}

export function tokenExpired(core: Core, token: Token): boolean {
  return core.now() > token.expiresAt;
}

export function refreshTokenExpired(core: Core, token: Token): boolean {
  return token.refreshTokenExpiresAt !== null && core.now() > token.refreshTokenExpiresAt;
}

/** Tokens.lookup: the row behind a JWT we signed (and that has not expired), or null. */
export function lookupToken(core: Core, jwt: string, type: 'access' | 'refresh', clientId?: string): Token | null {
  const claims = verifyJwt(jwt, core.secrets.jwtPublicKeyPem, Math.floor(core.now() / 1000));
  if (!claims || typeof claims.jti !== 'string') return null;
  const jti = claims.jti;
  return (
    core.data.tokens.find(
      (t) => (type === 'access' ? t.jti === jti : t.refreshJti === jti) && (clientId === undefined || t.clientId === clientId),
    ) ?? null
  );
}

export function revokeToken(core: Core, token: Token): void {
  token.revokedAt ??= core.now();
  core.changed();
}

export function newSessionId(core: Core): number {
  return core.nextId();
}

// ---------------------------------------------------------------- device flow

export function startDeviceAuthorization(core: Core, clientId: string, scopes: string[], name: string | null): DeviceCode {
  const now = core.now();
  const record: DeviceCode = {
    id: core.nextId(),
    deviceCode: randomUrlSafe(32).slice(0, 32),
    userCode: generateUserCode(),
    clientId,
    expiresAt: now + DEVICE_CODE_SECONDS * 1000,
    interval: core.data.config.deviceInterval,
    status: 'pending',
    scopes: expandApiScope(scopes),
    name,
    userId: null,
    insertedAt: now,
  };
  core.data.deviceCodes.push(record);
  core.changed();
  return record;
}

export function deviceExpired(core: Core, record: DeviceCode): boolean {
  return core.now() > record.expiresAt;
}

export type DeviceDecision = { ok: true } | { error: string; description: string };

/**
 * What the verification page does when the user approves. The page lists each requested scope
 * with a box: `api:read` is required (always sent), `api:write` needs 2FA on the account, any
 * other box may be unticked. `selected`: the ticked boxes; undefined approves every requested scope.
 */
export function approveDevice(core: Core, userCode: string, user: User, selected?: string[]): DeviceDecision {
  const record = core.data.deviceCodes.find((d) => d.userCode === normalizeUserCode(userCode));
  if (!record) return { error: 'invalid_code', description: 'Invalid user code' };
  if (deviceExpired(core, record)) {
    record.status = 'expired';
    core.changed();
    return { error: 'expired_token', description: 'Device code has expired' };
  }
  if (record.status !== 'pending') return { error: 'invalid_grant', description: 'Device code is not pending authorization' };
  let scopes = record.scopes;
  if (selected) {
    scopes = record.scopes.includes('api:read') ? [...new Set(['api:read', ...selected])] : selected;
    if (scopes.some((s) => !record.scopes.includes(s))) return { error: 'invalid_scopes', description: 'Selected scopes not in original request' };
    if (scopes.some((s) => s === 'api' || s === 'api:write') && !user.tfaSecret) {
      return { error: 'tfa_required', description: 'Two-factor authentication is required for api:write permissions' };
    }
  }
  if (scopes.length === 0) return { error: 'invalid_scopes', description: 'At least one permission must be selected' };
  issueToken(core, user, scopes, {
    clientId: record.clientId,
    grantType: DEVICE_GRANT,
    grantReference: record.deviceCode,
    sessionId: newSessionId(core),
    withRefreshToken: true,
  });
  record.status = 'authorized';
  record.userId = user.id;
  core.changed();
  return { ok: true };
}

export function denyDevice(core: Core, userCode: string): DeviceDecision {
  const record = core.data.deviceCodes.find((d) => d.userCode === normalizeUserCode(userCode));
  if (!record) return { error: 'invalid_code', description: 'Invalid user code' };
  record.status = 'denied';
  core.changed();
  return { ok: true };
}

/** The page accepts the code as shown (`ABCD-EFGH`) or typed in lower case. */
function normalizeUserCode(code: string): string {
  return code.replace(/-/g, '').toUpperCase();
}

export type PollResult = { issued: IssuedToken } | { error: string; description: string };

/** DeviceCodes.poll_device_token; an authorized code yields a fresh token on each poll, revoking the last. */
export function pollDevice(core: Core, deviceCode: string | null, clientId: string | null): PollResult {
  if (!deviceCode) return { error: 'invalid_grant', description: 'Invalid device code' };
  const record = core.data.deviceCodes.find((d) => d.deviceCode === deviceCode);
  if (!record) return { error: 'invalid_grant', description: 'Invalid device code' };
  if (record.clientId !== clientId) return { error: 'invalid_client', description: 'Invalid client' };
  if (deviceExpired(core, record)) {
    record.status = 'expired';
    core.changed();
    return { error: 'expired_token', description: 'Device code has expired' };
  }
  if (record.status === 'denied') return { error: 'access_denied', description: 'Authorization denied by user' };
  if (record.status === 'authorized') {
    const live = core.data.tokens.filter(
      (t) => t.grantType === DEVICE_GRANT && t.grantReference === record.deviceCode && t.clientId === record.clientId && t.revokedAt === null,
    );
    const last = live.at(-1);
    const user = last ? core.user(last.userId) : undefined;
    if (!last || !user) return { error: 'invalid_grant', description: 'No token found for authorized device' };
    for (const token of live) revokeToken(core, token);
    // The scopes as granted: `repositories` is expanded anew against today's memberships.
    return {
      issued: issueToken(core, user, last.grantedScopes, {
        clientId: last.clientId,
        grantType: DEVICE_GRANT,
        grantReference: record.deviceCode,
        sessionId: last.sessionId,
        withRefreshToken: last.refreshJti !== null,
        expiresIn: Math.round((last.expiresAt - core.now()) / 1000),
      }),
    };
  }
  if (record.status === 'pending') return { error: 'authorization_pending', description: 'Authorization pending' };
  return { error: 'invalid_grant', description: 'Invalid device code state' };
}
