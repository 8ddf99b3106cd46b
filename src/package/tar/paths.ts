// hex_core's archive path rules (hex_tarball, >= 0.16): names are split on both `/` and `\`,
// so a name is unsafe on every OS if it is absolute, starts with a drive letter or climbs
// above the root with `..` (`.` is ignored, `a/../b` is fine).
import { readlinkSync } from 'node:fs';
import { join } from 'node:path';

const isDriveLetter = (path: string) => /^[A-Za-z]:/.test(path);
const isAbsolute = (path: string) => path.startsWith('/') || path.startsWith('\\');
const components = (path: string) => path.split(/[/\\]/).filter((part) => part !== '');

export function isSafeArchivePath(path: string): boolean {
  if (isAbsolute(path) || isDriveLetter(path)) return false;
  let depth = 0;
  for (const part of components(path)) {
    if (part === '.') continue;
    if (part === '..') {
      if (depth === 0) return false;
      depth--;
    } else {
      depth++;
    }
  }
  return true;
}

/** A symlink's target, resolved from the link's own directory, must stay inside the root. */
export function isSafeSymlink(name: string, target: string): boolean {
  return isSafeArchivePath(archiveJoin(archiveDirname(name), target));
}

function archiveDirname(path: string): string {
  const parts = components(path);
  return parts.length <= 1 ? '.' : parts.slice(0, -1).join('/');
}

function archiveJoin(dir: string, path: string): string {
  if (path === '' || isAbsolute(path) || isDriveLetter(path) || dir === '.') return path;
  return `${dir}/${path}`;
}

const SEPARATORS = process.platform === 'win32' ? /[\\/]/ : /\//;
const MAX_LINK_HOPS = 40;

/**
 * filelib:safe_relative_path/2 on a real tree: walks a path a component at a time, replacing
 * each symlink by its target (read relative to the link's directory), as the OS would follow
 * it; false if `..` or a link leaves the root, a link is absolute, or links loop. Each link's
 * own text may be harmless while a chain of them leads out. readlink results are cached, so
 * one resolver serves one state of the tree.
 */
export function rootResolver(root: string): (name: string) => boolean {
  const links = new Map<string, string | null>();
  const readlinkOrNull = (path: string) => {
    try {
      return readlinkSync(path);
    } catch {
      return null;
    }
  };
  const linkAt = (relative: string[]) => {
    const key = relative.join('/');
    let target = links.get(key);
    if (target === undefined) {
      target = readlinkOrNull(join(root, ...relative));
      links.set(key, target);
    }
    return target;
  };
  return (name) => {
    const resolved: string[] = [];
    const pending = name.split(SEPARATORS);
    let hops = 0;
    while (pending.length > 0) {
      const part = pending.shift()!;
      if (part === '' || part === '.') continue;
      if (part === '..') {
        if (resolved.length === 0) return false;
        resolved.pop();
        continue;
      }
      resolved.push(part);
      const target = linkAt(resolved);
      if (target === null) continue;
      if (++hops > MAX_LINK_HOPS || isAbsolute(target) || isDriveLetter(target)) return false;
      resolved.pop();
      pending.unshift(...target.split(SEPARATORS));
    }
    return true;
  };
}
