import {
  addOrganizationMember,
  advanceClock,
  approveDeviceCode,
  ArrangeError,
  completeSso,
  configure,
  createUser,
  denyDeviceCode,
  newKey,
  newOrganization,
  newToken,
  publishDocsTarball,
  publishTarball,
  retireRelease,
  addAdvisory,
  setBilling,
  setSso,
  setTotp,
  verifyUser,
} from '../arrange.js';
import { parseFault, type Faults } from '../faults.js';
import { readReleaseTarball } from '../release-tarball.js';
import { empty, isoMicroseconds, stringParam, view, type Ctx, type Reply } from '../http.js';
import type { MiniRepos } from '../mini.js';
import type { Messages } from '../notices.js';
import type { RequestLog } from '../request-log.js';
import { route, type Route } from '../router.js';
import { makeDocsTarball, makeTarball } from '../tarballs.js';
import type { Config, Role } from '../state.js';

// Test-only controls under /_test/ (JSON in, JSON out; never used by hexts itself). A bad
// request answers 400 {"error": "..."}.

export interface TestControls {
  faults: Faults;
  messages: Messages;
  log: RequestLog;
  mini: MiniRepos | null;
}

function badRequest(message: string): Reply {
  return view(400, { error: message });
}

function guarded(handler: (ctx: Ctx) => Reply | Promise<Reply>): (ctx: Ctx) => Promise<Reply> {
  return async (ctx) => {
    try {
      return await handler(ctx);
    } catch (err) {
      if (err instanceof ArrangeError) return badRequest(err.message);
      throw err;
    }
  };
}

function required(ctx: Ctx, name: string): string {
  const value = stringParam(ctx, name);
  if (value === null) throw new ArrangeError(`${name} is required`);
  return value;
}

const CONFIG_KEYS: Record<string, keyof Config> = {
  device_interval: 'deviceInterval',
  basic_auth: 'basicAuth',
  rate_limit: 'rateLimit',
  ip_rate_limit: 'ipRateLimit',
  hex_keys: 'hexKeys',
  read_only: 'readOnly',
  user_repository_keys: 'userRepositoryKeys',
};

export function testRoutes(controls: TestControls): Route[] {
  const routes: Array<[string, string, (ctx: Ctx) => Reply | Promise<Reply>]> = [
    ['POST', '/_test/users', (ctx) => {
      const user = createUser(ctx.core, {
        username: required(ctx, 'username'),
        password: stringParam(ctx, 'password') ?? undefined,
        email: stringParam(ctx, 'email') ?? undefined,
        verified: ctx.params.verified !== false,
      });
      return view(201, { username: user.username });
    }],
    ['POST', '/_test/users/:name/verify', (ctx) => {
      verifyUser(ctx.core, required(ctx, 'name'));
      return empty(204);
    }],
    ['POST', '/_test/users/:name/totp', (ctx) => {
      const secret = ctx.params.secret;
      if (secret !== null && typeof secret !== 'string') throw new ArrangeError('secret must be a base32 string or null');
      setTotp(ctx.core, required(ctx, 'name'), secret);
      return empty(204);
    }],
    ['POST', '/_test/orgs', (ctx) => {
      const billing = ctx.params.billing_active;
      const seats = ctx.params.seats;
      const organization = newOrganization(ctx.core, {
        name: required(ctx, 'name'),
        admin: required(ctx, 'admin'),
        billingActive: typeof billing === 'boolean' ? billing : true,
        seats: typeof seats === 'number' ? seats : null,
      });
      return view(201, { name: organization.name });
    }],
    ['POST', '/_test/orgs/:organization/members', (ctx) => {
      addOrganizationMember(ctx.core, required(ctx, 'organization'), required(ctx, 'username'), required(ctx, 'role') as Role);
      return empty(204);
    }],
    ['POST', '/_test/orgs/:organization/billing', (ctx) => {
      if (typeof ctx.params.active !== 'boolean') throw new ArrangeError('active must be a boolean');
      setBilling(ctx.core, required(ctx, 'organization'), ctx.params.active);
      return empty(204);
    }],
    // {"required": true, "personal_keys": "allow"|"block"} or {"required": false}
    ['POST', '/_test/orgs/:organization/sso', (ctx) => {
      if (typeof ctx.params.required !== 'boolean') throw new ArrangeError('required must be a boolean');
      const personalKeys = (stringParam(ctx, 'personal_keys') ?? 'allow') as 'allow' | 'block';
      setSso(ctx.core, required(ctx, 'organization'), ctx.params.required ? { personalKeys } : null);
      return empty(204);
    }],
    // The identity-provider step of `verification_uri`'s code, as `username` in the browser.
    ['POST', '/_test/sso/authorize', (ctx) => {
      completeSso(ctx.core, required(ctx, 'code'), required(ctx, 'username'));
      return view(200, { status: 'authorized' });
    }],
    ['POST', '/_test/keys', (ctx) => {
      const organization = stringParam(ctx, 'organization');
      const owner = organization !== null ? { organization } : { user: required(ctx, 'username') };
      const secret = newKey(ctx.core, owner, { name: ctx.params.name, permissions: ctx.params.permissions });
      return view(201, { secret });
    }],
    // A small package release made here and published as `publisher` (for benchmarks and
    // rehearsals); with "docs": true, docs too (an index.html naming the release). Or, with
    // "tarball" (base64) instead of name and version, that very tarball: one built by mix, say,
    // to rehearse `hexts verify` on a release whose files are in mix's readdir order.
    ['POST', '/_test/releases', async (ctx) => {
      const given = stringParam(ctx, 'tarball');
      const tarball = given !== null ? Buffer.from(given, 'base64') : await makeTarball({ name: required(ctx, 'name'), version: required(ctx, 'version') });
      const repository = stringParam(ctx, 'repository') ?? undefined;
      const release = await publishTarball(ctx.core, tarball, { publisher: required(ctx, 'publisher'), repository });
      const read = given !== null ? await readReleaseTarball(tarball, true) : undefined;
      const name = read && 'meta' in read ? String(read.meta.name) : required(ctx, 'name');
      if (ctx.params.docs === true) publishDocsTarball(ctx.core, name, release.version, await makeDocsTarball(name, release.version), repository);
      return view(201, { name, version: release.version, checksum: release.outerChecksum });
    }],
    // Retires a release without an owner's credential: {name, version, reason, message, repository?}; reason null unretires.
    ['POST', '/_test/retirements', (ctx) => {
      const reason = stringParam(ctx, 'reason');
      retireRelease(ctx.core, {
        repository: stringParam(ctx, 'repository') ?? undefined,
        name: required(ctx, 'name'),
        version: required(ctx, 'version'),
        retirement: reason === null ? null : { reason, message: stringParam(ctx, 'message') },
      });
      return empty(204);
    }],
    // A security advisory on releases of a package, in its signed registry record:
    // {name, id, summary, versions: [...], cvss_rating?, cvss_score?, aliases?, repository?}.
    ['POST', '/_test/advisories', (ctx) => {
      const { versions, aliases, cvss_score: score } = ctx.params;
      const strings = (v: unknown) => Array.isArray(v) && v.every((x) => typeof x === 'string');
      if (!strings(versions)) throw new ArrangeError('versions must be a list of versions');
      if (aliases !== undefined && !strings(aliases)) throw new ArrangeError('aliases must be a list of ids');
      if (score !== undefined && score !== null && typeof score !== 'number') throw new ArrangeError('cvss_score must be a number');
      addAdvisory(ctx.core, {
        repository: stringParam(ctx, 'repository') ?? undefined,
        name: required(ctx, 'name'),
        id: required(ctx, 'id'),
        summary: required(ctx, 'summary'),
        cvssRating: stringParam(ctx, 'cvss_rating'),
        cvssScore: (score as number | null | undefined) ?? null,
        aliases: aliases as string[] | undefined,
        versions: versions as string[],
      });
      return empty(204);
    }],
    ['POST', '/_test/tokens', (ctx) => {
      const scope = stringParam(ctx, 'scope');
      const tokens = newToken(ctx.core, required(ctx, 'username'), scope === null ? undefined : scope.split(' '));
      return view(201, { access_token: tokens.accessToken, refresh_token: tokens.refreshToken });
    }],
    ['POST', '/_test/device/approve', (ctx) => {
      const scopes = ctx.params.scopes;
      if (scopes !== undefined && !(Array.isArray(scopes) && scopes.every((s) => typeof s === 'string'))) throw new ArrangeError('scopes must be a list of scope names');
      approveDeviceCode(ctx.core, required(ctx, 'user_code'), required(ctx, 'username'), scopes as string[] | undefined);
      return view(200, { status: 'authorized' });
    }],
    ['POST', '/_test/device/deny', (ctx) => {
      denyDeviceCode(ctx.core, required(ctx, 'user_code'));
      return view(200, { status: 'denied' });
    }],
    ['POST', '/_test/clock', (ctx) => {
      const seconds = ctx.params.advance_seconds;
      if (typeof seconds !== 'number') throw new ArrangeError('advance_seconds must be a number');
      advanceClock(ctx.core, seconds);
      return view(200, { now: isoMicroseconds(new Date(ctx.core.now())) });
    }],
    ['POST', '/_test/config', (ctx) => {
      const changes: Partial<Record<keyof Config, unknown>> = {};
      for (const [key, value] of Object.entries(ctx.params)) {
        const field = CONFIG_KEYS[key];
        if (!field) throw new ArrangeError(`unknown setting ${key}; known: ${Object.keys(CONFIG_KEYS).join(', ')}`);
        changes[field] = value;
      }
      const config = configure(ctx.core, changes as Partial<Config>);
      return view(200, Object.fromEntries(Object.entries(CONFIG_KEYS).map(([key, field]) => [key, config[field]])));
    }],
    ['POST', '/_test/faults', (ctx) => {
      try {
        controls.faults.add(parseFault(ctx.params));
      } catch (err) {
        throw new ArrangeError((err as Error).message);
      }
      return empty(204);
    }],
    ['DELETE', '/_test/faults', () => {
      controls.faults.clear();
      return empty(204);
    }],
    // {"value": "\"text\";level=warn", "path": "/api/", "method"?: "GET", "count"?: 1}: an x-hex-message header on matching answers.
    ['POST', '/_test/messages', (ctx) => {
      const { value, path, method, count } = ctx.params;
      if (typeof value !== 'string') throw new ArrangeError('value must be the header\'s value, e.g. "\\"text\\";level=warn"');
      if (path !== undefined && (typeof path !== 'string' || !path.startsWith('/'))) throw new ArrangeError('path must be a path prefix');
      if (method !== undefined && typeof method !== 'string') throw new ArrangeError('method must be a string');
      if (count !== undefined && (typeof count !== 'number' || !Number.isInteger(count) || count < 1)) throw new ArrangeError('count must be a positive integer');
      try {
        controls.messages.add({ value, path, method, count });
      } catch (err) {
        throw new ArrangeError((err as Error).message);
      }
      return empty(204);
    }],
    ['DELETE', '/_test/messages', () => {
      controls.messages.clear();
      return empty(204);
    }],
    ['GET', '/_test/requests', () => view(200, controls.log.list())],
    // What was published to a mini_repo-style repository, and the key its files are signed with.
    ['GET', '/_test/mini/:repo', (ctx) => {
      const repo = required(ctx, 'repo');
      const packages = controls.mini?.published(repo);
      if (!packages) return view(404, { error: `no mini repository ${repo}` });
      return view(200, {
        public_key: controls.mini!.publicKeyPem(repo)!,
        packages: Object.fromEntries(
          Object.entries(packages).map(([name, releases]) => [
            name,
            releases.map((r) => ({
              version: r.version,
              inner_checksum: r.innerChecksum.toString('hex'),
              outer_checksum: r.outerChecksum.toString('hex'),
              dependencies: r.dependencies.map((d) => ({ ...d })),
              retired: r.retired ? { ...r.retired } : null,
            })),
          ]),
        ),
      });
    }],
    ['DELETE', '/_test/requests', () => {
      controls.log.clear();
      return empty(204);
    }],
  ];
  return routes.map(([method, path, handler]) => route(method, path, guarded(handler)));
}
