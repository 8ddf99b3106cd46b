import { realpath, readFile, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { md5Hex } from './crypto.js';
import { bytes, empty, header, type Ctx, type Reply } from './http.js';

// Repository files served as a plain web server or S3 bucket serves them (`--static DIR` at
// /static/…, and mini.ts's files at /mini/repos/REPO/…): every file as application/octet-stream,
// an ETag and 304 like the registry's own repository routes, no directory listings, and nothing
// outside the directory.

function text(status: number, message: string): Reply {
  return bytes(status, Buffer.from(`${message}\n`), 'text/plain; charset=utf-8');
}

/**
 * Path segments (already percent-decoded) of which one names something other than an entry of
 * its directory: `.` or `..`, or with an encoded `/`, `\`, `:` or NUL inside (as Plug.Static's
 * invalid_path? refuses them; mini_repo serves its files with Plug.Static).
 */
export function unsafeSegment(segments: string[]): boolean {
  return segments.some((s) => s === '.' || s === '..' || /[/\\:\0]/.test(s));
}

export function fileReply(ctx: Ctx, data: Buffer): Reply {
  const headers = { etag: `"${md5Hex(data)}"` };
  const noneMatch = header(ctx, 'if-none-match');
  if (noneMatch !== undefined && noneMatch.split(',').map((t) => t.trim()).includes(headers.etag)) return empty(304, headers);
  return bytes(200, data, 'application/octet-stream', headers);
}

/** `root` is the directory's real path (symlinks resolved), as staticRoot gives it. */
export async function serveDirectory(ctx: Ctx, root: string, segments: string[]): Promise<Reply> {
  if (unsafeSegment(segments)) return text(400, 'Bad Request');
  let data: Buffer;
  try {
    const path = await realpath(join(root, ...segments));
    // A symlink inside DIR that leads out of it.
    if (path !== root && !path.startsWith(root.endsWith(sep) ? root : root + sep)) return text(403, 'Forbidden');
    if (!(await stat(path)).isFile()) return text(404, 'Not Found');
    data = await readFile(path);
  } catch {
    return text(404, 'Not Found');
  }
  return fileReply(ctx, data);
}

/** The real path of a directory to serve; refuses what is not one. */
export async function staticRoot(dir: string): Promise<string> {
  const root = await realpath(dir).catch(() => {
    throw new Error(`cannot serve ${dir}: no such directory`);
  });
  if (!(await stat(root)).isDirectory()) throw new Error(`cannot serve ${dir}: not a directory`);
  return root;
}
