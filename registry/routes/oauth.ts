import { keyAuth } from '../accounts.js';
import { authorize } from '../auth.js';
import type { Core } from '../core.js';
import { empty, errorReply, header, stringParam, view, type Ctx, type Reply, type ViewValue } from '../http.js';
import {
  DEVICE_GRANT,
  clientSupportsScopes,
  expandApiScope,
  expandRepositoriesScope,
  issueToken,
  knownClient,
  lookupToken,
  newSessionId,
  permissionToScopes,
  pollDevice,
  refreshTokenExpired,
  revokeToken,
  startDeviceAuthorization,
  type IssuedToken,
} from '../oauth.js';
import { readOnlyOAuthReply, userRepositoryKey, userRepositoryKeyHeader } from '../notices.js';
import { route, type Route } from '../router.js';
import { requestAuthorization } from '../sso.js';

// HexpmWeb.API.OAuthController: errors are {error, error_description}; invalid_client is 401,
// access_denied 403, server_error 500, everything else 400.

const STATUS: Record<string, number> = { invalid_client: 401, access_denied: 403, server_error: 500 };
const GRANTS = new Set(['authorization_code', DEVICE_GRANT, 'refresh_token', 'client_credentials']);

function oauthError(error: string, description: string): Reply {
  return view(STATUS[error] ?? 400, { error, error_description: description });
}

function tokenReply(core: Core, issued: IssuedToken): Reply {
  const body: Record<string, ViewValue> = {
    access_token: issued.accessToken,
    token_type: 'bearer',
    expires_in: Math.max(Math.round((issued.token.expiresAt - core.now()) / 1000), 0),
    scope: issued.token.scopes.join(' '),
  };
  if (issued.refreshToken) body.refresh_token = issued.refreshToken;
  // Additive, as hexpm sends it: absent when no organization needs the session to re-authenticate.
  if (issued.ssoReauthRequired.length > 0) body.sso_reauth_required = issued.ssoReauthRequired;
  return view(200, body);
}

/** validate_client: a known public client id. */
function clientError(clientId: string | null): Reply | null {
  if (!clientId) return oauthError('invalid_client', 'Missing client_id');
  if (!knownClient(clientId)) return oauthError('invalid_client', 'Invalid client');
  return null;
}

function scopeList(value: unknown): string[] | null {
  if (value === undefined || value === null) return [];
  return typeof value === 'string' ? value.split(' ').filter((s) => s !== '') : null;
}

function deviceAuthorization(ctx: Ctx): Reply {
  if (ctx.core.data.config.readOnly) return readOnlyOAuthReply();
  const clientId = stringParam(ctx, 'client_id');
  const invalid = clientError(clientId);
  if (invalid) return invalid;
  const requested = scopeList(ctx.params.scope);
  const scopes = requested && expandApiScope(requested);
  if (!scopes || !clientSupportsScopes(scopes)) return oauthError('invalid_scope', 'Invalid scope');
  const record = startDeviceAuthorization(ctx.core, clientId!, scopes, stringParam(ctx, 'name'));
  const verificationUri = `${ctx.core.url}/oauth/device`;
  return view(200, {
    device_code: record.deviceCode,
    user_code: record.userCode,
    verification_uri: verificationUri,
    verification_uri_complete: `${verificationUri}?user_code=${record.userCode}`,
    expires_in: Math.max(Math.round((record.expiresAt - ctx.core.now()) / 1000), 0),
    interval: record.interval,
  });
}

function token(ctx: Ctx): Reply {
  const grantType = ctx.params.grant_type;
  // Only an API key's exchange goes on while read-only (hexpm mints a token it does not store).
  if (ctx.core.data.config.readOnly && grantType !== 'client_credentials' && typeof grantType === 'string' && GRANTS.has(grantType)) return readOnlyOAuthReply();
  switch (grantType) {
    case 'authorization_code': {
      const invalid = clientError(stringParam(ctx, 'client_id'));
      if (invalid) return invalid;
      // No authorization codes are ever issued here (there is no browser consent page).
      return stringParam(ctx, 'code')
        ? oauthError('invalid_grant', 'Invalid authorization code')
        : oauthError('invalid_grant', 'Missing authorization code');
    }
    case DEVICE_GRANT: {
      const clientId = stringParam(ctx, 'client_id');
      const invalid = clientError(clientId);
      if (invalid) return invalid;
      const result = pollDevice(ctx.core, stringParam(ctx, 'device_code'), clientId);
      return 'issued' in result ? tokenReply(ctx.core, result.issued) : oauthError(result.error, result.description);
    }
    case 'refresh_token':
      return refresh(ctx);
    case 'client_credentials':
      return clientCredentials(ctx);
    default:
      return oauthError(
        'unsupported_grant_type',
        `Unsupported grant type: ${typeof grantType === 'string' ? JSON.stringify(grantType) : 'nil'}`,
      );
  }
}

function refresh(ctx: Ctx): Reply {
  const core = ctx.core;
  const clientId = stringParam(ctx, 'client_id');
  const invalid = clientError(clientId);
  if (invalid) return invalid;
  const refreshToken = stringParam(ctx, 'refresh_token');
  if (!refreshToken) return oauthError('invalid_grant', 'Missing refresh token');
  const old = lookupToken(core, refreshToken, 'refresh', clientId!);
  if (!old) return oauthError('invalid_grant', 'Invalid refresh token');
  if (old.revokedAt !== null) return oauthError('invalid_grant', 'Refresh token has been revoked');
  if (refreshTokenExpired(core, old)) return oauthError('invalid_grant', 'Refresh token has expired');
  const user = core.user(old.userId);
  if (!user) return oauthError('invalid_grant', 'Invalid refresh token');
  revokeToken(core, old);
  // Re-expands `repositories` against the user's current organizations.
  const issued = issueToken(core, user, old.grantedScopes, {
    clientId: clientId!,
    grantType: 'refresh_token',
    grantReference: refreshToken,
    sessionId: old.sessionId,
    withRefreshToken: true,
    refreshTokenExpiresAt: old.refreshTokenExpiresAt ?? undefined,
  });
  return tokenReply(core, issued);
}

function clientCredentials(ctx: Ctx): Reply {
  const core = ctx.core;
  const clientId = stringParam(ctx, 'client_id');
  const invalid = clientError(clientId);
  if (invalid) return invalid;
  const secret = stringParam(ctx, 'client_secret');
  if (!secret) return oauthError('invalid_request', 'Missing or invalid client_secret');
  const auth = keyAuth(core, secret, { ip: ctx.remoteIp, userAgent: header(ctx, 'user-agent') ?? null });
  if (typeof auth === 'string') return oauthError('invalid_client', 'Invalid API key');
  const { key } = auth;
  const subject = key.organizationId !== null ? core.organization(key.organizationId) : core.user(key.userId);
  if (!subject) return oauthError('invalid_client', 'Invalid API key');
  const requested = scopeList(ctx.params.scope);
  if (!requested) return oauthError('invalid_scope', 'Invalid scope parameter');
  const forRepositories = (list: string[]) => list.some((s) => s === 'repositories' || s.startsWith('repository:'));
  if (core.data.config.userRepositoryKeys === 'disabled' && key.userId !== null && forRepositories(requested)) {
    const refused = oauthError('invalid_scope', 'user keys no longer grant repository access, use an organization key');
    return { ...refused, headers: { ...refused.headers, ...userRepositoryKeyHeader('fatal') } };
  }
  const scopes = expandRepositoriesScope(core, subject, requested, key);
  const allowed = new Set(key.permissions.flatMap(permissionToScopes));
  const withinKey = scopes.every((s) => allowed.has(s) || (allowed.has(':all') && s.startsWith('repository:')));
  if (!withinKey) return oauthError('invalid_scope', 'Requested scopes exceed API key permissions');
  const issued = issueToken(core, subject, scopes, {
    clientId: clientId!,
    grantType: 'client_credentials',
    grantReference: secret,
    sessionId: newSessionId(core),
    withRefreshToken: false,
    key: key.organizationId === null ? key : undefined,
  });
  const reply = tokenReply(core, issued);
  const warned = core.data.config.userRepositoryKeys === 'deprecated' && userRepositoryKey(key) && forRepositories(scopes);
  return warned ? { ...reply, headers: { ...reply.headers, ...userRepositoryKeyHeader('warn') } } : reply;
}

/** Always 200 with an empty body (RFC 7009), whether or not anything was revoked. */
function revoke(ctx: Ctx): Reply {
  if (ctx.core.data.config.readOnly) return readOnlyOAuthReply();
  const core = ctx.core;
  const value = stringParam(ctx, 'token');
  const clientId = stringParam(ctx, 'client_id');
  if (value && clientId && knownClient(clientId)) {
    const found = lookupToken(core, value, 'access', clientId) ?? lookupToken(core, value, 'refresh', clientId);
    if (found) revokeToken(core, found);
  }
  return empty(200);
}

/** Revokes the whole session of the refresh token whose sha256 is given. */
function revokeByHash(ctx: Ctx): Reply {
  if (ctx.core.data.config.readOnly) return readOnlyOAuthReply();
  const core = ctx.core;
  const hash = stringParam(ctx, 'token_hash')?.toLowerCase();
  const found = hash ? core.data.tokens.find((t) => t.refreshTokenHash === hash) : undefined;
  if (found) for (const t of core.data.tokens) if (t.sessionId === found.sessionId) revokeToken(core, t);
  return empty(200);
}

/**
 * HexpmWeb.API.SSOAuthorizationController: the OAuth session in hand asks to be re-authorized
 * for organizations that require single sign-on; 201 with the URI to open, 422 with why not.
 */
function ssoAuthorization(ctx: Ctx): Reply {
  authorize(ctx, { required: true });
  const { user, credential } = ctx.auth;
  // A static key has no session to hold organization access.
  if (!user || credential?.kind !== 'token') {
    return errorReply(422, { message: 'SSO re-authorization is for an OAuth session, run mix hex.user auth to get one' });
  }
  const result = requestAuthorization(ctx.core, user, credential.token.sessionId, ctx.params.organizations);
  if ('error' in result) return errorReply(422, { message: result.error });
  return view(201, { verification_uri: result.verificationUri, expires_in: result.expiresIn });
}

export const oauthRoutes: Route[] = [
  route('POST', '/api/oauth/token', token),
  route('POST', '/api/oauth/device_authorization', deviceAuthorization),
  route('POST', '/api/oauth/revoke', revoke),
  route('POST', '/api/oauth/revoke_by_hash', revokeByHash),
  route('POST', '/api/oauth/sso_authorization', ssoAuthorization),
];
