import { randomInt } from 'node:crypto';
import { bytes, notFound, stringParam, validationFailed, view, type Ctx, type Reply } from '../http.js';
import { route, type Route } from '../router.js';

// HexpmWeb.API.IndexController and ShortURLController (plus the /l/:code redirect).

function index(ctx: Ctx): Reply {
  const api = `${ctx.core.url}/api`;
  return view(200, {
    packages_url: `${api}/packages`,
    package_url: `${api}/packages/{name}`,
    package_retirement_url: `${api}/packages/{name}/retire`,
    package_release_url: `${api}/packages/{name}/releases/{version}`,
    package_owners_url: `${api}/packages/{name}/owners`,
    keys_url: `${api}/keys`,
    key_url: `${api}/keys/{name}`,
    documentation_url: 'http://docs.hexpm.apiary.io',
  });
}

const SHORT_CODE_CHARS = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz123456789';

function urlError(text: string): string | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return /^https?:/i.test(text) ? 'must include a host' : 'must use http or https scheme';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must use http or https scheme';
  const host = url.hostname;
  if (host === '') return 'must include a host';
  if (host === 'hex.pm' || host.endsWith('.hex.pm') || host.endsWith('.hexdocs.pm') || host.endsWith('.hexorgs.pm')) return null;
  if ((host === 'hexdocs.pm' || host === 'staging.hex.pm') && (url.pathname === '/' || url.pathname === '')) return null;
  return 'domain must match hex.pm, *.hex.pm, hexdocs.pm, *.hexdocs.pm, or *.hexorgs.pm';
}

function shortUrl(ctx: Ctx): Reply {
  const url = ctx.params.url;
  if (url === undefined || url === null || url === '') return validationFailed({ url: "can't be blank" });
  if (typeof url !== 'string') return validationFailed({ url: 'expected type string' });
  const error = urlError(url);
  if (error) return validationFailed({ url: error });
  let code: string;
  do {
    code = Array.from({ length: 5 }, () => SHORT_CODE_CHARS[randomInt(SHORT_CODE_CHARS.length)]).join('');
  } while (code in ctx.core.data.shortUrls);
  ctx.core.data.shortUrls[code] = url;
  ctx.core.changed();
  return view(201, { url: `${ctx.core.url}/l/${code}` });
}

function followShortUrl(ctx: Ctx): Reply {
  const target = ctx.core.data.shortUrls[stringParam(ctx, 'code') ?? ''];
  if (!target) return notFound();
  return bytes(302, Buffer.from(`<html><body>You are being <a href="${target}">redirected</a>.</body></html>`), 'text/html; charset=utf-8', {
    location: target,
  });
}

export const miscRoutes: Route[] = [route('GET', '/api', index), route('POST', '/api/short_url', shortUrl)];

/** Browser routes outside /api (no API pipeline). */
export const browserRoutes: Route[] = [route('GET', '/l/:code', followShortUrl)];
