import type { ApiClient } from './client.js';
import { array, nullable, number, object, optional, request, string } from './shape.js';
import type { DeviceAuthorization, SsoAuthorization, TokenResponse } from './types.js';

// The OAuth endpoints take no Authorization header: the client id (and for
// client_credentials the API key as client_secret) travel in the body.

export const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

export const deviceAuthorizationShape = object({
  device_code: string,
  user_code: string,
  verification_uri: string,
  verification_uri_complete: optional(string),
  expires_in: optional(number),
  interval: optional(number),
});

/**
 * A client_credentials grant has no refresh token. `sso_reauth_required`: the organizations
 * whose single sign-on this session has yet to go through (their scopes are left out); absent
 * when there are none.
 */
export const tokenResponse = object({
  access_token: string,
  expires_in: number,
  refresh_token: optional(nullable(string)),
  scope: optional(string),
  sso_reauth_required: optional(array(string)),
});

export const ssoAuthorizationShape = object({ verification_uri: string, expires_in: number });

export function deviceAuthorization(client: ApiClient, params: { client_id: string; scope: string; name?: string }): Promise<DeviceAuthorization> {
  return request(client, deviceAuthorizationShape, { method: 'POST', path: '/oauth/device_authorization', body: params, auth: 'none' });
}

export type TokenGrant =
  | { grant_type: typeof DEVICE_CODE_GRANT; device_code: string; client_id: string }
  | { grant_type: 'refresh_token'; refresh_token: string; client_id: string }
  | { grant_type: 'client_credentials'; client_id: string; client_secret: string; scope: string; name?: string };

export function token(client: ApiClient, grant: TokenGrant): Promise<TokenResponse> {
  return request(client, tokenResponse, { method: 'POST', path: '/oauth/token', body: grant, auth: 'none' });
}

/**
 * Asks for a URI where the user re-authorizes the session of the OAuth token this request
 * carries for organizations that require single sign-on; a refresh then carries their scopes.
 */
export function ssoAuthorization(client: ApiClient, organizations: string[]): Promise<SsoAuthorization> {
  return request(client, ssoAuthorizationShape, { method: 'POST', path: '/oauth/sso_authorization', body: { organizations }, auth: 'required' });
}

export async function revoke(client: ApiClient, params: { token: string; client_id: string }): Promise<void> {
  await client.request({ method: 'POST', path: '/oauth/revoke', body: params, auth: 'none' });
}
