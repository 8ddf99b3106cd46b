import { keyAuth, verifyUserAccess } from '../accounts.js';
import { verifyAccess } from '../auth.js';
import { HEXPM } from '../core.js';
import { md5Hex, verifyJwt } from '../crypto.js';
import { bytes, empty, header, stringParam, type Ctx, type Reply } from '../http.js';
import { repositoryKeyUse } from '../notices.js';
import { rebuildRepository } from '../packages.js';
import { route, type Route } from '../router.js';
import { refusalMessage, ssoRefusal } from '../sso.js';

// The repository (repo.hex.pm and its CDN): signed registry files, tarballs, docs and the
// public key; organizations' under /repo/repos/<org>/. The real edge's code is not public, so
// private access follows what hexpm shows of it: `Authorization: Bearer <JWT>` whose scopes
// name `repository:<org>` (checked like the edge does, by signature and expiry only), or a raw
// API key that /api/auth?domain=repository&resource=<org> would accept. No or an unknown
// credential is 401, a valid one without access 403 (checked before 404, so a caller without
// access learns nothing about what exists). A token that single sign-on keeps out simply lacks
// the scope; a personal key it turns away gets /api/auth's message as the body.

type Kind = 'registry' | 'tarball' | 'docs';

const MAX_AGE: Record<Kind, { public: number; private: number }> = {
  registry: { public: 3600, private: 3600 },
  tarball: { public: 604800, private: 86400 },
  docs: { public: 86400, private: 86400 },
};

function text(status: number, message: string, headers: Record<string, string> = {}): Reply {
  return bytes(status, Buffer.from(`${message}\n`), 'text/plain; charset=utf-8', headers);
}

/**
 * Whether the credential may read the organization's repository: the refusal, or null; and
 * `notice`, the headers every answer to it carries.
 */
function privateAccess(ctx: Ctx, organization: string): { denied: Reply | null; notice: Record<string, string> } {
  const value = header(ctx, 'authorization');
  const none = {};
  if (value === undefined) return { denied: text(401, 'Unauthorized', { 'www-authenticate': 'Bearer realm="hex"' }), notice: none };
  const core = ctx.core;
  if (value.startsWith('Bearer ')) {
    const claims = verifyJwt(value.slice(7), core.secrets.jwtPublicKeyPem, Math.floor(core.now() / 1000));
    if (!claims) return { denied: text(401, 'Unauthorized'), notice: none };
    const scopes = typeof claims.scope === 'string' ? claims.scope.split(' ') : [];
    return { denied: scopes.includes(`repository:${organization}`) ? null : text(403, 'Forbidden'), notice: none };
  }
  const result = keyAuth(core, value, { ip: ctx.remoteIp, userAgent: header(ctx, 'user-agent') ?? null });
  if (typeof result === 'string') return { denied: text(401, 'Unauthorized'), notice: none };
  const { key } = result;
  const user = core.user(key.userId) ?? null;
  const org = core.organization(key.organizationId) ?? null;
  const auth = { credential: { kind: 'key' as const, key }, user: org ? null : user, organization: org, email: null };
  // hex.pm's notice about users' keys, as /api/auth gives it (notices.ts).
  const { headers: notice, refused } = repositoryKeyUse(core, key);
  if (refused || !verifyAccess(auth, 'repository', organization)) return { denied: text(403, 'Forbidden', notice), notice };
  const access = verifyUserAccess(core, (org ?? user)!, 'repository', organization);
  if (!access.ok || (access.organization && !access.organization.billingActive)) return { denied: text(403, 'Forbidden', notice), notice };
  // As /api/auth answers for a key: a personal key the organization's single sign-on turns away.
  const refusal = access.organization ? ssoRefusal(core, access.organization, auth) : null;
  return { denied: refusal ? text(403, refusalMessage(core, refusal, access.organization!), notice) : null, notice };
}

async function serve(ctx: Ctx, repository: string, path: string, kind: Kind): Promise<Reply> {
  const core = ctx.core;
  const isPrivate = repository !== HEXPM;
  let notice: Record<string, string> = {};
  if (isPrivate) {
    const access = privateAccess(ctx, repository);
    if (access.denied) return access.denied;
    notice = access.notice;
  }
  if (!core.repositoryExists(repository)) return text(404, 'Not Found', notice);
  const fullPath = isPrivate ? `repos/${repository}/${path}` : path;
  let data: Buffer | undefined;
  if (kind === 'registry') {
    if (!core.repositoryFiles.has(fullPath) && (path === 'names' || path === 'versions')) rebuildRepository(core, repository);
    data = core.repositoryFiles.get(fullPath);
  } else {
    data = await core.storage.loadBlob(fullPath);
  }
  if (!data) return text(404, 'Not Found', notice);
  const maxAge = MAX_AGE[kind][isPrivate ? 'private' : 'public'];
  const headers = { ...notice, etag: `"${md5Hex(data)}"`, 'cache-control': `${isPrivate ? 'private' : 'public'}, max-age=${maxAge}` };
  const noneMatch = header(ctx, 'if-none-match');
  if (noneMatch !== undefined && noneMatch.split(',').map((t) => t.trim()).includes(headers.etag)) return empty(304, headers);
  return bytes(200, data, 'application/octet-stream', headers);
}

const param = (ctx: Ctx, name: string) => stringParam(ctx, name) ?? '';

function publicKey(ctx: Ctx): Reply {
  return bytes(200, Buffer.from(ctx.core.secrets.repoPublicKeyPem), 'application/x-pem-file', { 'cache-control': 'public, max-age=3600' });
}

function fileRoutes(prefix: string, repositoryOf: (ctx: Ctx) => string): Route[] {
  return [
    route('GET', `${prefix}/names`, (ctx) => serve(ctx, repositoryOf(ctx), 'names', 'registry')),
    route('GET', `${prefix}/versions`, (ctx) => serve(ctx, repositoryOf(ctx), 'versions', 'registry')),
    route('GET', `${prefix}/packages/:name`, (ctx) => serve(ctx, repositoryOf(ctx), `packages/${param(ctx, 'name')}`, 'registry')),
    route('GET', `${prefix}/tarballs/:file`, (ctx) => serve(ctx, repositoryOf(ctx), `tarballs/${param(ctx, 'file')}`, 'tarball')),
    route('GET', `${prefix}/docs/:file`, (ctx) => serve(ctx, repositoryOf(ctx), `docs/${param(ctx, 'file')}`, 'docs')),
  ];
}

export const repoRoutes: Route[] = [
  route('GET', '/repo/public_key', publicKey),
  route('GET', '/repo/installs/hex-1.x.csv', () => bytes(200, Buffer.alloc(0), 'text/csv')),
  ...fileRoutes('/repo', () => HEXPM),
  ...fileRoutes('/repo/repos/:organization', (ctx) => param(ctx, 'organization')),
];
