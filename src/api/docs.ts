import type { ApiClient } from './client.js';
import { header } from './client.js';
import { releasePath } from './releases.js';

/** Uploads a docs tarball for a published release; returns the Location the registry gives. */
export async function publish(
  client: ApiClient,
  name: string,
  version: string,
  tarball: Buffer,
  options: { organization?: string; onProgress?: (sent: number, total: number) => void },
): Promise<string | undefined> {
  const response = await client.upload({ path: `${releasePath(name, version, options.organization)}/docs`, body: tarball, onProgress: options.onProgress });
  return header(response.headers, 'location');
}

export async function remove(client: ApiClient, name: string, version: string, organization?: string): Promise<void> {
  await client.request({ method: 'DELETE', path: `${releasePath(name, version, organization)}/docs`, auth: 'required' });
}
