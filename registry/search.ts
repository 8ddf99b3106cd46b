import { compareStrings, type Core } from './core.js';
import type { Package } from './state.js';

// Package search as hexpm's Package.search/SearchQuery do it, over the in-memory packages.
// Free text of 3+ characters matches names containing it (shorter: the exact name), or
// descriptions sharing a word with it (hexpm uses PostgreSQL English full-text search; here a
// word matches case-insensitively, ignoring a plural "s"). Filters: name: (with * at either
// end), description:, depends:[repo:]pkg, build_tool:, updated_after:, extra:k1,k2,value.

interface Query {
  freeText: string | null;
  filters: Array<[string, string]>;
}

/** SearchQuery.parse; null when it fails (an `extra:` without a comma), and the whole text is then free text. */
function parseQuery(text: string): Query | null {
  const filters: Array<[string, string]> = [];
  const words: string[] = [];
  let rest = text.trim();
  while (rest !== '') {
    rest = rest.trimStart();
    const colon = rest.indexOf(':');
    const space = rest.search(/\s/);
    if (colon > 0 && (space < 0 || space > colon)) {
      const key = rest.slice(0, colon);
      let value: string;
      rest = rest.slice(colon + 1);
      if (rest.startsWith('"')) {
        const end = rest.indexOf('"', 1);
        value = end < 0 ? rest.slice(1) : rest.slice(1, end);
        rest = end < 0 ? '' : rest.slice(end + 1).trimStart();
      } else {
        const match = /^(\S*)\s*([\s\S]*)$/.exec(rest)!;
        value = match[1]!;
        rest = match[2]!;
      }
      if (key === 'extra' && !/^[^,]+,/.test(value)) return null;
      filters.push([key, value]);
    } else {
      const match = /^(\S*)\s*([\s\S]*)$/.exec(rest)!;
      words.push(match[1]!);
      rest = match[2]!;
    }
  }
  return { freeText: words.length > 0 ? words.join(' ') : null, filters };
}

function nameMatcher(search: string): (name: string) => boolean {
  const lower = search.toLowerCase();
  return search.length >= 3 ? (name) => name.includes(lower) : (name) => name === lower;
}

/** Filter patterns: exact, with `*` at either end standing for anything. */
function wildcardMatcher(search: string): (name: string) => boolean {
  const lower = search.toLowerCase();
  const start = lower.startsWith('*');
  const end = lower.length > (start ? 1 : 0) && lower.endsWith('*');
  const middle = lower.slice(start ? 1 : 0, end ? -1 : undefined).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const regexp = new RegExp(`^${start ? '.*' : ''}${middle}${end ? '.*' : ''}$`);
  return (name) => regexp.test(name);
}

function words(text: string): string[] {
  return text
    .replace(/\//g, ' ')
    .replace(/[^\p{L}\p{N}_\s]/gu, '')
    .toLowerCase()
    .split(/\s+/)
    .filter((w) => w !== '')
    .map((w) => (w.length > 3 ? w.replace(/s$/, '') : w));
}

function descriptionMatches(pkg: Package, search: string): boolean {
  const wanted = new Set(words(search));
  return wanted.size > 0 && words(pkg.meta.description ?? '').some((w) => wanted.has(w));
}

function freeTextMatcher(search: string): (pkg: Package) => boolean {
  const slash = search.indexOf('/');
  if (slash >= 0) {
    const repository = nameMatcher(search.slice(0, slash));
    const name = nameMatcher(search.slice(slash + 1));
    return (pkg) => (repository(pkg.repository) && name(pkg.name)) || descriptionMatches(pkg, search);
  }
  const name = nameMatcher(search);
  return (pkg) => name(pkg.name) || descriptionMatches(pkg, search);
}

function filterMatcher(core: Core, key: string, value: string): ((pkg: Package) => boolean) | null {
  switch (key) {
    case 'name': {
      const slash = value.indexOf('/');
      if (slash >= 0) {
        const repository = wildcardMatcher(value.slice(0, slash));
        const name = wildcardMatcher(value.slice(slash + 1));
        return (pkg) => repository(pkg.repository) && name(pkg.name);
      }
      const name = wildcardMatcher(value);
      return (pkg) => name(pkg.name);
    }
    case 'description':
      return (pkg) => descriptionMatches(pkg, value);
    case 'depends': {
      const colon = value.indexOf(':');
      const repository = colon >= 0 ? value.slice(0, colon) : null;
      const name = colon >= 0 ? value.slice(colon + 1) : value;
      return (pkg) =>
        core.releasesOf(pkg).some((r) => r.requirements.some((q) => q.name === name && (repository === null || q.repository === repository)));
    }
    case 'build_tool':
      return (pkg) => core.releasesOf(pkg).some((r) => r.meta.buildTools.includes(value));
    case 'extra': {
      const parts = value.split(',');
      const raw = parts.pop()!;
      const expected = raw.startsWith('[') ? raw.slice(1).replace(/\]$/, '').split(',').map(intOrString) : intOrString(raw);
      return (pkg) => {
        let node: unknown = pkg.meta.extra;
        for (const part of parts) node = typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[part] : undefined;
        return contains(node, expected);
      };
    }
    default:
      return null;
  }
}

function intOrString(text: string): string | number {
  return /^-?\d+$/.test(text) ? Number(text) : text;
}

/** PostgreSQL jsonb `@>`: arrays contain the wanted elements, scalars are equal. */
function contains(actual: unknown, wanted: unknown): boolean {
  if (Array.isArray(wanted)) return Array.isArray(actual) && wanted.every((w) => actual.some((a) => contains(a, w)));
  if (Array.isArray(actual)) return actual.some((a) => contains(a, wanted));
  return actual === wanted;
}

export interface SearchOptions {
  search: string | null;
  sort: string | null;
  page: number | null;
  perPage: number;
}

export function searchPackages(core: Core, repositories: string[], options: SearchOptions): Package[] {
  let packages = core.data.packages.filter((p) => repositories.includes(p.repository));
  let sort = options.sort ?? 'name';
  if (sort === 'downloads') sort = 'total_downloads';
  if (options.search) {
    const query = parseQuery(options.search);
    const matchers: Array<(pkg: Package) => boolean> = [];
    if (!query) matchers.push(freeTextMatcher(options.search));
    else {
      if (query.freeText) matchers.push(freeTextMatcher(query.freeText));
      for (const [key, value] of query.filters) {
        if (key === 'updated_after') {
          if (/(Z|[+-]00:?00)$/.test(value) && !Number.isNaN(Date.parse(value))) {
            const after = Date.parse(value);
            matchers.push((pkg) => pkg.updatedAt >= after);
            sort = 'updated_after';
          }
          continue;
        }
        const matcher = filterMatcher(core, key, value);
        if (matcher) matchers.push(matcher);
      }
    }
    packages = packages.filter((p) => matchers.every((m) => m(p)));
  }
  const byName = (a: Package, b: Package) => compareStrings(a.name, b.name);
  switch (sort) {
    case 'name':
      packages.sort(byName);
      break;
    case 'inserted_at':
      packages.sort((a, b) => b.insertedAt - a.insertedAt || b.id - a.id);
      break;
    case 'updated_at':
      packages.sort((a, b) => b.updatedAt - a.updatedAt || b.id - a.id);
      break;
    case 'updated_after':
      packages.sort((a, b) => a.updatedAt - b.updatedAt || a.id - b.id);
      break;
    default:
      // Download counts are not kept here: every package has none, so they keep their order.
      break;
  }
  const page = options.page !== null && options.page > 0 ? options.page : 1;
  const perPage = Math.max(options.perPage, 0);
  return packages.slice((page - 1) * perPage, page * perPage);
}
