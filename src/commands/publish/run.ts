import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidAnswerError, type ApiClient } from '../../api/client.js';
import * as docsApi from '../../api/docs.js';
import { ApiError, UnexpectedAnswerError } from '../../api/errors.js';
import * as owners from '../../api/owners.js';
import * as packages from '../../api/packages.js';
import { checkOrganizationName } from '../../api/permissions.js';
import * as releases from '../../api/releases.js';
import type { Release } from '../../api/types.js';
import { UploadInterruptedError } from '../../api/upload.js';
import * as users from '../../api/users.js';
import type { Invocation } from '../../cli.js';
import { HEX_PM_API_URL } from '../../config/config.js';
import type { Context } from '../../context.js';
import type { Purpose } from '../../credentials/choice.js';
import { CliError, keepAdvice, UsageError } from '../../errors.js';
import type { Text } from '../../io/output.js';
import { collectDocsFiles, createDocsTarball, type DocsFile } from '../../package/docs-tarball.js';
import { isValidVersion } from '../../repository/requirement.js';
import { explainAccessError } from '../access-errors.js';
import { toolchainChoice } from '../options.js';
import { repositoryChoice } from '../repository-choice.js';
import { loadPackage, readPackage } from '../package-build.js';
import { SecretsFoundError, warnNotScanned, type DocsToScan } from '../secret-findings.js';
import { progressBar } from './progress.js';
import { checkTarballOptions, packageToPublish, type BuiltRelease } from './source.js';

type Mode = 'all' | 'package' | 'docs';

interface Target {
  name: string;
  version: string;
  /** undefined for the public repository, hexpm. */
  organization?: string;
}

const CODE_OF_CONDUCT = 'Before publishing, please read the Code of Conduct: https://hex.pm/policies/codeofconduct';

// `hexts publish [package|docs]`, like `mix hex.publish`: everything local first (read,
// validate, build the tarballs; or with --tarball, read and check a tarball built elsewhere),
// then the screen and the confirmation, then credentials and the uploads. A dry run stops
// after the screen and needs no credentials at all.
export async function run(ctx: Context, invocation: Invocation): Promise<void> {
  try {
    await publish(ctx, invocation);
  } catch (err) {
    // Findings stop a publish before anything is sent; --json gets them as data.
    if (ctx.globals.json && err instanceof SecretsFoundError) ctx.out.json(err.toJSON());
    throw err;
  }
}

async function publish(ctx: Context, { args, opts }: Invocation): Promise<void> {
  let mode = (args[0] ?? 'all') as Mode;
  checkTarballOptions(mode, opts);
  if (opts.scan === false && typeof opts.revert !== 'string') warnNotScanned(ctx);
  if (typeof opts.toDir === 'string') return (await import('./to-dir.js')).publishToDir(ctx, mode, opts);
  if (opts.privateKey !== undefined) throw new UsageError('--private-key goes with --to-dir', 'It signs a static repository: `hexts publish --to-dir PUBLIC_DIR --private-key KEY`.');
  const { organization: flagOrganization, repo } = repositoryChoice(opts);
  if (repo) {
    if (typeof opts.revert === 'string') throw new UsageError(`--revert goes to hex.pm-compatible APIs; repository ${repo} is not one hexts can revert on`);
    return (await import('./to-repo.js')).publishToRepository(ctx, repo, mode, opts);
  }
  if (typeof opts.revert === 'string') return revert(ctx, mode, opts.revert, flagOrganization, opts);
  if (mode === 'package' && opts.docsDir !== undefined) throw new UsageError('--docs-dir cannot be used with `publish package`, which publishes no docs', 'Drop --docs-dir, or publish the docs too with `hexts publish`.');
  if (mode === 'docs' && opts.replace) throw new UsageError('--replace cannot be used with `publish docs`: a release\'s docs are replaced without it', 'Drop --replace.');

  const json = ctx.globals.json;
  const purpose = (organization: string | undefined): Purpose =>
    ({ kind: 'api', access: 'write', organization, action: mode === 'docs' ? 'publish docs' : 'publish' });
  // Like mix, a credential (or a login, offered on a terminal) comes before the screen and the
  // question; a dry run sends nothing and needs none.
  const docsFiles = docsSource(ctx, opts);
  const load = {
    organization: flagOrganization,
    toolchain: toolchainChoice(opts),
    printSummary: !json && mode !== 'docs',
    publishing: true,
    secretScan: opts.scan === false ? undefined : { withheld: 'published' as const, packageFiles: mode !== 'docs', docs: mode === 'package' ? undefined : () => docsToScan(docsFiles) },
    beforeShowing: opts.dryRun ? undefined : async (p: { organization?: string }) => (await ctx.credentials()).ensure(purpose(targetOrganization(p.organization))),
  };
  let target: Target;
  let release: BuiltRelease | undefined;
  if (mode === 'docs') {
    const prepared = await loadPackage(ctx, load);
    target = { name: prepared.name, version: prepared.version, organization: targetOrganization(prepared.organization) };
  } else {
    const pkg = await packageToPublish(ctx, opts, load);
    target = { name: pkg.name, version: pkg.version, organization: targetOrganization(pkg.organization) };
    release = pkg.release;
  }
  if (typeof opts.tarball === 'string' && mode === 'all') {
    ctx.out.info('A package tarball carries no docs: only the package is published. Publish the docs from the source tree with `hexts publish docs`.');
    mode = 'package';
  }
  const organization = target.organization;
  const docs = mode === 'package' ? undefined : await buildDocs(ctx, mode, opts, docsFiles);

  const config = await ctx.config();
  const screen = (line: Text = '') => (json ? ctx.out.info(line) : ctx.out.print(line));
  if (mode !== 'docs') {
    screen(CODE_OF_CONDUCT);
    screen();
    screen(targetLine(ctx, organization, config.apiUrl));
  }
  if (opts.dryRun) {
    ctx.out.info(dryRunDone(opts));
    if (json) ctx.out.json({ ...summary(target, release?.checksum), dry_run: true });
    return;
  }

  const client = await ctx.apiFor(purpose(organization), { otp: opts.otp });
  const owner = mode === 'docs' ? undefined : await confirm(ctx, client, target, opts);

  let published: Release | undefined;
  if (release) {
    ctx.out.info('Publishing package...');
    published = await publishRelease(ctx, client, target, release, opts);
    ctx.out.info();
    ctx.out.info(`Package published to ${published.html_url ?? published.url} (${release.checksum})`);
  }
  let docsUrl: string | undefined;
  if (docs) {
    ctx.out.info('Publishing docs...');
    docsUrl = await publishDocs(ctx, client, target, docs, config.apiUrl, opts);
    ctx.out.info();
    ctx.out.info(`Docs will soon be available at ${docsUrl}`);
  }
  if (owner) {
    ctx.out.info(`Transferring ownership to ${owner}...`);
    try {
      await owners.add(client, target.name, owner, { level: 'full', transfer: true });
    } catch (err) {
      throw withAction(err, 'Failed to transfer ownership', `The package is published with you as its owner; try \`hexts owner transfer ${target.name} ${owner}\`.`);
    }
  }
  if (json) {
    ctx.out.json({ ...summary(target, release?.checksum), package_url: published ? (published.html_url ?? published.url) : null, docs_url: docsUrl ?? null });
  }
}

const publicRepository = (organization: string | undefined) => organization === undefined || organization === 'hexpm';

/** The organization a package goes to; undefined for the public repository. */
const targetOrganization = (organization: string | undefined): string | undefined =>
  publicRepository(organization) ? undefined : checkOrganizationName(organization!);

function summary(target: Target, checksum: string | undefined) {
  return { name: target.name, version: target.version, repository: target.organization ?? 'hexpm', checksum: checksum ?? null };
}

/** mix's line naming where the package goes (and through which API, when not hex.pm's). */
function targetLine(ctx: Context, organization: string | undefined, apiUrl: string): Text {
  const usingApi = apiUrl === HEX_PM_API_URL ? '' : ` using ${apiUrl}`;
  const { bold } = ctx.out.style;
  let to: Text = '';
  if (organization) to = [' to ', bold('private'), ` repository ${organization}`];
  else if (!usingApi) to = [' to ', bold('public'), ' repository hexpm'];
  return ['Publishing package', to, `${usingApi}.`];
}

/** --docs-dir, else doc/ or docs/ when there is one. */
const docsDirectory = (ctx: Context, opts: Record<string, unknown>): string | undefined =>
  typeof opts.docsDir === 'string' ? opts.docsDir : ['doc', 'docs'].find((d) => isDirectory(join(ctx.cwd, d)));

interface DocsSource {
  /** As the user named it: `doc`, or --docs-dir's value. */
  dir: string;
  files: DocsFile[];
}

/**
 * The docs directory and its files, collected once: the secret scan reads them and the docs
 * tarball is made of them. Undefined when there is no docs directory (buildDocs says why).
 */
function docsSource(ctx: Context, opts: Record<string, unknown>): () => Promise<DocsSource | undefined> {
  let collected: Promise<DocsSource | undefined> | undefined;
  return () => (collected ??= (async () => {
    const dir = docsDirectory(ctx, opts);
    if (dir === undefined || !isDirectory(join(ctx.cwd, dir))) return undefined;
    return { dir, files: await collectDocsFiles(join(ctx.cwd, dir)) };
  })());
}

/** The docs that will go up, for the secret scan; none when there are none to publish (buildDocs then says why). */
async function docsToScan(docs: () => Promise<DocsSource | undefined>): Promise<DocsToScan | undefined> {
  const source = await docs().catch(() => undefined);
  return source && { shownAs: source.dir, files: source.files };
}

/** The docs tarball from --docs-dir, doc/ or docs/; without one, the default publish asks whether to go on without docs. */
async function buildDocs(ctx: Context, mode: Mode, opts: Record<string, unknown>, docs: () => Promise<DocsSource | undefined>): Promise<Buffer | undefined> {
  const source = await docs();
  if (source === undefined) {
    const where = typeof opts.docsDir === 'string' ? opts.docsDir : 'doc/ or docs/';
    if (mode === 'docs' || typeof opts.docsDir === 'string') {
      throw new CliError(`Documentation could not be found in ${where}`, 'Build it with `mix docs` (ex_doc), or point --docs-dir at it.');
    }
    if (opts.yes === true) {
      // mix hex.publish would build the docs itself (mix docs), and nothing asks here: say it where it cannot be missed.
      ctx.out.warn(ctx.out.style.bold(`WARNING: the docs will NOT be published: there is no documentation in ${where}.`));
      ctx.out.warn('mix hex.publish would build them with `mix docs`; hexts does not run mix. Publish them afterwards: `mix docs && hexts publish docs`.');
      return undefined;
    }
    ctx.out.warn(`No documentation found in ${where}. Build it with \`mix docs\` (ex_doc) before publishing, or publish the package alone with \`hexts publish package\`.`);
    await ctx.prompt.proceed('Publish the package without docs?', {
      message: 'there is no documentation to publish',
      hint: 'Run `mix docs` first, or `hexts publish package` to publish without docs (or pass --yes).',
    }, false);
    return undefined;
  }
  return createDocsTarball(source.files);
}

function isDirectory(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory();
}

/**
 * `Proceed? [Yn]` on a terminal; or, for a new public package whose publisher belongs to
 * organizations, mix's choice of owner. Returns the organization to hand the package to.
 */
async function confirm(ctx: Context, client: ApiClient, target: Target, opts: Record<string, unknown>): Promise<string | undefined> {
  const refusal = { message: 'publishing needs a confirmation, but there is no terminal to ask on', hint: 'Pass --yes to publish without the prompt.' };
  if (opts.yes) return undefined;
  if (!ctx.interactive) throw new CliError(refusal.message, refusal.hint);
  if (!target.organization) {
    const organizations = await userOrganizations(client);
    if (organizations.length > 0 && !(await packageExists(client, target))) {
      ctx.out.info('You are a member of one or multiple organizations. Would you like to publish the package with yourself as owner or an organization as owner? If you publish with an organization as owner your package will be public but managed by the selected organization.');
      ctx.out.info();
      const choice = await ctx.prompt.select('Your selection:', [{ name: 'Yourself', value: '' }, ...organizations.map((o) => ({ name: o, value: o }))], refusal);
      return choice || undefined;
    }
  }
  await ctx.prompt.proceed('Proceed?', refusal);
  return undefined;
}

async function userOrganizations(client: ApiClient): Promise<string[]> {
  try {
    return ((await users.me(client)).organizations ?? []).map((o) => o.name);
  } catch (err) {
    // An organization key has no user behind it: no owner choice then.
    if (err instanceof ApiError && (err.status === 404 || err.status === 401)) return [];
    throw err;
  }
}

async function packageExists(client: ApiClient, target: Target): Promise<boolean> {
  try {
    await packages.get(client, target.name, target.organization);
    return true;
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return false;
    throw err;
  }
}

async function publishRelease(ctx: Context, client: ApiClient, target: Target, release: BuiltRelease, opts: Record<string, unknown>): Promise<Release> {
  const progress = progressBar(ctx, opts.progress !== false);
  try {
    const { release: published } = await releases.publish(client, target.name, release.tarball, {
      organization: target.organization,
      replace: opts.replace === true,
      onProgress: progress.update,
    });
    return published;
  } catch (err) {
    // Cut off mid-upload, or taken with an answer that cannot be read (or not understood): ask the registry.
    if (err instanceof UploadInterruptedError || (err instanceof InvalidAnswerError && err.carriedOut) || err instanceof UnexpectedAnswerError) {
      return afterInterruptedUpload(ctx, client, target, release, err);
    }
    if (err instanceof ApiError && err.status === 422 && JSON.stringify(err.errors ?? '').includes('--replace flag')) {
      throw withAction(err, 'Publishing failed', 'Pass --replace to overwrite it (public packages: within an hour of publishing; private packages: any time).');
    }
    if (err instanceof ApiError && err.status === 403 && err.serverMessage === 'account not authorized for this action' && (await packageExists(client, target))) {
      throw new CliError(
        `Publishing failed: Package with name ${target.name} already exists. Make sure you are authenticated and have permissions to publish the package.`,
        'Only its owners (or, in an organization, members with the write role) can publish new versions.',
      );
    }
    throw withAction(explainAccessError(err, target.organization), 'Publishing failed');
  } finally {
    progress.done();
  }
}

/**
 * The connection dropped after the tarball started to go out, or the answer to it could not
 * be read: the registry may have taken it or not. Ask it, and say exactly what happened and
 * what to do.
 */
async function afterInterruptedUpload(ctx: Context, client: ApiClient, target: Target, release: BuiltRelease, cause: CliError): Promise<Release> {
  ctx.out.warn(`${cause.message}. Asking the registry whether ${target.name} ${target.version} arrived...`);
  let found: Release;
  try {
    found = await releases.get(client, target.name, target.version, target.organization);
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) {
      throw new CliError(`the upload was interrupted and ${target.name} ${target.version} is not on the registry: nothing was published`, 'Run the same `hexts publish` again.');
    }
    throw new CliError(`the upload was interrupted and the registry could not be asked whether it arrived (${(err as Error).message})`, `Check with \`hexts info ${target.name} ${target.version}\` before publishing again.`);
  }
  if (found.checksum !== release.checksum) {
    throw new CliError(
      `the upload was interrupted; the registry has ${target.name} ${target.version}, but with checksum ${found.checksum}, not this build's ${release.checksum}`,
      'If that is an earlier upload of yours, run `hexts publish --replace` to overwrite it with this build.',
    );
  }
  ctx.out.info(`The registry has ${target.name} ${target.version} with this build's checksum: it was published.`);
  return found;
}

async function publishDocs(ctx: Context, client: ApiClient, target: Target, tarball: Buffer, apiUrl: string, opts: Record<string, unknown>): Promise<string> {
  const progress = progressBar(ctx, opts.progress !== false);
  let location: string | undefined;
  try {
    location = await docsApi.publish(client, target.name, target.version, tarball, { organization: target.organization, onProgress: progress.update });
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) {
      throw new CliError('Publishing docs failed due to the package not being published yet', `Publish ${target.name} ${target.version} first: \`hexts publish package\`.`);
    }
    throw withAction(explainAccessError(err, target.organization), 'Publishing docs failed');
  } finally {
    progress.done();
  }
  if (apiUrl !== HEX_PM_API_URL && location) return location;
  return hexdocsUrl(target);
}

/** Where hex.pm serves the docs, as mix prints it. */
export function hexdocsUrl(target: Target): string {
  return target.organization
    ? `https://${target.organization}.hexorgs.pm/${target.name}/${target.version}`
    : `https://${target.name.replaceAll('_', '-')}.hexdocs.pm/${target.version}`;
}

/** Prefixes an API refusal with what failed, keeping the server's message and errors tree. */
function withAction(err: unknown, action: string, hint?: string): unknown {
  if (err instanceof ApiError) return keepAdvice(err, new ApiError(err.status, `${action}: ${err.message}`, err.errors, err.headers, err.body, hint ?? err.hint));
  if (err instanceof CliError && !(err instanceof UploadInterruptedError)) return keepAdvice(err, new CliError(`${action}: ${err.message}`, hint ?? err.hint));
  return err;
}

/** The dry run's last line, naming the options only a real run would use, so that none goes unnoticed. */
function dryRunDone(opts: Record<string, unknown>): string {
  const unused = ([['key', '--key'], ['keyFile', '--key-file'], ['otp', '--otp'], ['replace', '--replace']] as const)
    .filter(([name]) => opts[name] !== undefined)
    .map(([, flag]) => flag);
  return unused.length === 0 ? 'Dry run: nothing was sent.' : `Dry run: nothing was sent; a real run would use ${unused.join(', ')}.`;
}

async function revert(ctx: Context, mode: Mode, version: string, flagOrganization: string | undefined, opts: Record<string, unknown>): Promise<void> {
  if (!isValidVersion(version)) throw new UsageError(`invalid version "${version}" for --revert`, 'Give the full version of the release, e.g. 1.4.0 or 2.0.0-rc.1.');
  for (const [name, flag] of [['replace', '--replace'], ['docsDir', '--docs-dir']] as const) {
    if (opts[name] !== undefined) throw new UsageError(`${flag} cannot be used with --revert, which deletes and uploads nothing`, `Drop ${flag}.`);
  }
  const prepared = await readPackage(ctx, flagOrganization, toolchainChoice(opts), ctx.globals.json);
  const organization = targetOrganization(prepared.organization);
  const name = prepared.name;
  const result = { name, version, repository: organization ?? 'hexpm', reverted: mode === 'docs' ? 'docs' : 'release' };
  if (opts.dryRun) {
    // Like the publish dry run: no credentials, no request.
    const what = mode === 'docs' ? `the docs of ${name} ${version}` : `${name} ${version} (the release and its docs)`;
    ctx.out.info(`Would delete ${what} from repository ${result.repository}.`);
    ctx.out.info(dryRunDone(opts));
    if (ctx.globals.json) ctx.out.json({ ...result, dry_run: true });
    return;
  }
  const client = await ctx.apiFor({ kind: 'api', access: 'write', organization, action: mode === 'docs' ? 'revert docs' : 'revert a release' }, { otp: opts.otp });
  if (mode === 'docs') {
    try {
      await docsApi.remove(client, name, version, organization);
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) throw new CliError('Docs do not exist', `${name} ${version} has no published docs (or does not exist).`);
      throw withAction(explainAccessError(err, organization), `Reverting docs for ${name} ${version} failed`);
    }
    ctx.out.info(`Reverted docs for ${name} ${version}`);
    if (ctx.globals.json) ctx.out.json(result);
    return;
  }
  try {
    await releases.remove(client, name, version, organization);
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) throw new CliError(`Reverting ${name} ${version} failed: no such release`, `Check the version with \`hexts info ${name}\`.`);
    throw withAction(explainAccessError(err, organization), `Reverting ${name} ${version} failed`);
  }
  ctx.out.info(`Reverted ${name} ${version}`);
  if (ctx.globals.json) ctx.out.json(result);
}
