import type { ApiClient } from './client.js';
import { nullable, number, object, optional, request, string } from './shape.js';
import type { DeviceAuthorization, TokenResponse } from './types.js';

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

/** A client_credentials grant has no refresh token. */
export const tokenResponse = object({ access_token: string, expires_in: number, refresh_token: optional(nullable(string)), scope: optional(string) });

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

export async function revoke(client: ApiClient, params: { token: string; client_id: string }): Promise<void> {
  await client.request({ method: 'POST', path: '/oauth/revoke', body: params, auth: 'none' });
}
