import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/atomic.js';

// Registry files (names, versions, packages/NAME) as last fetched, with their ETags, under
// HEXTS_HOME/cache/registry: the next fetch asks If-None-Match and a 304 reuses the copy.
// Entries hold the signed file exactly as served, so every use verifies it again; they are
// written only after they verified, atomically and readable by the owner only (an
// organization's package list is private).

export interface CachedFile {
  etag: string;
  body: Buffer;
}

export class RegistryCache {
  readonly directory: string;

  constructor(home: string) {
    this.directory = join(home, 'cache', 'registry');
  }

  private path(url: URL): string {
    return join(this.directory, createHash('sha256').update(url.href).digest('hex').slice(0, 32));
  }

  /** The cached copy of `url`, if any (a damaged entry counts as none). */
  async read(url: URL): Promise<CachedFile | undefined> {
    let data: Buffer;
    try {
      data = await readFile(this.path(url));
    } catch {
      return undefined;
    }
    // One line with the URL (to catch hash collisions and help a person looking), one with
    // the ETag, then the body.
    const first = data.indexOf(0x0a);
    const second = first < 0 ? -1 : data.indexOf(0x0a, first + 1);
    if (second < 0 || data.subarray(0, first).toString('utf8') !== url.href) return undefined;
    return { etag: data.subarray(first + 1, second).toString('utf8'), body: data.subarray(second + 1) };
  }

  async write(url: URL, etag: string, body: Buffer): Promise<void> {
    if (/[\r\n]/.test(etag) || /[\r\n]/.test(url.href)) return;
    await writeFileAtomic(this.path(url), Buffer.concat([Buffer.from(`${url.href}\n${etag}\n`, 'utf8'), body]));
  }
}
