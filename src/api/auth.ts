import type { ApiClient } from './client.js';
import type { AuthCheck } from './types.js';

/**
 * GET /api/auth: does the credential the client sends grant `domain` on `resource`?
 * A key gets 200 with its name and owner; an OAuth token gets 204 (no body).
 */
export async function check(client: ApiClient, domain: string, resource?: string): Promise<AuthCheck | undefined> {
  const response = await client.request<AuthCheck | undefined>({ method: 'GET', path: '/auth', query: { domain, resource }, auth: 'required' });
  return response.status === 204 ? undefined : response.body;
}
