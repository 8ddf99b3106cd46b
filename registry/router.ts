import type { Ctx, Reply } from './http.js';

// A small path router: `/api/packages/:name` patterns, matched segment by segment on the
// percent-decoded path.

export type Handler = (ctx: Ctx) => Reply | Promise<Reply>;

export interface Route {
  method: string;
  segments: string[];
  handler: Handler;
  /** Release and docs uploads: the body is raw and read late (hexpm's :upload pipeline). */
  upload: boolean;
}

export function route(method: string, path: string, handler: Handler, options: { upload?: boolean } = {}): Route {
  return { method, segments: path.split('/').filter((s) => s !== ''), handler, upload: options.upload ?? false };
}

/** Package routes exist under /api and under /api/repos/:repository. */
export function withRepositoryPrefix(method: string, path: string, handler: Handler, options: { upload?: boolean } = {}): Route[] {
  return [route(method, `/api${path}`, handler, options), route(method, `/api/repos/:repository${path}`, handler, options)];
}

export function matchRoute(
  routes: Route[],
  method: string,
  segments: string[],
): { route: Route; params: Record<string, string> } | null {
  // HEAD is answered like GET (Plug.Head).
  const wanted = method === 'HEAD' ? 'GET' : method;
  for (const candidate of routes) {
    if (candidate.method !== wanted || candidate.segments.length !== segments.length) continue;
    const params: Record<string, string> = {};
    const matched = candidate.segments.every((pattern, i) => {
      if (pattern.startsWith(':')) {
        params[pattern.slice(1)] = segments[i]!;
        return true;
      }
      return pattern === segments[i];
    });
    if (matched) return { route: candidate, params };
  }
  return null;
}
