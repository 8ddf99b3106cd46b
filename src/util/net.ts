import { isIP } from 'node:net';

/** 127.0.0.0/8, ::1 and localhost: the only hosts plain http:// may reach. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1' || host === '0:0:0:0:0:0:0:1' || /^::ffff:127\./.test(host);
  return false;
}

/**
 * What is wrong with `value` as the URL of a registry (its API or repository), or undefined:
 * the same rule the HTTP clients apply before connecting, checked where the URL is given.
 */
export function endpointUrlProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be a URL';
  }
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:') return isLoopbackHost(url.hostname) ? undefined : 'must be an https:// URL (plain http:// only to this machine: 127.0.0.1, ::1, localhost)';
  return 'must be an https:// URL';
}
