import type { ApiClient } from './client.js';
import { segment } from './paths.js';
import type { Member, Organization } from './types.js';

export async function list(client: ApiClient): Promise<Organization[]> {
  return (await client.request<Organization[]>({ method: 'GET', path: '/orgs', auth: 'required' })).body;
}

export async function get(client: ApiClient, organization: string): Promise<Organization> {
  return (await client.request<Organization>({ method: 'GET', path: `/orgs/${segment(organization)}`, auth: 'required' })).body;
}

export async function members(client: ApiClient, organization: string): Promise<Member[]> {
  return (await client.request<Member[]>({ method: 'GET', path: `/orgs/${segment(organization)}/members`, auth: 'required' })).body;
}

export async function member(client: ApiClient, organization: string, username: string): Promise<Member> {
  const path = `/orgs/${segment(organization)}/members/${segment(username)}`;
  return (await client.request<Member>({ method: 'GET', path, auth: 'required' })).body;
}
