// No option is ignored silently (issue 13). For every command of the commander tree and every
// option it takes (and the global --json), scenarios give the option on the command line against
// the local registry; each either succeeds having read every option it was given (the CLI reports
// the ones a command never read, through RunIO.onUnreadOptions) or is refused as a usage error
// (exit 2) naming the conflict. --yes and --no-* options only turn something off and are
// honoured where that something does not happen; the context reads --api-url, --verbose and
// --no-color. The first test fails when a command or an option has no scenario.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, test } from 'node:test';
import type { Command } from 'commander';
import { fixedAuthorization } from '../../src/api/client.js';
import { publish as publishDocs } from '../../src/api/docs.js';
import { buildProgram } from '../../src/cli.js';
import { resolveAssumptions } from '../../src/elixir/assumptions.js';
import { createDocsTarball } from '../../src/package/docs-tarball.js';
import { preparePackage } from '../../src/package/project.js';
import { createProjectTarball } from '../../src/package/tarball.js';
import { publicKeyFingerprint } from '../../src/repository/signing.js';
import { runCli, scratchHome, type RunOptions } from '../helpers/cli.js';
import { makeProject } from '../helpers/projects.js';
import { approvingAs, clientFor, cliEnv, signingInAs, testRegistry, type Registry } from '../helpers/registry.js';
import { makeTarball } from '../../registry/tarballs.js';

interface Scenario {
  argv: () => string[] | Promise<string[]>;
  /**
   * 0 (default): every option given was read; 1 too, for an outcome that exits 1 without being
   * an error (`package diff`: the releases differ). 2: refused, with `refusal` in the message.
   */
  exit?: 0 | 1 | 2;
  refusal?: RegExp;
  options?: () => RunOptions;
}

const PASSWORD = 'correct horse battery';
let registry: Registry;
let scratch: string;
let env: Record<string, string | undefined>;
let aliceKey: string;
let keyFile: string;
let counter = 0;
const unique = (prefix: string) => `${prefix}${++counter}`;

/** A fresh public (or the organization's) package of alice, at 1.0.0. */
async function published(organization?: string): Promise<string> {
  const name = unique(organization ? 'opt_priv_' : 'opt_pub_');
  await registry.publish(await makeTarball({ name, version: '1.0.0' }), { publisher: 'alice', repository: organization });
  return name;
}

/** A fresh package of alice at 1.0.0 and 1.1.0 (in the organization's repository with `organization`). */
async function twoReleases(organization?: string): Promise<string> {
  const name = await published(organization);
  await registry.publish(await makeTarball({ name, version: '1.1.0' }), { publisher: 'alice', repository: organization });
  return name;
}

/** A fresh package of alice at 1.0.0 with docs. */
async function withDocs(organization?: string): Promise<string> {
  const name = await published(organization);
  const docs = await createDocsTarball([{ path: 'index.html', contents: Buffer.from('<html></html>\n') }]);
  await publishDocs(clientFor(registry, { auth: fixedAuthorization(aliceKey, 'alice\'s key') }), name, '1.0.0', docs, { organization });
  return name;
}

/** A mix project in a directory of its own (doc/ too with `docs`); `cwd` of the next run. */
let cwd: string | undefined;
function project(app: string, docs = false): void {
  cwd = makeProject({ app, version: '1.0.0', docs }).dir;
}

/** A mix project locked at a fresh public package's 1.0.0, its newest: nothing outdated or retired. */
async function lockedProject(): Promise<string> {
  const name = await published();
  cwd = mkdtempSync(join(scratch, 'locked-'));
  writeFileSync(join(cwd, 'mix.exs'), `defmodule Locked.MixProject do\n  use Mix.Project\n  def project, do: [app: :locked, version: "0.1.0", deps: [{:${name}, "~> 1.0", only: :prod}]]\nend\n`);
  writeFileSync(join(cwd, 'mix.lock'), `%{\n  "${name}": {:hex, :${name}, "1.0.0", "aa", [:mix], [], "hexpm", "bb"},\n}\n`);
  return name;
}

/** A fresh mix project (the next run's cwd) and its release as `hexts build` writes it, published by alice: NAME@1.0.0. */
async function verifiable(organization?: string): Promise<string> {
  const name = unique('opt_verify_');
  project(name);
  const prepared = await preparePackage(cwd!, { env: {}, assumptions: resolveAssumptions({}, {}) });
  const built = await createProjectTarball(prepared, cwd!);
  await registry.publish(built.tarball!, { publisher: 'alice', repository: organization });
  return `${name}@1.0.0`;
}

function outDir(): string {
  return mkdtempSync(join(scratch, 'out-'));
}

/** Signs the static repositories of `registry build`, `publish --to-dir` and `retire --to-dir`. */
const REGISTRY_KEY = new URL('../fixtures/registry-build/keys/key.pem', import.meta.url).pathname;

/** A static repository (`hexts registry build`) holding NAME 1.0.0: its directory and NAME. */
async function staticRepository(): Promise<{ dir: string; name: string }> {
  const dir = mkdtempSync(join(scratch, 'static-'));
  const name = unique('opt_static_');
  mkdirSync(join(dir, 'tarballs'));
  writeFileSync(join(dir, 'tarballs', `${name}-1.0.0.tar`), await makeTarball({ name, version: '1.0.0' }));
  const built = await runCli(['registry', 'build', dir, '--name', 'acme', '--private-key', REGISTRY_KEY], { env });
  assert.equal(built.code, 0, built.stderr);
  return { dir, name };
}

/** A fresh project (the next run's cwd) built by `hexts build`: its tarball and the checksum it printed. */
async function builtTarball(app: string): Promise<{ file: string; checksum: string }> {
  project(app);
  const built = await runCli(['--json', 'build'], { env, cwd });
  assert.equal(built.code, 0, built.stderr);
  const { path, checksum } = JSON.parse(built.stdout);
  return { file: path, checksum };
}

/** A file with the local registry's public key, for --public-key. */
function repoKeyFile(): string {
  const path = join(scratch, 'repo-public.pem');
  writeFileSync(path, registry.repoPublicKeyPem);
  return path;
}

/** A repository added for the scenario to change or remove. */
async function addedRepo(): Promise<string> {
  const name = unique('added');
  const added = await runCli(['repo', 'add', name, 'https://repo.example.com', '--auth-key', 'opt-key'], { env });
  assert.equal(added.code, 0, added.stderr);
  return name;
}

const orgKey = (organization = 'acme') =>
  registry.createKey({ organization }, { name: unique('ok-'), permissions: [{ domain: 'api', resource: null }, { domain: 'repository', resource: organization }] });

async function storeOrganizationKey(): Promise<void> {
  const stored = await runCli(['organization', 'auth', 'acme', '--key', orgKey()], { env });
  assert.equal(stored.code, 0, stored.stderr);
}

const ok = (argv: () => string[] | Promise<string[]>, options?: () => RunOptions): Scenario => ({ argv, options });
const refused = (refusal: RegExp, argv: () => string[] | Promise<string[]>, options?: () => RunOptions): Scenario => ({ argv, exit: 2, refusal, options });
const noJson = (path: string) => new RegExp(`--json: \`hexts ${path}\` has no JSON output`);

const SCENARIOS: Record<string, Scenario[]> = {
  'user register': [
    ok(() => { const name = unique('reg'); return ['user', 'register', '--username', name, '--email', `${name}@example.com`, '--password-stdin']; }, () => ({ stdin: PASSWORD })),
    refused(noJson('user register'), () => ['--json', 'user', 'register', '--username', 'x', '--email', 'x@example.com', '--password-stdin']),
  ],
  'user auth': [
    ok(() => ['user', 'auth', '--key', aliceKey]),
    ok(() => ['user', 'auth', '--key-file', keyFile, '--insecure-storage']),
    ok(() => ['user', 'auth', '--password', '--username', 'alice', '--password-stdin'], () => ({ stdin: PASSWORD })),
    ok(() => ['user', 'auth', '--no-browser'], () => ({ onStderr: approvingAs(registry, 'alice') })),
    // With the OAuth login the scenario above stored; charlie requires single sign-on.
    ok(() => ['user', 'auth', '--sso', 'charlie', '--no-browser'], () => ({ onStderr: signingInAs(registry, 'alice') })),
    refused(/use either --key or --sso, not both/, () => ['user', 'auth', '--sso', 'charlie', '--key', aliceKey]),
    refused(/--username goes with --password/, () => ['user', 'auth', '--key', aliceKey, '--username', 'alice']),
    refused(/--password-stdin goes with --password/, () => ['user', 'auth', '--password-stdin']),
    refused(noJson('user auth'), () => ['--json', 'user', 'auth', '--key', aliceKey]),
  ],
  'user whoami': [
    ok(() => ['user', 'whoami', '--key', aliceKey]),
    ok(() => ['--json', 'user', 'whoami', '--key-file', keyFile]),
  ],
  'user deauth': [
    ok(() => ['user', 'deauth']),
    refused(noJson('user deauth'), () => ['--json', 'user', 'deauth']),
  ],
  'user key generate': [
    ok(() => ['user', 'key', 'generate', '--key-name', unique('gen-'), '--permission', 'api:read', '--expires', '30d', '--otp', '123456', '--key', aliceKey]),
    ok(() => ['user', 'key', 'generate', '--key-name', unique('gen-'), '--key-file', keyFile]),
    refused(noJson('user key generate'), () => ['--json', 'user', 'key', 'generate', '--key-name', unique('gen-')]),
  ],
  'user key list': [
    ok(() => ['user', 'key', 'list', '--key', aliceKey]),
    ok(() => ['--json', 'user', 'key', 'list', '--key-file', keyFile]),
  ],
  'user key revoke': [
    ok(() => { const name = unique('doomed-'); registry.createKey({ user: 'alice' }, { name }); return ['user', 'key', 'revoke', name, '--otp', '123456', '--key', aliceKey]; }),
    ok(() => { const name = unique('doomed-'); registry.createKey({ user: 'alice' }, { name }); return ['user', 'key', 'revoke', name, '--key-file', keyFile]; }),
    // bob's keys, so that alice's stay.
    ok(() => ['user', 'key', 'revoke', '--all', '--yes', '--key', registry.createKey({ user: 'bob' }, { name: unique('bob-') })]),
    refused(noJson('user key revoke'), () => ['--json', 'user', 'key', 'revoke', 'any']),
  ],
  'organization auth': [
    ok(() => ['organization', 'auth', 'acme', '--key', orgKey()]),
    ok(() => { const file = join(scratch, unique('org-key-')); writeFileSync(file, orgKey()); return ['organization', 'auth', 'acme', '--key-file', file, '--insecure-storage']; }),
    ok(() => {
      // --mix writes only where mix's hexpm repository is this registry.
      mkdirSync(join(scratch, 'hex'), { recursive: true });
      writeFileSync(join(scratch, 'hex', 'hex.config'), `{'$repos',#{<<"hexpm">> => #{url => <<"${registry.repoUrl}">>}}}.\n`);
      return ['organization', 'auth', 'acme', '--key', orgKey(), '--mix'];
    }),
    refused(noJson('organization auth'), () => ['--json', 'organization', 'auth', 'acme', '--key', orgKey()]),
  ],
  'organization deauth': [
    ok(async () => { await storeOrganizationKey(); return ['organization', 'deauth', 'acme', '--revoke', '--otp', '123456', '--key', aliceKey]; }),
    ok(async () => { await storeOrganizationKey(); return ['organization', 'deauth', 'acme', '--revoke', '--key-file', keyFile]; }),
    refused(/--otp goes with --revoke: without it nothing is sent to the registry/, () => ['organization', 'deauth', 'acme', '--otp', '123456']),
    refused(/--key goes with --revoke/, () => ['organization', 'deauth', 'acme', '--key', aliceKey]),
    refused(noJson('organization deauth'), () => ['--json', 'organization', 'deauth', 'acme']),
  ],
  'organization list': [
    ok(() => ['organization', 'list', '--key', aliceKey]),
    ok(() => ['--json', 'organization', 'list', '--key-file', keyFile]),
  ],
  'organization key': [
    ok(() => ['organization', 'key', 'acme', 'generate', '--key-name', unique('ci-'), '--permission', 'repository:acme', '--expires', '30d', '--otp', '123456', '--key', aliceKey]),
    ok(() => ['--json', 'organization', 'key', 'acme', 'list', '--key-file', keyFile]),
    ok(() => { const name = unique('old-'); registry.createKey({ organization: 'acme' }, { name }); return ['organization', 'key', 'acme', 'revoke', name, '--otp', '123456']; }),
    ok(() => ['organization', 'key', 'bravo', 'revoke', '--all', '--yes']),
    refused(/--key-name goes with generate, not with list/, () => ['organization', 'key', 'acme', 'list', '--key-name', 'x']),
    refused(/--permission goes with generate, not with revoke/, () => ['organization', 'key', 'acme', 'revoke', 'x', '--permission', 'api']),
    refused(/--expires goes with generate, not with list/, () => ['organization', 'key', 'acme', 'list', '--expires', '30d']),
    refused(/--all goes with revoke, not with generate/, () => ['organization', 'key', 'acme', 'generate', '--all']),
    refused(/--otp goes with generate and revoke, not with list/, () => ['organization', 'key', 'acme', 'list', '--otp', '123456']),
    refused(/list takes no key NAME/, () => ['organization', 'key', 'acme', 'list', 'stray']),
    refused(noJson('organization key acme generate'), () => ['--json', 'organization', 'key', 'acme', 'generate']),
  ],
  build: [
    ok(() => { project('opt_build'); return ['build', '-o', join(outDir(), 'p.tar')]; }),
    ok(() => { project('opt_build'); return ['build', '--unpack', '--output', join(outDir(), 'tree')]; }),
    ok(() => { project('opt_build'); return ['--json', 'build', '--organization', 'acme']; }),
    ok(() => { project('opt_build'); return ['build', '-o', join(outDir(), 'p.tar'), '--elixir-version', '1.14.0', '--otp-release', '25']; }),
    ok(() => { project('opt_build'); return ['--json', 'build', '--scan', '-o', join(outDir(), 'p.tar')]; }),
  ],
  publish: [
    ok(() => { project(unique('opt_pkg_')); return ['publish', 'package', '--yes', '--organization', 'acme', '--replace', '--no-progress']; }),
    ok(() => { project(unique('opt_all_'), true); return ['publish', '--yes', '--docs-dir', 'doc', '--key', aliceKey]; }),
    ok(async () => { project(await published(), true); return ['publish', 'docs', '--key-file', keyFile, '--otp', '123456']; }),
    ok(() => { project(unique('opt_dry_'), true); return ['publish', '--dry-run', '--replace', '--key', aliceKey, '--otp', '123456']; }),
    ok(() => { project(unique('opt_dry_')); return ['--json', 'publish', 'package', '--dry-run']; }),
    ok(() => { project(unique('opt_noscan_')); return ['publish', 'package', '--yes', '--no-scan']; }),
    ok(() => { project(unique('opt_repo_')); return ['publish', 'package', '--yes', '--repo', 'hexpm:acme']; }),
    ok(() => { project(unique('opt_dry_')); return ['publish', 'package', '--dry-run', '--elixir-version', '1.18.4', '--otp-release', '27']; }),
    ok(async () => { project(await published()); return ['publish', '--revert', '1.0.0', '--dry-run']; }),
    ok(async () => { project(await published()); return ['--json', 'publish', 'docs', '--revert', '1.0.0', '--dry-run']; }),
    ok(async () => { project(await published()); return ['--json', 'publish', '--revert', '1.0.0']; }),
    refused(/--replace cannot be used with --revert/, async () => { project(await published()); return ['publish', '--revert', '1.0.0', '--replace']; }),
    refused(/--docs-dir cannot be used with --revert/, async () => { project(await published()); return ['publish', '--revert', '1.0.0', '--docs-dir', 'doc']; }),
    refused(/--docs-dir cannot be used with `publish package`, which publishes no docs/, () => { project(unique('opt_pkg_'), true); return ['publish', 'package', '--yes', '--docs-dir', 'doc']; }),
    refused(/--replace cannot be used with `publish docs`/, async () => { project(await published(), true); return ['publish', 'docs', '--replace']; }),
    ok(async () => { project(unique('opt_dir_')); return ['--json', 'publish', 'package', '--to-dir', (await staticRepository()).dir, '--private-key', REGISTRY_KEY, '--replace', '--yes']; }),
    ok(async () => { project(unique('opt_dir_')); return ['publish', '--to-dir', (await staticRepository()).dir, '--private-key', REGISTRY_KEY, '--dry-run', '--elixir-version', '1.18.4']; }),
    refused(/--key cannot be used with --to-dir/, async () => { project(unique('opt_dir_')); return ['publish', '--to-dir', (await staticRepository()).dir, '--private-key', REGISTRY_KEY, '--key', aliceKey]; }),
    refused(/--private-key goes with --to-dir/, () => { project(unique('opt_dir_')); return ['publish', 'package', '--yes', '--private-key', REGISTRY_KEY]; }),
    ok(async () => { const { file, checksum } = await builtTarball(unique('opt_tar_')); return ['publish', '--tarball', file, '--expect-checksum', checksum, '--organization', 'acme', '--yes', '--no-progress']; }),
    ok(async () => { const { file } = await builtTarball(unique('opt_tar_')); return ['--json', 'publish', 'package', '--tarball', file, '--dry-run', '--replace']; }),
    ok(async () => { const { file } = await builtTarball(unique('opt_tar_')); return ['publish', 'package', '--tarball', file, '--yes', '--repo', 'hexpm:acme', '--key', aliceKey]; }),
    ok(async () => { const { file, checksum } = await builtTarball(unique('opt_tar_')); return ['--json', 'publish', '--tarball', file, '--expect-checksum', checksum, '--to-dir', (await staticRepository()).dir, '--private-key', REGISTRY_KEY]; }),
    refused(/`publish docs` cannot take --tarball/, async () => ['publish', 'docs', '--tarball', (await builtTarball(unique('opt_tar_'))).file]),
    refused(/--expect-checksum goes with --tarball/, () => { project(unique('opt_pkg_')); return ['publish', 'package', '--dry-run', '--expect-checksum', 'a'.repeat(64)]; }),
    refused(/--expect-checksum takes a SHA-256 checksum, 64 hexadecimal digits, not "1234"/, async () => ['publish', '--tarball', (await builtTarball(unique('opt_tar_'))).file, '--expect-checksum', '1234']),
    refused(/--revert cannot be used with --tarball/, async () => ['publish', '--tarball', (await builtTarball(unique('opt_tar_'))).file, '--revert', '1.0.0']),
    refused(/--docs-dir cannot be used with --tarball/, async () => ['publish', '--tarball', (await builtTarball(unique('opt_tar_'))).file, '--docs-dir', 'doc']),
    refused(/--otp-release cannot be used with --tarball/, async () => ['publish', '--tarball', (await builtTarball(unique('opt_tar_'))).file, '--otp-release', '27']),
  ],
  'repo add': [
    ok(() => ['repo', 'add', unique('r'), registry.repoUrl, '--fetch-public-key', publicKeyFingerprint(registry.repoPublicKeyPem), '--auth-key', 'opt-key', '--insecure-storage', '--no-oauth-exchange', '--oauth-exchange-url', `${registry.url}/api`]),
    ok(() => ['repo', 'add', unique('r'), 'https://repo.example.com', '--public-key', repoKeyFile(), '--oauth-exchange', '--api-url', 'https://repo.example.com/api', '--publish', 'legacy', '--mix']),
    refused(noJson('repo add'), () => ['--json', 'repo', 'add', unique('r'), 'https://repo.example.com']),
  ],
  'repo set': [
    ok(async () => ['repo', 'set', await addedRepo(), '--url', registry.repoUrl, '--fetch-public-key', publicKeyFingerprint(registry.repoPublicKeyPem), '--auth-key', 'opt-key', '--insecure-storage', '--oauth-exchange', '--oauth-exchange-url', `${registry.url}/api`]),
    ok(async () => ['repo', 'set', await addedRepo(), '--public-key', repoKeyFile(), '--no-oauth-exchange', '--api-url', 'https://repo.example.com/api', '--publish', 'releases', '--mix']),
    refused(noJson('repo set'), async () => ['--json', 'repo', 'set', await addedRepo(), '--publish', 'legacy']),
  ],
  'repo remove': [
    ok(async () => ['repo', 'remove', await addedRepo(), '--mix']),
    refused(noJson('repo remove'), async () => ['--json', 'repo', 'remove', await addedRepo()]),
  ],
  'repo list': [
    ok(() => ['repo', 'list']),
    ok(() => ['--json', 'repo', 'list']),
  ],
  'repo show': [
    ok(() => ['repo', 'show', 'hexpm', '--url']),
    ok(() => ['repo', 'show', 'hexpm', '--public-key']),
    ok(async () => ['repo', 'show', await addedRepo(), '--auth-key']),
    ok(() => ['repo', 'show', 'hexpm', '--oauth-exchange']),
    ok(() => ['repo', 'show', 'hexpm', '--oauth-exchange-url']),
    ok(() => ['--json', 'repo', 'show', 'hexpm']),
    refused(/give one of --url, --public-key/, () => ['repo', 'show', 'hexpm', '--url', '--public-key']),
  ],
  'repo doctor': [
    ok(() => ['repo', 'doctor', 'hexpm']),
    ok(() => ['--json', 'repo', 'doctor', 'hexpm']),
  ],
  'package fetch': [
    ok(async () => ['package', 'fetch', await published(), '--output', outDir(), '--no-progress']),
    ok(async () => ['package', 'fetch', await published('acme'), '--organization', 'acme', '--unpack', '-o', join(outDir(), 'tree'), '--key', aliceKey]),
    ok(async () => ['--json', 'package', 'fetch', await published('acme'), '--organization', 'acme', '--output', outDir(), '--key-file', keyFile]),
    ok(async () => ['package', 'fetch', await published('acme'), '--repo', 'hexpm:acme', '--output', outDir()]),
    refused(/give either --organization or --repo/, () => ['package', 'fetch', 'opt_any', '--repo', 'hexpm:acme', '--organization', 'acme']),
    refused(/--key goes with --organization: public packages are fetched without a key/, () => ['package', 'fetch', 'opt_any', '--key', aliceKey]),
    refused(/--key-file goes with --organization/, () => ['package', 'fetch', 'opt_any', '--key-file', keyFile]),
    refused(/--json cannot be used with --output -/, async () => ['--json', 'package', 'fetch', await published(), '--output', '-']),
  ],
  'package diff': [
    { argv: async () => ['package', 'diff', await twoReleases(), '1.0.0..1.1.0'], exit: 1 },
    { argv: async () => ['--json', 'package', 'diff', await twoReleases('acme'), '1.0.0', '1.1.0', '--organization', 'acme', '--key', aliceKey], exit: 1 },
    { argv: async () => ['package', 'diff', await twoReleases('acme'), '1.0.0..1.1.0', '--repo', 'hexpm:acme', '--key-file', keyFile], exit: 1 },
    refused(/give either --organization or --repo/, () => ['package', 'diff', 'opt_any', '1.0.0..1.1.0', '--repo', 'hexpm:acme', '--organization', 'acme']),
    refused(/--key goes with --organization: public packages are fetched without a key/, () => ['package', 'diff', 'opt_any', '1.0.0..1.1.0', '--key', aliceKey]),
    refused(/--json cannot be used with the diff command set in HEX_DIFF_COMMAND/, () => ['--json', 'package', 'diff', 'opt_any', '1.0.0..1.1.0'], () => ({ env: { ...env, HEX_DIFF_COMMAND: 'diff -ru __PATH1__ __PATH2__' } })),
  ],
  verify: [
    ok(async () => ['verify', await verifiable(), '--elixir-version', '1.14.0', '--otp-release', '25']),
    ok(async () => { const release = await verifiable('acme'); return ['--json', 'verify', release, '--organization', 'acme', '--source', cwd!, '--key', aliceKey]; }),
    ok(async () => ['verify', await verifiable('acme'), '--repo', 'hexpm:acme', '--key-file', keyFile]),
    refused(/give either --organization or --repo/, () => ['verify', 'opt_any@1.0.0', '--repo', 'hexpm:acme', '--organization', 'acme']),
    refused(/--key goes with --organization: public packages are fetched without a key/, () => ['verify', 'opt_any@1.0.0', '--key', aliceKey]),
    refused(/give the release as NAME@VERSION, an exact version/, () => ['verify', 'opt_any@~> 1.0']),
  ],
  'docs fetch': [
    ok(async () => ['docs', 'fetch', await withDocs()]),
    ok(async () => ['--json', 'docs', 'fetch', await withDocs('acme'), '1.0.0', '--organization', 'acme', '--key', aliceKey]),
    ok(async () => ['docs', 'fetch', await withDocs('acme'), '--repo', 'hexpm:acme', '--key-file', keyFile]),
    refused(/--key goes with --organization: public docs are fetched without a key/, () => ['docs', 'fetch', 'opt_any', '--key', aliceKey]),
  ],
  'docs open': [
    ok(async () => ['docs', 'open', await withDocs(), '1.0.0']),
    ok(async () => ['docs', 'open', await withDocs('acme'), '--organization', 'acme', '--key', aliceKey]),
    ok(async () => ['docs', 'open', await withDocs('acme'), '--repo', 'hexpm:acme', '--key-file', keyFile]),
    refused(noJson('docs open'), () => ['--json', 'docs', 'open', 'opt_any']),
  ],
  'package search': [
    ok(() => ['package', 'search', 'opt', '--key', aliceKey]),
    ok(() => ['--json', 'package', 'search', 'opt', '--organization', 'acme', '--key-file', keyFile]),
    ok(() => ['package', 'search', 'opt', '--repo', 'hexpm']),
  ],
  info: [
    ok(async () => ['info', await published(), '--key', aliceKey]),
    ok(async () => ['--json', 'info', await published('acme'), '--organization', 'acme', '--key-file', keyFile]),
    ok(async () => ['info', await published(), '--repo', 'hexpm']),
  ],
  outdated: [
    ok(async () => { await lockedProject(); return ['outdated', '--all', '--pre', '--sort', 'status', '--within-requirements', '--only', 'prod']; }),
    ok(async () => ['--json', 'outdated', await lockedProject(), '--no-fail']),
    refused(/--all goes with the table of every dependency, not with one APP/, async () => ['outdated', await lockedProject(), '--all']),
    refused(/--sort goes with the table of every dependency/, async () => ['outdated', await lockedProject(), '--sort', 'status']),
  ],
  audit: [
    ok(async () => { await lockedProject(); return ['audit', '--format', 'sarif', '--no-fail']; }),
    ok(async () => { await lockedProject(); return ['--json', 'audit']; }),
    refused(/--json cannot be used with --format sarif/, async () => { await lockedProject(); return ['--json', 'audit', '--format', 'sarif']; }),
  ],
  'owner add': [
    ok(async () => ['owner', 'add', await published(), 'bob', '--level', 'maintainer', '--otp', '123456', '--key', aliceKey]),
    ok(async () => ['owner', 'add', await published('acme'), 'bob', '--organization', 'acme', '--key-file', keyFile]),
    refused(noJson('owner add'), async () => ['--json', 'owner', 'add', await published(), 'bob']),
  ],
  'owner transfer': [
    ok(async () => ['owner', 'transfer', await published(), 'bob', '--yes', '--otp', '123456', '--key', aliceKey]),
    ok(async () => ['owner', 'transfer', await published('acme'), 'bob', '--organization', 'acme', '--yes', '--key-file', keyFile]),
    refused(noJson('owner transfer'), async () => ['--json', 'owner', 'transfer', await published(), 'bob', '--yes']),
  ],
  'owner remove': [
    ok(async () => { const name = await published(); await owned(name, 'bob'); return ['owner', 'remove', name, 'bob', '--yes', '--otp', '123456', '--key', aliceKey]; }),
    ok(async () => { const name = await published('acme'); await owned(name, 'bob', 'acme'); return ['owner', 'remove', name, 'bob', '--organization', 'acme', '--yes', '--key-file', keyFile]; }),
    refused(noJson('owner remove'), async () => ['--json', 'owner', 'remove', await published(), 'bob', '--yes']),
  ],
  'owner list': [
    ok(async () => ['owner', 'list', await published(), '--key', aliceKey]),
    ok(async () => ['--json', 'owner', 'list', await published('acme'), '--organization', 'acme', '--key-file', keyFile]),
  ],
  'owner packages': [
    ok(() => ['owner', 'packages', '--key', aliceKey]),
    ok(() => ['--json', 'owner', 'packages', '--key-file', keyFile]),
  ],
  retire: [
    ok(async () => ['retire', await published(), '1.0.0', 'other', '--message', 'gone for good', '--otp', '123456', '--key', aliceKey]),
    ok(async () => ['retire', await published(), '1.0.0', '--unretire', '--key-file', keyFile]),
    ok(async () => ['retire', await published('acme'), '1.0.0', 'invalid', '--message', 'does not compile', '--organization', 'acme']),
    refused(noJson('retire'), async () => ['--json', 'retire', await published(), '1.0.0', '--unretire']),
    ok(async () => { const { dir, name } = await staticRepository(); return ['retire', name, '1.0.0', 'security', '--message', 'CVE-2026-1', '--to-dir', dir, '--private-key', REGISTRY_KEY]; }),
    ok(async () => { const { dir, name } = await staticRepository(); return ['retire', name, '1.0.0', '--unretire', '--to-dir', dir, '--private-key', REGISTRY_KEY]; }),
    refused(/--organization cannot be used with --to-dir/, async () => { const { dir, name } = await staticRepository(); return ['retire', name, '1.0.0', '--unretire', '--to-dir', dir, '--private-key', REGISTRY_KEY, '--organization', 'acme']; }),
    refused(/--private-key goes with --to-dir/, async () => ['retire', await published(), '1.0.0', '--unretire', '--private-key', REGISTRY_KEY]),
    ok(async () => ['retire', await published('acme'), '1.0.0', '--unretire', '--repo', 'hexpm:acme']),
  ],
  'registry build': [
    ok(async () => ['registry', 'build', (await staticRepository()).dir, '--name', 'acme', '--private-key', REGISTRY_KEY]),
    ok(async () => ['--json', 'registry', 'build', (await staticRepository()).dir, '--name', 'acme', '--private-key', REGISTRY_KEY]),
    refused(/missing --name/, async () => ['registry', 'build', (await staticRepository()).dir, '--private-key', REGISTRY_KEY]),
  ],
  config: [
    ok(() => ['config', 'http_timeout', '30']),
    ok(() => ['config', 'http_timeout', '--delete']),
    ok(() => ['--json', 'config']),
    refused(/--json goes with listing or showing settings, not with changing them/, () => ['--json', 'config', 'http_timeout', '30']),
    refused(/--json goes with listing or showing settings/, () => ['--json', 'config', 'http_timeout', '--delete']),
  ],
  completion: [
    ok(() => ['completion', 'bash']),
    refused(noJson('completion'), () => ['--json', 'completion', 'bash']),
  ],
};

async function owned(name: string, user: string, organization?: string): Promise<void> {
  const args = ['owner', 'add', name, user, ...(organization ? ['--organization', organization] : [])];
  const added = await runCli(args, { env });
  assert.equal(added.code, 0, added.stderr);
}

/** Every command a user can run, by its path in the tree. */
function leaves(command: Command, path: string[] = []): Array<[string, Command]> {
  const subcommands = command.commands.filter((c) => c.name() !== 'help');
  if (subcommands.length === 0) return [[path.join(' '), command]];
  return subcommands.flatMap((c) => leaves(c, [...path, c.name()]));
}

let tree: Map<string, Command>;
/** `PATH FLAG` for every flag a scenario gave. */
const given = new Set<string>();
before(async () => {
  const quiet = { stdin: new PassThrough(), stdout: new PassThrough(), stderr: new PassThrough() };
  tree = new Map(leaves(await buildProgram({ streams: quiet, env: {}, cwd: process.cwd() })));

  registry = await testRegistry();
  registry.configure({ basicAuth: true });
  registry.createUser({ username: 'alice', password: PASSWORD });
  registry.createUser({ username: 'bob', password: PASSWORD });
  registry.createOrganization({ name: 'acme', admin: 'alice' });
  registry.createOrganization({ name: 'bravo', admin: 'alice' });
  registry.createOrganization({ name: 'charlie', admin: 'alice' });
  registry.setSso('charlie', { personalKeys: 'allow' });
  registry.addMember('acme', 'bob', 'write');
  aliceKey = registry.createKey({ user: 'alice' }, { name: 'alice-all', permissions: [{ domain: 'api', resource: null }, { domain: 'repositories', resource: null }] });
  const home = scratchHome();
  scratch = home.home;
  mkdirSync(join(scratch, 'hex'));
  keyFile = join(scratch, 'alice.key');
  writeFileSync(keyFile, `${aliceKey}\n`);
  env = cliEnv(registry, home.home, { HEX_API_KEY: aliceKey, HEX_HOME: join(scratch, 'hex') });
});
after(async () => {
  await registry?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

for (const [path, scenarios] of Object.entries(SCENARIOS)) {
  test(`${path}: every option given takes effect, or is refused as a usage error`, async (t) => {
    assert.ok(tree.has(path), `${path} is not a command`);
    for (const scenario of scenarios) {
      cwd = undefined;
      const argv = await scenario.argv();
      for (const flag of argv.filter((a) => a.startsWith('-'))) given.add(`${path} ${flag}`);
      const shown = `hexts ${argv.join(' ')}`.replaceAll(aliceKey, 'KEY');
      await t.test(shown, async () => {
        const result = await runCli(argv, { env, cwd: cwd ?? scratch, ...scenario.options?.() });
        if (scenario.exit === 2) {
          assert.equal(result.code, 2, `exit ${result.code}, expected a usage error\n${result.stderr}`);
          assert.match(result.stderr, scenario.refusal!);
        } else {
          assert.equal(result.code, scenario.exit ?? 0, result.stderr);
          assert.deepEqual(result.unreadOptions, [], 'options given but never read');
        }
      });
    }
  });
}

// Last, once every scenario has run: the flags they gave cover the tree.
test('every command and each of its options (and --json) had a scenario', () => {
  assert.deepEqual([...tree.keys()].filter((path) => !(path in SCENARIOS)), [], 'commands without scenarios');
  const missing: string[] = [];
  for (const [path, command] of tree) {
    for (const option of command.options) {
      if (![option.long, option.short].some((flag) => flag && given.has(`${path} ${flag}`))) missing.push(`${path} ${option.long}`);
    }
    if (!given.has(`${path} --json`)) missing.push(`${path} --json`);
  }
  assert.deepEqual(missing, []);
});
