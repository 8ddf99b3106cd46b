import type { ApiClient } from './client.js';
import { segment } from './paths.js';
import { array, nullable, object, optional, request, string } from './shape.js';
import type { Key, NewKeyAnswer, Permission } from './types.js';

// User keys live under /keys, organization keys under /orgs/ORG/keys; the shapes are the same.
const base = (organization?: string) => (organization ? `/orgs/${segment(organization)}/keys` : '/keys');

export const permission = object({ domain: string, resource: nullable(string) });

const keyFields = {
  name: string,
  permissions: array(permission),
  inserted_at: string,
  updated_at: string,
  /** When the key stops working; null or absent when it does not. */
  revoke_at: optional(nullable(string)),
  last_use: optional(nullable(object({ used_at: optional(nullable(string)), ip: optional(nullable(string)), user_agent: optional(nullable(string)) }))),
};
export const key = object(keyFields);
/** A key just created: the one answer that carries its secret. */
export const newKey = object({ ...keyFields, secret: string });

export interface NewKey {
  name: string;
  permissions: Permission[];
  /** ISO-8601; the server refuses the key after this moment. */
  revoke_at?: string;
}

export function list(client: ApiClient, organization?: string): Promise<Key[]> {
  return request(client, array(key), { method: 'GET', path: base(organization), auth: 'required' });
}

export function create(client: ApiClient, params: NewKey, organization?: string): Promise<NewKeyAnswer> {
  return request(client, newKey, { method: 'POST', path: base(organization), body: params, auth: 'required' });
}

/** Revokes a key; the answer (the revoked key) is not read. */
export async function revoke(client: ApiClient, name: string, organization?: string): Promise<void> {
  await client.request({ method: 'DELETE', path: `${base(organization)}/${segment(name)}`, auth: 'required' });
}

export async function revokeAll(client: ApiClient, organization?: string): Promise<void> {
  await client.request({ method: 'DELETE', path: base(organization), auth: 'required' });
}
