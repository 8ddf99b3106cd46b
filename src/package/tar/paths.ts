// hex_core's archive path rules (hex_tarball, >= 0.16): names are split on both `/` and `\`,
// so a name is unsafe on every OS if it is absolute, starts with a drive letter or climbs
// above the root with `..` (`.` is ignored, `a/../b` is fine).

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
