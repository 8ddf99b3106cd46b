import type { ApiClient } from './client.js';
import { repoPrefix, segment } from './paths.js';
import type { User } from './types.js';

const ownersPath = (name: string, organization?: string) => `${repoPrefix(organization)}/packages/${segment(name)}/owners`;

export async function list(client: ApiClient, name: string, organization?: string): Promise<User[]> {
  return (await client.get<User[]>(ownersPath(name, organization))).body;
}

export type OwnerLevel = 'full' | 'maintainer';

/** Adds an owner, or with `transfer` hands the package over, removing every other owner. */
export async function add(client: ApiClient, name: string, owner: string, options: { level: OwnerLevel; transfer: boolean }, organization?: string): Promise<void> {
  await client.request({ method: 'PUT', path: `${ownersPath(name, organization)}/${segment(owner)}`, body: options, auth: 'required' });
}

export async function remove(client: ApiClient, name: string, owner: string, organization?: string): Promise<void> {
  await client.request({ method: 'DELETE', path: `${ownersPath(name, organization)}/${segment(owner)}`, auth: 'required' });
}
