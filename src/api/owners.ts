import type { ApiClient } from './client.js';
import { repoPrefix, segment } from './paths.js';
import { array, object, optional, request, string } from './shape.js';
import type { Owner } from './types.js';
import { userFields } from './users.js';

const ownersPath = (name: string, organization?: string) => `${repoPrefix(organization)}/packages/${segment(name)}/owners`;

/** An owner: a user and the ownership level. */
export const packageOwner = object({ ...userFields, level: optional(string) });

export function list(client: ApiClient, name: string, organization?: string): Promise<Owner[]> {
  return request(client, array(packageOwner), { method: 'GET', path: ownersPath(name, organization) });
}

export type OwnerLevel = 'full' | 'maintainer';

/** Adds an owner, or with `transfer` hands the package over, removing every other owner. */
export async function add(client: ApiClient, name: string, owner: string, options: { level: OwnerLevel; transfer: boolean }, organization?: string): Promise<void> {
  await client.request({ method: 'PUT', path: `${ownersPath(name, organization)}/${segment(owner)}`, body: options, auth: 'required' });
}

export async function remove(client: ApiClient, name: string, owner: string, organization?: string): Promise<void> {
  await client.request({ method: 'DELETE', path: `${ownersPath(name, organization)}/${segment(owner)}`, auth: 'required' });
}
