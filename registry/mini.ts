import { generateKeyPairSync } from 'node:crypto';
import { encodeEtf } from '../src/erlang/etf.js';
import { atom, binary, ErlMap, tuple, type Term } from '../src/erlang/term.js';
import { RETIREMENT_REASONS, type Dependency, type RetirementReason } from '../src/repository/protobuf.js';
import { compareVersions, isValidVersion } from '../src/repository/requirement.js';
import { buildRegistryFiles, byteOrder } from '../src/repository/registry-builder.js';
import { constantTimeEqual } from './crypto.js';
import { BadRequest, bytes, empty, header, parseBody, type Ctx, type Reply } from './http.js';
import { readReleaseTarball } from './release-tarball.js';
import { matchRoute, route, type Route } from './router.js';
import { UPLOAD_LIMIT } from './routes/shared.js';
import { fileReply, unsafeSegment } from './static.js';

// A mini_repo-style server (wojtekmach/mini_repo) under /mini, apart from the hexpm routes:
//
//   /mini/api/repos/REPO/publish                                   POST the raw tarball
//   /mini/api/repos/REPO/packages/NAME/releases/VERSION            DELETE
//   /mini/api/repos/REPO/packages/NAME/releases/VERSION/retire     POST (ETF reason, message) / DELETE
//   /mini/api/repos/REPO/packages/NAME/releases/VERSION/docs       POST the docs tarball
//   /mini/repos/REPO/{public_key,names,versions,packages/NAME,tarballs/NAME-VERSION.tar,docs/…}
//
// As mini_repo: every /mini/api request needs `authorization` equal to the token (raw, no
// scheme) before any routing; answers are ETF (vnd.hex+erlang) for publish and the 401, plain
// text otherwise; an unconfigured REPO crashes the handler (500); anything else is 404 `not
// found` without a content type. Its registry files are signed with a key of each repository's
// own and are built as mini_repo builds them: `names` without updated_at, retirements in
// `versions` and the release, no published_at. State is kept in memory.

export interface MiniRelease {
  version: string;
  innerChecksum: Buffer;
  outerChecksum: Buffer;
  dependencies: Dependency[];
  retired?: { reason: RetirementReason; message: string };
}

class MiniRepository {
  readonly privateKeyPem: string;
  readonly publicKeyPem: string;
  /** Releases per package, in ascending version order (a version published twice is there twice, as in mini_repo). */
  readonly packages = new Map<string, MiniRelease[]>();
  /** The served files by path under /mini/repos/REPO/. */
  readonly files = new Map<string, Buffer>();

  constructor(readonly name: string) {
    // PKCS#1 both, as mini_repo generates them (pem_encode(:RSAPublicKey, …)).
    const pair = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
      publicKeyEncoding: { type: 'pkcs1', format: 'pem' },
    });
    this.privateKeyPem = pair.privateKey;
    this.publicKeyPem = pair.publicKey;
    this.files.set('public_key', Buffer.from(this.publicKeyPem));
    this.rebuild();
  }

  /** Rewrites names, versions and every packages/NAME from the releases. */
  rebuild(): void {
    const packages = [...this.packages].filter(([, releases]) => releases.length > 0).sort(([a], [b]) => byteOrder(a, b));
    for (const path of this.files.keys()) if (path.startsWith('packages/')) this.files.delete(path);
    // The one builder hexts has (src/repository/registry-builder.ts), as mini_repo encodes: no updated_at.
    const files = buildRegistryFiles(this.name, packages.map(([name, releases]) => ({ name, releases })), this.privateKeyPem, 'hexpm');
    this.files.set('names', files.names);
    this.files.set('versions', files.versions);
    for (const [name, file] of files.packages) this.files.set(`packages/${name}`, file);
  }
}

export interface MiniOptions {
  repositories: string[];
  /** What every API request's `authorization` header must be. */
  token: string;
}

export class MiniRepos {
  private readonly repositories = new Map<string, MiniRepository>();
  private readonly routes: Route[];

  constructor(
    private readonly options: MiniOptions,
    /** https://127.0.0.1:PORT/mini, what publish answers as `url`. */
    private readonly url: () => string,
  ) {
    for (const name of options.repositories) this.repositories.set(name, new MiniRepository(name));
    const release = '/mini/api/repos/:repo/packages/:name/releases/:version';
    this.routes = [
      route('POST', '/mini/api/repos/:repo/publish', (ctx) => this.publish(ctx)),
      route('DELETE', release, (ctx) => this.revert(ctx)),
      route('POST', `${release}/retire`, (ctx) => this.retire(ctx)),
      route('DELETE', `${release}/retire`, (ctx) => this.unretire(ctx)),
      route('POST', `${release}/docs`, (ctx) => this.publishDocs(ctx)),
    ];
  }

  publicKeyPem(repo: string): string | undefined {
    return this.repositories.get(repo)?.publicKeyPem;
  }

  /** What was published to `repo`, package by package (undefined for an unconfigured one). */
  published(repo: string): Record<string, MiniRelease[]> | undefined {
    const repository = this.repositories.get(repo);
    return repository && Object.fromEntries([...repository.packages].map(([name, releases]) => [name, releases.map((r) => ({ ...r }))]));
  }

  /** `segments`: the percent-decoded path, starting with `mini`. */
  async handle(ctx: Ctx, segments: string[]): Promise<Reply> {
    const [, area, repo, ...path] = segments;
    if ((ctx.method === 'GET' || ctx.method === 'HEAD') && area === 'repos' && repo !== undefined) {
      // Plug.Static in mini_repo: a bad segment is its InvalidPathError (400).
      if (unsafeSegment(segments)) return bytes(400, Buffer.from('Bad Request'), 'text/plain; charset=utf-8');
      const file = this.repositories.get(repo)?.files.get(path.join('/'));
      if (file) return fileReply(ctx, file);
    }
    if (area === 'api') {
      const authorization = header(ctx, 'authorization');
      if (authorization === undefined || !constantTimeEqual(authorization, this.options.token)) return etf(401, binary('unauthorized'));
    }
    const match = matchRoute(this.routes, ctx.method, segments);
    if (!match) return bytes(404, Buffer.from('not found'), null);
    ctx.pathParams = match.params;
    return match.route.handler(ctx);
  }

  // mini_repo's repo!/2 raises for a repository it was not configured with.
  private repository(ctx: Ctx): MiniRepository | null {
    return this.repositories.get(ctx.pathParams.repo!) ?? null;
  }

  private async publish(ctx: Ctx): Promise<Reply> {
    const tarball = await ctx.readBody(UPLOAD_LIMIT);
    const repository = this.repository(ctx);
    if (!repository) return crashed();
    const read = await readReleaseTarball(tarball);
    if ('error' in read) return etf(400, tuple(atom('error'), tarballReason(read.error)));
    const { name, version } = read.meta;
    if (typeof name !== 'string' || !/^[a-z]\w*$/.test(name)) return etf(400, tuple(atom('error'), atom('invalid_name')));
    if (typeof version !== 'string' || !isValidVersion(version)) return etf(400, tuple(atom('error'), atom('invalid_version')));
    const releases = [
      ...(repository.packages.get(name) ?? []),
      {
        version,
        innerChecksum: Buffer.from(read.innerChecksum, 'hex'),
        outerChecksum: Buffer.from(read.outerChecksum, 'hex'),
        dependencies: dependencies(read.meta.requirements),
      },
    ].sort((a, b) => compareVersions(a.version, b.version));
    repository.packages.set(name, releases);
    repository.files.set(`tarballs/${name}-${version}.tar`, tarball);
    repository.rebuild();
    return etf(200, new ErlMap([[binary('url'), binary(this.url())]]));
  }

  private revert(ctx: Ctx): Reply {
    const { repository, releases, name, version } = this.release(ctx);
    if (!repository || !releases) return crashed();
    const kept = releases.filter((r) => r.version !== version);
    if (kept.length > 0) repository.packages.set(name, kept);
    else repository.packages.delete(name);
    // (mini_repo keeps the tarball unless it was the package's only release.)
    repository.files.delete(`tarballs/${name}-${version}.tar`);
    repository.rebuild();
    return empty(204);
  }

  private async retire(ctx: Ctx): Promise<Reply> {
    const { repository, releases, version } = this.release(ctx);
    if (!repository || !releases) return crashed();
    // Only ETF bodies are parsed (mini_repo's Plug.Parsers has just its HexErlangParser).
    const contentType = header(ctx, 'content-type') ?? '';
    if (!contentType.startsWith('application/vnd.hex+erlang')) return crashed();
    let params: Record<string, unknown>;
    try {
      params = parseBody(contentType, await ctx.readBody(UPLOAD_LIMIT));
    } catch (err) {
      if (err instanceof BadRequest) return crashed();
      throw err;
    }
    const { reason, message } = params;
    if (!RETIREMENT_REASONS.includes(reason as RetirementReason) || typeof message !== 'string') return crashed();
    for (const release of releases) if (release.version === version) release.retired = { reason: reason as RetirementReason, message };
    repository.rebuild();
    return empty(201);
  }

  private unretire(ctx: Ctx): Reply {
    const { repository, releases, version } = this.release(ctx);
    if (!repository || !releases) return crashed();
    for (const release of releases) if (release.version === version) delete release.retired;
    repository.rebuild();
    return empty(201);
  }

  private async publishDocs(ctx: Ctx): Promise<Reply> {
    const docs = await ctx.readBody(UPLOAD_LIMIT);
    const repository = this.repository(ctx);
    if (!repository) return crashed();
    repository.files.set(`docs/${ctx.pathParams.name}-${ctx.pathParams.version}.tar.gz`, docs);
    return empty(201);
  }

  // mini_repo's Map.fetch!/update! on a package it does not have crashes the handler too.
  private release(ctx: Ctx): { repository: MiniRepository | null; releases: MiniRelease[] | undefined; name: string; version: string } {
    const repository = this.repository(ctx);
    const name = ctx.pathParams.name!;
    return { repository, releases: repository?.packages.get(name), name, version: ctx.pathParams.version! };
  }
}

function etf(status: number, term: Term): Reply {
  return bytes(status, encodeEtf(term), 'application/vnd.hex+erlang; charset=utf-8');
}

/** An exception in a mini_repo handler: Cowboy answers 500 with no body. */
function crashed(): Reply {
  return empty(500);
}

/**
 * hex_tarball:unpack's error term where the reader's message identifies it; otherwise
 * `{tarball, Message}` with the message hex_core's format_error would print.
 */
function tarballReason(message: string): Term {
  const known: Record<string, Term> = {
    'empty tarball': tuple(atom('tarball'), atom('empty')),
    'invalid tarball checksum': tuple(atom('tarball'), atom('invalid_checksum')),
    'tarball error, Unexpected end of file': tuple(atom('tarball'), atom('eof')),
    'error reading package metadata: invalid terms': tuple(atom('metadata'), atom('invalid_terms')),
    'error reading package metadata: not in key-value format': tuple(atom('metadata'), atom('not_key_value')),
  };
  return known[message] ?? tuple(atom('tarball'), binary(message));
}

/** mini_repo's build_dependencies: requirement, and app, optional and repository when given. */
function dependencies(requirements: unknown): Dependency[] {
  if (requirements === null || typeof requirements !== 'object' || Array.isArray(requirements)) return [];
  return Object.entries(requirements as Record<string, Record<string, unknown>>)
    .sort(([a], [b]) => byteOrder(a, b))
    .map(([name, fields]) => ({
      package: name,
      requirement: String(fields.requirement),
      app: typeof fields.app === 'string' ? fields.app : undefined,
      optional: fields.optional === true,
      repository: typeof fields.repository === 'string' ? fields.repository : undefined,
    }));
}
