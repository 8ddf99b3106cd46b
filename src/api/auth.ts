import type { ApiClient } from './client.js';
import { checked, object, oneOf, string } from './shape.js';
import type { AuthCheck } from './types.js';

export const authCheck = object({ key: object({ name: string, owner: object({ type: oneOf('user', 'organization'), name: string }) }) });

/**
 * GET /api/auth: does the credential the client sends grant `domain` on `resource`?
 * A key gets 200 with its name and owner; an OAuth token gets 204 (no body).
 */
export async function check(client: ApiClient, domain: string, resource?: string): Promise<AuthCheck | undefined> {
  const response = await client.request<unknown>({ method: 'GET', path: '/auth', query: { domain, resource }, auth: 'required' });
  return response.status === 204 ? undefined : checked(authCheck, client, 'GET', '/auth', response);
}
