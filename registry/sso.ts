import type { Core } from './core.js';
import { randomUrlSafe, sha256Hex } from './crypto.js';
import type { Auth } from './http.js';
import type { Key, Organization, SsoAuthorization, User } from './state.js';

// Organization single sign-on as hexpm enforces it (Hexpm.Accounts.SSO.Enforcement, on its
// organization-sso-phase-4 branch), for an organization that requires it of every member:
//   - an OAuth token reaches the organization only while its session holds a live organization
//     access session, which the member gets by finishing a re-authorization in the browser;
//   - token scopes naming the organization (repository:ORG, docs:ORG) are left out when the
//     token is minted without one, and the token response names the organization
//     (sso_reauth_required), so a client knows what to ask for;
//   - a member's personal API key reaches it unless the organization blocks personal keys;
//   - an organization's own key is never governed.
// The identity provider itself is not here: POST /_test/sso/authorize stands for the browser step.

/** How long an organization access session lasts (hexpm's default session lifetime). */
const ORG_SESSION_SECONDS = 24 * 60 * 60;
/** How long a re-authorization's verification URI may be opened. */
const AUTHORIZATION_SECONDS = 10 * 60;
const AUTHORIZATION_ORGANIZATION_LIMIT = 20;

export type SsoRefusal = 'sso_required' | 'personal_key';

function isMember(organization: Organization, user: User): boolean {
  return organization.members.some((m) => m.userId === user.id);
}

/** Enforcement.governed?: whether the member's access to the organization is subject to SSO. */
function governs(organization: Organization, user: User): boolean {
  return organization.sso !== undefined && isMember(organization, user);
}

function liveOrgSession(core: Core, user: User, organization: Organization, sessionId: number | null): boolean {
  if (sessionId === null) return false;
  const now = core.now();
  return core.data.orgSessions.some((s) => s.userId === user.id && s.organizationId === organization.id && s.sessionId === sessionId && s.expiresAt > now);
}

/**
 * Enforcement.check: why this request's credential may not reach the organization, or null. A
 * personal key is refused only where personal keys are blocked; a token (or a password) needs
 * a live organization access session for its session.
 */
export function ssoRefusal(core: Core, organization: Organization, auth: Auth): SsoRefusal | null {
  const user = auth.user;
  if (!user || !governs(organization, user)) return null;
  const credential = auth.credential;
  if (credential?.kind === 'key') return organization.sso!.personalKeys === 'block' ? 'personal_key' : null;
  const sessionId = credential?.kind === 'token' ? credential.token.sessionId : null;
  return liveOrgSession(core, user, organization, sessionId) ? null : 'sso_required';
}

/** Enforcement.refusal_message, word for word. */
export function refusalMessage(core: Core, refusal: SsoRefusal, organization: Organization): string {
  return refusal === 'sso_required'
    ? `organization ${organization.name} requires authenticating through its identity provider, sign in at ${core.url}/sso/org/${organization.name}`
    : `organization ${organization.name} does not accept personal API keys, use an organization key for automation or run mix hex.user auth`;
}

/** The organization a scope names (repository:ORG, docs:ORG), if any. */
function scopeOrganization(core: Core, scope: string): Organization | undefined {
  const name = /^(?:repository|docs):(.+)$/.exec(scope)?.[1];
  return name === undefined ? undefined : core.organizationByName(name);
}

/**
 * Permissions.filter_sso_scopes: the scopes a user's token may carry, and the organizations
 * authenticating would give back. A token exchanged from a personal key (`key`) holds the key's
 * standing instead: it loses the organizations that block personal keys, and names none.
 */
export function filterSsoScopes(core: Core, user: User, scopes: string[], sessionId: number, key?: Key): { scopes: string[]; required: string[] } {
  const refused = (organization: Organization | undefined): boolean => {
    if (!organization || !governs(organization, user)) return false;
    return key ? organization.sso!.personalKeys === 'block' : !liveOrgSession(core, user, organization, sessionId);
  };
  const kept = scopes.filter((scope) => !refused(scopeOrganization(core, scope)));
  const required = key ? [] : [...new Set(scopes.filter((scope) => !kept.includes(scope)).map((scope) => scopeOrganization(core, scope)!.name))];
  return { scopes: kept, required };
}

export type AuthorizationRequest = { verificationUri: string; expiresIn: number } | { error: string };

/**
 * SSO.request_authorization: a code for the browser to finish re-authorizing `sessionId` for
 * the named organizations, every one of which must govern the user.
 */
export function requestAuthorization(core: Core, user: User, sessionId: number, names: unknown): AuthorizationRequest {
  const unique = Array.isArray(names) ? [...new Set(names)] : [];
  const valid = unique.length > 0 && unique.length <= AUTHORIZATION_ORGANIZATION_LIMIT
    && unique.every((n) => typeof n === 'string' && n !== '' && Buffer.byteLength(n) <= 100);
  if (!valid) return { error: 'organizations must be a list of organization names' };
  const organizations = (unique as string[]).map((name) => core.organizationByName(name));
  // One answer for a missing organization, one the user is not in, and one without SSO.
  if (!organizations.every((o): o is Organization => o !== undefined && governs(o, user))) {
    return { error: 'SSO authentication is not required for the requested organizations' };
  }
  const code = randomUrlSafe(32);
  const now = core.now();
  core.data.ssoAuthorizations.push({
    id: core.nextId(),
    codeHash: sha256Hex(code),
    userId: user.id,
    sessionId,
    organizationIds: organizations.map((o) => o.id),
    expiresAt: now + AUTHORIZATION_SECONDS * 1000,
    consumedAt: null,
  });
  core.changed();
  return { verificationUri: `${core.url}/sso/authorize?code=${code}`, expiresIn: AUTHORIZATION_SECONDS };
}

/** The open re-authorization `code` names for `user`, while its OAuth session lives (SSO.get_authorization). */
function openAuthorization(core: Core, code: string, user: User): SsoAuthorization | undefined {
  const now = core.now();
  const hash = sha256Hex(code);
  const authorization = core.data.ssoAuthorizations.find((a) => a.codeHash === hash && a.userId === user.id && a.consumedAt === null && a.expiresAt > now);
  const sessionLive = core.data.tokens.some((t) => t.sessionId === authorization?.sessionId && t.userId === user.id && t.revokedAt === null);
  return sessionLive ? authorization : undefined;
}

/**
 * What the browser does once the identity provider authenticated `user`: each organization of
 * the re-authorization gets an organization access session for the OAuth session that asked.
 * False when the code is not open for this account.
 */
export function completeAuthorization(core: Core, code: string, user: User): boolean {
  const authorization = openAuthorization(core, code, user);
  if (!authorization) return false;
  const now = core.now();
  for (const organizationId of authorization.organizationIds) {
    core.data.orgSessions = core.data.orgSessions.filter((s) => !(s.sessionId === authorization.sessionId && s.organizationId === organizationId));
    core.data.orgSessions.push({ userId: user.id, organizationId, sessionId: authorization.sessionId, expiresAt: now + ORG_SESSION_SECONDS * 1000 });
  }
  authorization.consumedAt = now;
  core.changed();
  return true;
}
