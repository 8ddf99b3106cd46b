import { authenticate } from './auth.js';
import {
  BadRequest,
  errorReply,
  header,
  negotiate,
  parseBody,
  parseForm,
  stringParam,
  type Ctx,
  type Reply,
} from './http.js';
import { readOnlyReply } from './notices.js';
import type { Route } from './router.js';
import { UPLOAD_LIMIT } from './routes/shared.js';

// hexpm's request pipeline for /api (Endpoint + Router :api/:upload pipelines), in order:
// body parsing (400), content negotiation (406), read-only maintenance (503, writes but the
// OAuth endpoints, which decide for themselves), User-Agent (400), authentication (401),
// %00 in the URL (400), rate limiting (429), the upload body, the default repository, then
// the controller.

/** Plug.Parsers' default body limit. */
const PARSER_LIMIT = 8_000_000;
const RATE_WINDOW_MS = 60_000;
/** The ReadOnly plug's allowed_routes. */
const OAUTH_PATHS = new Set(['/api/oauth/token', '/api/oauth/device_authorization', '/api/oauth/revoke', '/api/oauth/revoke_by_hash']);

export async function runApiPipeline(ctx: Ctx, route: Route, extraHeaders: Record<string, string>): Promise<Reply> {
  const query = parseForm(ctx.rawQuery);
  let bodyParams: Record<string, unknown> = {};
  if (!route.upload) {
    const body = await ctx.readBody(PARSER_LIMIT);
    try {
      bodyParams = parseBody(header(ctx, 'content-type'), body);
    } catch (err) {
      if (err instanceof BadRequest) return errorReply(400);
      throw err;
    }
  }
  ctx.params = { ...query, ...bodyParams, ...ctx.pathParams };

  const format = negotiate(header(ctx, 'accept'), typeof query._format === 'string' ? query._format : null);
  if (!format) return errorReply(406);
  ctx.format = format;

  if (ctx.core.data.config.readOnly && !['GET', 'HEAD', 'OPTIONS'].includes(ctx.method) && !OAUTH_PATHS.has(ctx.rawPath)) return readOnlyReply();

  if (header(ctx, 'user-agent') === undefined) return errorReply(400, { message: 'User-Agent header is required' });
  ctx.auth = authenticate(ctx);
  if (`${ctx.rawPath}${ctx.rawQuery}`.includes('%00')) return errorReply(400);

  if (ctx.rawPath.startsWith('/api/')) {
    const throttled = rateLimit(ctx, extraHeaders);
    if (throttled) return throttled;
  }

  if (route.upload && !ctx.expectContinue) ctx.body = await ctx.readBody(UPLOAD_LIMIT);
  if (stringParam(ctx, 'repository') === null && defaultsToHexpm(ctx.rawPath)) ctx.params.repository = 'hexpm';
  return route.handler(ctx);
}

/** default_repository: package routes without /repos/:repository act on hexpm. */
function defaultsToHexpm(path: string): boolean {
  return path === '/api/publish' || path.startsWith('/api/packages/');
}

/** PlugAttack's throttles: per user, per organization, or per IP for anonymous callers (60 s windows). */
function rateLimit(ctx: Ctx, extraHeaders: Record<string, string>): Reply | null {
  const { user, organization } = ctx.auth;
  const config = ctx.core.data.config;
  const [key, limit, who] = user
    ? [`user:${user.id}`, config.rateLimit, `user ${user.id}`]
    : organization
      ? [`organization:${organization.id}`, config.rateLimit, `organization ${organization.id}`]
      : [`ip:${ctx.remoteIp}`, config.ipRateLimit, `IP ${ctx.remoteIp}`];
  const throttle = ctx.core.limiter.hit(key, limit, RATE_WINDOW_MS, ctx.core.now());
  extraHeaders['x-ratelimit-limit'] = String(throttle.limit);
  extraHeaders['x-ratelimit-remaining'] = String(throttle.remaining);
  extraHeaders['x-ratelimit-reset'] = String(Math.floor(throttle.resetAt / 1000));
  return throttle.allowed ? null : errorReply(429, { message: `API rate limit exceeded for ${who}` });
}
