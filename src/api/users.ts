import type { ApiClient } from './client.js';
import type { User } from './types.js';

export interface Registration {
  username: string;
  email: string;
  password: string;
  full_name?: string;
}

export async function register(client: ApiClient, registration: Registration): Promise<User> {
  return (await client.request<User>({ method: 'POST', path: '/users', body: registration, auth: 'none' })).body;
}

export async function me(client: ApiClient): Promise<User> {
  return (await client.request<User>({ method: 'GET', path: '/users/me', auth: 'required' })).body;
}

export async function get(client: ApiClient, usernameOrEmail: string): Promise<User> {
  return (await client.get<User>(`/users/${encodeURIComponent(usernameOrEmail)}`)).body;
}
