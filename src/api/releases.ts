import type { ApiClient } from './client.js';
import { repoPrefix, segment } from './paths.js';
import { boolean, nullable, object, optional, record, request, checked, string, unchecked } from './shape.js';
import type { Release } from './types.js';

export const releasePath = (name: string, version: string, organization?: string) =>
  `${repoPrefix(organization)}/packages/${segment(name)}/releases/${segment(version)}`;

export const retirement = object({ reason: string, message: optional(nullable(string)) });

/** A release as `info` and `publish` read it (api.md §5). */
export const release = object({
  version: string,
  checksum: string,
  has_docs: optional(boolean),
  inserted_at: optional(string),
  retirement: optional(nullable(retirement)),
  url: optional(string),
  html_url: optional(nullable(string)),
  docs_html_url: optional(nullable(string)),
  configs: optional(record(string)),
  requirements: optional(record(object({ requirement: string, app: optional(nullable(string)), optional: optional(boolean) }))),
  /** A count, or per-day counts when asked for (hexts never asks): shown only when a number. */
  downloads: unchecked,
  publisher: optional(nullable(object({ username: string, email: optional(nullable(string)) }))),
});

export function get(client: ApiClient, name: string, version: string, organization?: string): Promise<Release> {
  return request(client, release, { method: 'GET', path: releasePath(name, version, organization) });
}

/** Reverts (deletes) a release; the package goes with its last release. */
export async function remove(client: ApiClient, name: string, version: string, organization?: string): Promise<void> {
  await client.request({ method: 'DELETE', path: releasePath(name, version, organization), auth: 'required' });
}

export type RetirementReason = 'renamed' | 'deprecated' | 'security' | 'invalid' | 'other';

export async function retire(client: ApiClient, name: string, version: string, reason: RetirementReason, message: string | undefined, organization?: string): Promise<void> {
  const body = message === undefined ? { reason } : { reason, message };
  await client.request({ method: 'POST', path: `${releasePath(name, version, organization)}/retire`, body, auth: 'required' });
}

export async function unretire(client: ApiClient, name: string, version: string, organization?: string): Promise<void> {
  await client.request({ method: 'DELETE', path: `${releasePath(name, version, organization)}/retire`, auth: 'required' });
}



/**
 * Publishes a release tarball: `POST [/repos/ORG]/packages/NAME/releases?replace=…`, the
 * route hex_core uses (it checks the credential before reading the tarball). 201 for a new
 * version, 200 for a replaced one.
 */
export async function publish(
  client: ApiClient,
  name: string,
  tarball: Buffer,
  options: { organization?: string; replace: boolean; onProgress?: (sent: number, total: number) => void },
): Promise<{ status: number; release: Release }> {
  const path = `${repoPrefix(options.organization)}/packages/${segment(name)}/releases`;
  const response = await client.upload<unknown>({ path, query: { replace: options.replace }, body: tarball, onProgress: options.onProgress });
  return { status: response.status, release: checked(release, client, 'POST', path, response) };
}

/**
 * Publishes to a mini_repo-style API: `POST {api}/publish` with the raw tarball (what hex_core
 * did before Hex 2.4); such servers answer in Erlang's term format, with the package's URL.
 */
export async function publishLegacy(client: ApiClient, tarball: Buffer, options: { onProgress?: (sent: number, total: number) => void }): Promise<{ status: number; url?: string }> {
  const response = await client.upload<unknown>({ path: 'publish', body: tarball, onProgress: options.onProgress, erlang: true });
  const body = response.body as { url?: unknown } | undefined;
  return { status: response.status, url: typeof body?.url === 'string' ? body.url : undefined };
}

/** mini_repo-style retire and unretire: the same routes, an Erlang-term body. */
export async function retireLegacy(client: ApiClient, name: string, version: string, retirement: { reason: RetirementReason; message?: string } | undefined): Promise<void> {
  const path = `${releasePath(name, version)}/retire`;
  if (retirement) await client.request({ method: 'POST', path, body: retirement, auth: 'required', erlang: true });
  else await client.request({ method: 'DELETE', path, auth: 'required', erlang: true });
}
