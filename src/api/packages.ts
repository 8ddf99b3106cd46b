import type { ApiClient } from './client.js';
import { repoPrefix, segment } from './paths.js';
import { retirement } from './releases.js';
import { array, nullable, number, object, optional, record, request, string } from './shape.js';
import type { Package } from './types.js';

/** A package as `info` and `package search` read it (api.md §5); releases come newest first. */
export const pkg = object({
  repository: string,
  name: string,
  url: optional(string),
  html_url: optional(nullable(string)),
  docs_html_url: optional(nullable(string)),
  configs: optional(record(string)),
  meta: object({ description: optional(nullable(string)), licenses: optional(array(string)), links: optional(record(string)) }),
  releases: optional(array(object({ version: string, inserted_at: optional(string) }))),
  retirements: optional(record(retirement)),
  downloads: optional(record(number)),
});

export function get(client: ApiClient, name: string, organization?: string): Promise<Package> {
  return request(client, pkg, { method: 'GET', path: `${repoPrefix(organization)}/packages/${segment(name)}` });
}

export interface SearchOptions {
  search: string;
  sort?: 'name' | 'recent_downloads' | 'total_downloads' | 'downloads' | 'inserted_at' | 'updated_at';
  page?: number;
}

export function search(client: ApiClient, options: SearchOptions, organization?: string): Promise<Package[]> {
  const query = { search: options.search, sort: options.sort, page: options.page };
  return request(client, array(pkg), { method: 'GET', path: `${repoPrefix(organization)}/packages`, query });
}
