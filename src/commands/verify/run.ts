import { resolve } from 'node:path';
import type { Invocation } from '../../cli.js';
import type { Context } from '../../context.js';
import { ExitStatus, UsageError } from '../../errors.js';
import { resolveAssumptions } from '../../elixir/assumptions.js';
import { renderChange, type FileChange } from '../../diff/trees.js';
import type { Text } from '../../io/output.js';
import { requireMixExs, verifyRelease, type FileDifference, type FirstDifference, type VerifyReport } from '../../package/verify.js';
import { Repository } from '../../repository/registry.js';
import { verifyReleaseTarball } from '../../repository/release-tarball.js';
import { parsePackageSpec, resolveRelease } from '../../repository/resolve.js';
import { toolchainChoice } from '../options.js';
import { repositoryReadChoice } from '../repository-choice.js';

// `hexts verify NAME@VERSION`: the release's tarball, checked against the signed registry, against
// the tarball its source builds (package/verify.ts). Exit 0: the same bytes; 1: they differ.

export async function run(ctx: Context, { args, opts }: Invocation): Promise<void> {
  const { organization, repo } = repositoryReadChoice(opts);
  const spec = parsePackageSpec(args[0]!);
  if (spec.kind !== 'version') throw new UsageError(`"${spec.text}": give the release as NAME@VERSION, an exact version`, `For example: hexts verify ${spec.name}@1.0.0`);
  const source = requireMixExs(resolve(ctx.cwd, typeof opts.source === 'string' ? opts.source : '.'));
  const assumptions = resolveAssumptions(ctx.env, toolchainChoice(opts));

  const credentials = organization ? await ctx.credentials() : undefined;
  const repository = await Repository.open(ctx, { organization, repo, credentials });
  const release = resolveRelease(await repository.package(spec.name), spec);
  const tarball = await repository.tarball(spec.name, release.version);
  await verifyReleaseTarball(spec.name, release, tarball);

  ctx.log(`reading ${source}/mix.exs as Elixir ${assumptions.elixirVersion} on Erlang/OTP ${assumptions.otpRelease} would, with MIX_ENV=${assumptions.mixEnv}`);
  const report = await verifyRelease(tarball, { source, name: spec.name, version: release.version, env: ctx.env, assumptions });
  for (const note of report.prepared.assumptions) ctx.log(`  ${note}`);
  for (const { text } of report.prepared.mixOutput) ctx.out.info(text.replace(/\n$/, ''));

  const what = { name: spec.name, version: release.version, repository: repository.name, source };
  if (ctx.globals.json) ctx.out.json(asJson(what, report));
  else await render(ctx, what, report);
  if (!report.match) throw new ExitStatus(1);
}

interface Subject {
  name: string;
  version: string;
  repository: string;
  source: string;
}

function asJson(subject: Subject, report: VerifyReport) {
  return {
    ...subject,
    match: report.match,
    release_checksum: report.releaseChecksum,
    source_checksum: report.sourceChecksum,
    first_difference: report.firstDifference,
    files: report.files.map((f) => ({
      path: f.path,
      status: f.status,
      release_mode: f.releaseMode,
      source_mode: f.sourceMode,
      release_size: f.releaseSize,
      source_size: f.sourceSize,
      release_index: f.releaseIndex,
      source_index: f.sourceIndex,
      binary: f.binary,
      patch: f.status === 'content' && !f.binary ? renderChange(asChange(f), RELEASE, SOURCE).join('') : null,
    })),
    metadata: report.metadata,
  };
}

const RELEASE = { root: '', label: 'release' };
const SOURCE = { root: '', label: 'source' };

const asChange = (f: FileDifference): FileChange => ({ path: f.path, status: 'modified', oldMode: f.releaseMode, newMode: f.sourceMode, binary: f.binary, hunks: f.hunks });

async function render(ctx: Context, subject: Subject, report: VerifyReport): Promise<void> {
  const { out } = ctx;
  const { name, version, repository, source } = subject;
  const checksums = [`  release checksum: ${report.releaseChecksum}`, `  source checksum:  ${report.sourceChecksum}`];
  if (report.match) {
    out.print(out.style.green(`${name} ${version} (${repository}) matches its source in ${source}`));
    checksums.forEach((line) => out.print(line));
    return;
  }
  out.print(out.style.red(`${name} ${version} (${repository}) does not match its source in ${source}`));
  checksums.forEach((line) => out.print(line));
  out.print(`First difference: ${describeFirst(report.firstDifference!)}`);
  if (report.files.length > 0) {
    out.print();
    out.print(out.style.bold('Files:'));
    for (const f of report.files) out.print(`  ${fileLine(f)}`);
  }
  if (report.metadata.length > 0) {
    out.print();
    out.print(out.style.bold('Metadata:'));
    for (const m of report.metadata) {
      if (m.key === 'files') {
        out.print(`  files: the file list differs (see Files)`);
        continue;
      }
      out.print(`  ${m.key}:`);
      out.print(`    release: ${m.release ?? '(none)'}`);
      out.print(`    source:  ${m.source ?? '(none)'}`);
    }
  }
  const patches = report.files.filter((f) => f.status === 'content' && !f.binary);
  if (patches.length > 0) out.print();
  for (const f of patches) await out.verbatim(renderChange(asChange(f), RELEASE, SOURCE, out.style) as Text);
}

function describeFirst(first: FirstDifference): string {
  if (first.member === 'outer tar') return 'the outer tar\'s headers (every member is the same: the release was packed by another tarball writer)';
  if (first.member === 'metadata.config') {
    if (first.detail === 'printing') return 'metadata.config (the same terms, printed differently: another Erlang/OTP\'s printer?)';
    if (first.detail === 'order') return 'metadata.config (the same keys, in another order)';
    const how = first.detail === 'value' ? 'differs' : first.detail === 'only_in_release' ? 'is only in the release' : 'is only in the source';
    return `metadata.config, key ${first.key} ${how}`;
  }
  if (first.index === null) return 'contents.tar.gz (every file is the same: compressed differently, by another zlib?)';
  const at = `contents.tar.gz, entry ${first.index + 1}`;
  if (first.detail === 'path') return `${at}: the release has ${first.release ?? '(nothing)'}, the source ${first.source ?? '(nothing)'}`;
  return `${at}, ${first.release} (${first.detail === 'content' ? 'content' : first.detail} differs)`;
}

function fileLine(f: FileDifference): string {
  switch (f.status) {
    case 'only_in_release':
      return `only in release   ${f.path}`;
    case 'only_in_source':
      return `only in source    ${f.path}`;
    case 'content':
      return f.binary ? `content differs   ${f.path}: binary content differs (sizes ${f.releaseSize} → ${f.sourceSize})` : `content differs   ${f.path}`;
    case 'mode':
      return `mode differs      ${f.path}: ${f.releaseMode} → ${f.sourceMode}`;
    case 'type':
      return `type differs      ${f.path}: ${f.releaseMode} → ${f.sourceMode}`;
    case 'order':
      return `order differs     ${f.path}: entry ${f.releaseIndex! + 1} in the release, ${f.sourceIndex! + 1} in the source`;
  }
}
