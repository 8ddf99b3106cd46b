import type { ApiClient } from './client.js';
import { repoPrefix, segment } from './paths.js';
import type { Package } from './types.js';

export async function get(client: ApiClient, name: string, organization?: string): Promise<Package> {
  return (await client.get<Package>(`${repoPrefix(organization)}/packages/${segment(name)}`)).body;
}

export interface SearchOptions {
  search: string;
  sort?: 'name' | 'recent_downloads' | 'total_downloads' | 'downloads' | 'inserted_at' | 'updated_at';
  page?: number;
}

export async function search(client: ApiClient, options: SearchOptions, organization?: string): Promise<Package[]> {
  const query = { search: options.search, sort: options.sort, page: options.page };
  return (await client.get<Package[]>(`${repoPrefix(organization)}/packages`, { query })).body;
}
