import type { ApiClient } from './client.js';
import type { DeviceAuthorization, TokenResponse } from './types.js';

// The OAuth endpoints take no Authorization header: the client id (and for
// client_credentials the API key as client_secret) travel in the body.

export const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

export async function deviceAuthorization(client: ApiClient, params: { client_id: string; scope: string; name?: string }): Promise<DeviceAuthorization> {
  return (await client.request<DeviceAuthorization>({ method: 'POST', path: '/oauth/device_authorization', body: params, auth: 'none' })).body;
}

export type TokenGrant =
  | { grant_type: typeof DEVICE_CODE_GRANT; device_code: string; client_id: string }
  | { grant_type: 'refresh_token'; refresh_token: string; client_id: string }
  | { grant_type: 'client_credentials'; client_id: string; client_secret: string; scope: string; name?: string };

export async function token(client: ApiClient, grant: TokenGrant): Promise<TokenResponse> {
  return (await client.request<TokenResponse>({ method: 'POST', path: '/oauth/token', body: grant, auth: 'none' })).body;
}

export async function revoke(client: ApiClient, params: { token: string; client_id: string }): Promise<void> {
  await client.request({ method: 'POST', path: '/oauth/revoke', body: params, auth: 'none' });
}
