import type { ApiClient } from './client.js';
import type { User } from './types.js';
import { array, nullable, object, optional, request, string } from './shape.js';

export interface Registration {
  username: string;
  email: string;
  password: string;
  full_name?: string;
}

/** A user as hexts reads one (api.md §5): /users/me adds organizations and packages. */
export const userFields = {
  username: string,
  email: optional(nullable(string)),
  full_name: optional(nullable(string)),
  url: optional(string),
  organizations: optional(array(object({ name: string, role: string }))),
  packages: optional(array(object({ name: string, repository: string, url: string, html_url: string }))),
};
export const user = object(userFields);

/** Creates the account; its answer (the new user) is not read. */
export async function register(client: ApiClient, registration: Registration): Promise<void> {
  await client.request({ method: 'POST', path: '/users', body: registration, auth: 'none' });
}

export function me(client: ApiClient): Promise<User> {
  return request(client, user, { method: 'GET', path: '/users/me', auth: 'required' });
}

export function get(client: ApiClient, usernameOrEmail: string): Promise<User> {
  return request(client, user, { method: 'GET', path: `/users/${encodeURIComponent(usernameOrEmail)}` });
}
