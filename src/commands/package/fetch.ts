import { resolve } from 'node:path';
import type { Invocation } from '../../cli.js';
import type { Context } from '../../context.js';
import { CliError, UsageError } from '../../errors.js';
import { unpackPackageTarball } from '../../package/unpack.js';
import { Repository } from '../../repository/registry.js';
import { verifyReleaseTarball } from '../../repository/release-tarball.js';
import { isValidVersion } from '../../repository/requirement.js';
import { parsePackageSpec, resolveRelease, retirementReason, retirementText, type PackageSpec } from '../../repository/resolve.js';
import { writeFileAtomic } from '../../util/atomic.js';
import { writeFailure } from '../../util/fs-errors.js';
import { mapLimited } from '../../util/map-limited.js';
import { progressBar } from '../publish/progress.js';
import { repositoryReadChoice } from '../repository-choice.js';

// `hexts package fetch NAME[@VERSION|@REQUIREMENT]…` (mix hex.package fetch): resolves each
// package against its signed registry record, downloads the tarball, checks the outer checksum
// and the inner CHECKSUM against the record, then saves, unpacks (through the safe reader) or
// streams it to stdout. Nothing is written for a package that fails a check.

type Destination = { kind: 'stdout' } | { kind: 'tarball'; directory: string } | { kind: 'unpack'; directory: string; exact: boolean };

interface Fetched {
  name: string;
  version: string;
  repository: string;
  outer_checksum: string;
  inner_checksum: string;
  retired: { reason: string; message: string | null } | null;
  path: string | null;
}

export async function run(ctx: Context, { args, opts }: Invocation): Promise<void> {
  const { organization, repo } = repositoryReadChoice(opts);
  const specs = [...new Set(joinVersions(args))].map(parsePackageSpec);
  const output = typeof opts.output === 'string' ? opts.output : undefined;
  const destination = chooseDestination(ctx, specs, output, opts.unpack === true);

  // The public repository is read anonymously: no credential is even looked up.
  const credentials = organization ? await ctx.credentials() : undefined;
  const repository = await Repository.open(ctx, { organization, repo, credentials });

  // Each package is two GETs (its registry record, then the tarball); the repository keeps at
  // most http_concurrency requests in flight, and as many packages are worked on at once.
  const progress = downloadProgress(ctx, opts.progress !== false);
  const outcomes = await mapLimited(specs, repository.settings.concurrency, (spec) =>
    fetchOne(ctx, repository, spec, destination, progress).then(
      (fetched) => ({ fetched }),
      (error: unknown) => ({ error }),
    ),
  );
  progress.done();

  const fetched = outcomes.flatMap((o) => ('fetched' in o ? [o.fetched] : []));
  const failures = outcomes.flatMap((o, i) => ('error' in o ? [{ spec: specs[i]!, error: o.error }] : []));
  if (failures.length === 1 && specs.length === 1) throw failures[0]!.error;

  if (ctx.globals.json && destination.kind !== 'stdout') ctx.out.json(fetched);
  else if (destination.kind !== 'stdout') {
    for (const f of fetched) ctx.out.print(destination.kind === 'unpack' ? `${f.name} v${f.version} extracted to ${f.path}` : `${f.name} v${f.version} downloaded to ${f.path}`);
  }
  if (failures.length > 0) {
    for (const { spec, error } of failures) {
      if (!(error instanceof CliError)) throw error;
      ctx.out.error(`${spec.text}: ${error.message}`, error.hint);
    }
    throw new CliError(`${failures.length} of ${specs.length} packages could not be fetched`);
  }
}

/**
 * mix's form `NAME VERSION` (mix hex.package fetch jason 1.4.4): a version right after a bare
 * name is that package's, as if written `NAME@VERSION`. No package name starts with a digit,
 * so the reading is never ambiguous.
 */
function joinVersions(args: string[]): string[] {
  const joined: string[] = [];
  for (const arg of args) {
    const previous = joined[joined.length - 1];
    if (previous === undefined || previous.includes('@') || !/^\d/.test(arg)) joined.push(arg);
    else if (isValidVersion(arg)) joined[joined.length - 1] = `${previous}@${arg}`;
    else throw new UsageError(`"${previous} ${arg}": ${arg} is not a version`, `Give a full version (${previous}@1.0.0), or a requirement in quotes ("${previous}@~> ${arg}").`);
  }
  return joined;
}

/** Tarballs of this size or more show in the progress bar; smaller ones are done before a bar could say anything. */
const LARGE_DOWNLOAD = 1024 * 1024;

type DownloadProgress = ReturnType<typeof downloadProgress>;

/** One bar on stderr for the large tarball downloads of the run, however many run at once (a terminal only, as for uploads). */
function downloadProgress(ctx: Context, wanted: boolean) {
  const bar = progressBar(ctx, wanted);
  const downloads = new Map<string, { received: number; total: number }>();
  return {
    /** `received` counts from 0 again when a download is retried. */
    update(key: string, received: number, total: number | undefined): void {
      if (total === undefined || total < LARGE_DOWNLOAD) return;
      downloads.set(key, { received, total });
      let sum = 0;
      let all = 0;
      for (const d of downloads.values()) {
        sum += d.received;
        all += d.total;
      }
      bar.update(sum, all);
    },
    /** Ends the bar's line, so that what follows starts on a line of its own. */
    done: bar.done,
  };
}

function chooseDestination(ctx: Context, specs: PackageSpec[], output: string | undefined, unpack: boolean): Destination {
  if (output === '-') {
    if (ctx.globals.json) throw new UsageError('--json cannot be used with --output -, which writes the tarball itself to stdout');
    if (unpack) throw new UsageError('cannot unpack the package while the output is stdout (--output -)');
    if (specs.length !== 1) throw new UsageError('--output - takes exactly one package', 'Fetch the others separately, or save them to a directory with --output DIR.');
    return { kind: 'stdout' };
  }
  // mix: with --unpack, --output is the directory for the package's files; otherwise the
  // directory the tarball goes into. With several packages each unpacks into its own NAME-VERSION.
  if (unpack) return { kind: 'unpack', directory: resolve(ctx.cwd, output ?? '.'), exact: output !== undefined && specs.length === 1 };
  return { kind: 'tarball', directory: resolve(ctx.cwd, output ?? '.') };
}

async function fetchOne(ctx: Context, repository: Repository, spec: PackageSpec, destination: Destination, progress: DownloadProgress): Promise<Fetched> {
  const pkg = await repository.package(spec.name);
  const release = resolveRelease(pkg, spec);
  const { version } = release;
  if (release.retired) {
    progress.done();
    ctx.out.warn(`${spec.name} ${version} is retired: ${retirementText(release.retired)}`);
  }

  const tarball = await repository.tarball(spec.name, version, (received, total) => progress.update(`${spec.name}-${version}`, received, total));
  const checksums = await verifyReleaseTarball(spec.name, release, tarball);
  const base = `${spec.name}-${version}`;
  let path: string | null = null;
  if (destination.kind === 'stdout') {
    await new Promise<void>((done, fail) => ctx.streams.stdout.write(tarball, (err) => (err ? fail(err) : done())));
  } else if (destination.kind === 'tarball') {
    path = resolve(destination.directory, `${base}.tar`);
    await writeFileAtomic(path, tarball, { mode: 0o644 });
  } else {
    const directory = destination.exact ? destination.directory : resolve(destination.directory, base);
    await unpackPackageTarball(tarball, { output: { directory } }).catch((err: unknown) => {
      throw writeFailure('unpack into', directory, err);
    });
    path = directory;
  }
  return {
    name: spec.name,
    version,
    repository: repository.name,
    ...checksums,
    retired: release.retired ? { reason: retirementReason(release.retired), message: release.retired.message ?? null } : null,
    path,
  };
}

