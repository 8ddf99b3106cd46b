import type { ApiClient } from './client.js';
import { segment } from './paths.js';
import type { Key, Permission } from './types.js';

// User keys live under /keys, organization keys under /orgs/ORG/keys; the shapes are the same.
const base = (organization?: string) => (organization ? `/orgs/${segment(organization)}/keys` : '/keys');

export interface NewKey {
  name: string;
  permissions: Permission[];
  /** ISO-8601; the server refuses the key after this moment. */
  revoke_at?: string;
}

export async function list(client: ApiClient, organization?: string): Promise<Key[]> {
  return (await client.request<Key[]>({ method: 'GET', path: base(organization), auth: 'required' })).body;
}

export async function create(client: ApiClient, key: NewKey, organization?: string): Promise<Key> {
  return (await client.request<Key>({ method: 'POST', path: base(organization), body: key, auth: 'required' })).body;
}

export async function revoke(client: ApiClient, name: string, organization?: string): Promise<Key> {
  return (await client.request<Key>({ method: 'DELETE', path: `${base(organization)}/${segment(name)}`, auth: 'required' })).body;
}

export async function revokeAll(client: ApiClient, organization?: string): Promise<Key> {
  return (await client.request<Key>({ method: 'DELETE', path: base(organization), auth: 'required' })).body;
}
