import type { ApiClient } from './client.js';
import { segment } from './paths.js';
import { object, request, string } from './shape.js';
import type { Organization } from './types.js';

export const organization = object({ name: string });

export function get(client: ApiClient, name: string): Promise<Organization> {
  return request(client, organization, { method: 'GET', path: `/orgs/${segment(name)}`, auth: 'required' });
}
