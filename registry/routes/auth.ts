import { verifyUserAccess } from '../accounts.js';
import { authorize, fail, failureReply, ssoEnforced, subjectOf, verifyAccess } from '../auth.js';
import { empty, errorReply, Halt, stringParam, view, type Ctx, type Reply } from '../http.js';
import { repositoryKeyUse } from '../notices.js';
import { route, type Route } from '../router.js';

// HexpmWeb.API.AuthController: GET /api/auth?domain=&resource= checks a credential first
// against its permissions (401), then the owner's own access (403). A user's key used for a
// repository gets hex.pm's deprecation notice, on whatever the answer is (notices.ts).

function show(ctx: Ctx): Reply {
  const domain = stringParam(ctx, 'domain');
  if (!('domain' in ctx.params)) return errorReply(400, { message: 'missing required parameters: "domain"' });
  authorize(ctx, { required: true });
  const credential = ctx.auth.credential;
  const use = credential?.kind === 'key' && (domain === 'repository' || domain === 'repositories') ? repositoryKeyUse(ctx.core, credential.key) : undefined;
  if (!use) return check(ctx, domain);
  let reply: Reply;
  try {
    reply = use.refused ? failureReply('domain') : check(ctx, domain);
  } catch (err) {
    if (!(err instanceof Halt)) throw err;
    reply = err.reply;
  }
  return { ...reply, headers: { ...reply.headers, ...use.headers } };
}

function check(ctx: Ctx, domain: string | null): Reply {
  const resource = stringParam(ctx, 'resource');
  if (domain === null || !verifyAccess(ctx.auth, domain, resource)) fail('domain');
  const access = verifyUserAccess(ctx.core, subjectOf(ctx.auth)!, domain, resource);
  if (!access.ok) fail('auth');
  if (access.organization && !access.organization.billingActive) {
    fail({ forbidden: 'organization has no active billing subscription' });
  }
  const credential = ctx.auth.credential;
  // A token's scopes already carry single sign-on's decision (they were minted without the
  // organization); a key is judged here.
  const refused = credential?.kind === 'token' ? null : ssoEnforced(ctx, access.organization);
  if (refused) fail(refused);
  if (credential?.kind !== 'key') return empty(204);
  const key = credential.key;
  const organization = key.organizationId !== null ? ctx.core.organization(key.organizationId) : undefined;
  const owner = organization
    ? { type: 'organization', name: organization.name }
    : { type: 'user', name: ctx.core.user(key.userId)!.username };
  return view(200, { key: { name: key.name, owner } });
}

export const authRoutes: Route[] = [route('GET', '/api/auth', show)];
