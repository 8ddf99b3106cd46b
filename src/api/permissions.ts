import { UsageError } from '../errors.js';
import type { Permission } from './types.js';

export const ORGANIZATION_NAME = /^[a-z0-9_]{3,}$/;

/** Organization names as hex.pm allows them, checked before any request. */
export function checkOrganizationName(name: string): string {
  if (!ORGANIZATION_NAME.test(name)) {
    throw new UsageError(`invalid organization name "${name}"`, 'Organization names have at least 3 characters, all lower-case letters, digits or _.');
  }
  return name;
}

export type PermissionDomain = 'api' | 'repository' | 'repositories' | 'docs' | 'package';

/**
 * Parses a --permission value as mix does: lower-cased and split on the first `:`.
 * `api`, `api:read`, `api:write`, `repository:ORG`, `repositories`, `docs:ORG`, `package:NAME`
 * (the last for user keys only). Anything else is refused before a request is made.
 */
export function parsePermission(raw: string, allowed: PermissionDomain[]): Permission {
  const text = raw.trim().toLowerCase();
  const colon = text.indexOf(':');
  const domain = colon === -1 ? text : text.slice(0, colon);
  const resource = colon === -1 ? null : text.slice(colon + 1);
  const refuse = (why: string) =>
    new UsageError(`invalid permission "${raw}": ${why}`, `Valid permissions: ${allowed.map(example).join(', ')}.`);
  if (!allowed.includes(domain as PermissionDomain)) throw refuse(`unknown domain "${domain}"`);
  switch (domain) {
    case 'api':
      if (resource !== null && resource !== 'read' && resource !== 'write') throw refuse('api takes no resource, read or write');
      return { domain, resource };
    case 'repositories':
      if (resource !== null) throw refuse('repositories takes no resource');
      return { domain, resource: null };
    case 'repository':
    case 'docs':
      if (!resource) throw refuse(`${domain} needs an organization: ${domain}:ORG`);
      checkOrganizationName(resource);
      return { domain, resource };
    default:
      if (!resource) throw refuse('package needs a package name: package:NAME');
      return { domain, resource };
  }
}

function example(domain: PermissionDomain): string {
  switch (domain) {
    case 'api': return 'api, api:read, api:write';
    case 'repository': return 'repository:ORG';
    case 'repositories': return 'repositories';
    case 'docs': return 'docs:ORG';
    case 'package': return 'package:NAME';
  }
}

export const formatPermission = (p: Permission): string => (p.resource ? `${p.domain}:${p.resource}` : p.domain);

/** `30d`, `12h`, `90m`, `2w` or an ISO-8601 date/time → the ISO moment the key stops working. */
export function parseExpiry(text: string, now = new Date()): string {
  const relative = text.trim().match(/^(\d+)\s*([mhdw])$/i);
  let at: Date;
  if (relative) {
    const unit = { m: 60, h: 3600, d: 86400, w: 604800 }[relative[2]!.toLowerCase() as 'm' | 'h' | 'd' | 'w'];
    at = new Date(now.getTime() + Number(relative[1]) * unit * 1000);
  } else {
    at = new Date(text);
    if (Number.isNaN(at.getTime()) || !/^\d{4}-\d{2}-\d{2}/.test(text.trim())) {
      throw new UsageError(`invalid --expires "${text}"`, 'Give a duration like 30d, 12h, 90m, 2w, or a date like 2027-01-31.');
    }
  }
  if (at.getTime() <= now.getTime()) throw new UsageError(`--expires ${text} is not in the future`);
  return at.toISOString();
}
