import type { ApiClient } from './client.js';
import { segment } from './paths.js';
import { array, nullable, object, optional, request, string } from './shape.js';
import type { Member, Organization } from './types.js';

export const organization = object({ name: string });
export const orgMember = object({ username: string, email: optional(nullable(string)), url: optional(string), role: string });

export function list(client: ApiClient): Promise<Organization[]> {
  return request(client, array(organization), { method: 'GET', path: '/orgs', auth: 'required' });
}

export function get(client: ApiClient, name: string): Promise<Organization> {
  return request(client, organization, { method: 'GET', path: `/orgs/${segment(name)}`, auth: 'required' });
}

export function members(client: ApiClient, name: string): Promise<Member[]> {
  return request(client, array(orgMember), { method: 'GET', path: `/orgs/${segment(name)}/members`, auth: 'required' });
}

export function member(client: ApiClient, name: string, username: string): Promise<Member> {
  return request(client, orgMember, { method: 'GET', path: `/orgs/${segment(name)}/members/${segment(username)}`, auth: 'required' });
}
