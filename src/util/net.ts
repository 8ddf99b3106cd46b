import { isIP } from 'node:net';

/**
 * 127.0.0.0/8, ::1 and the name `localhost` itself: the only hosts plain http:// may reach.
 * Not `*.localhost`: such a name is resolved through DNS, and whoever answers for it would
 * get the plaintext request and its key. (`localhost` is connected to without asking DNS.)
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost') return true;
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

/**
 * `value` as it may be shown or stored, with a URL's user information (a proxy password, a
 * token given as the user name) replaced by `***`, whatever form the URL takes: with or
 * without a scheme (`user:pw@proxy:3128`), or with characters a URL parser refuses in the
 * password (`/`, `#`, `?`). Every place output or a file shows a URL goes through here.
 */
export function redactUrl(value: string): string {
  if (!value.includes('@')) return value;
  try {
    const url = new URL(value);
    // For http(s) the parser finds the user information exactly: an @ in the path stays.
    if (url.protocol === 'http:' || url.protocol === 'https:') {
      if (url.username === '' && url.password === '') return value;
      url.username = '***';
      url.password = '';
      return url.href;
    }
  } catch {
    // not a URL the parser takes: redacted as text below
  }
  // Everything between the scheme (if any) and the last @ may be user information.
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(value)?.[0] ?? '';
  return `${scheme}***${value.slice(value.lastIndexOf('@'))}`;
}

/** A checked http(s) URL without its user information (for what names a registry: keys, files, logs). */
export function withoutUserinfo(value: string): string {
  const url = new URL(value);
  if (url.username === '' && url.password === '') return value;
  url.username = '';
  url.password = '';
  return url.href;
}
