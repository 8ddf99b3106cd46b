// Leak suite (issue 9): every command, given real credentials every way hexts takes them — the
// --key flag, stdin (--key -), --key-file, the environment (HEX_API_KEY, HEX_OTP), keys stored by
// an earlier `user auth --key` / `organization auth --key`, and OAuth tokens stored by a
// device-flow login — with and without --verbose, and with a proxy password in https_proxy.
// After each run no secret known so far (as is, sha256 hex, base64, its first or last 20
// characters; Basic auth's base64 of user:password) is in stdout, stderr or any file under HOME
// or HEXTS_HOME, except where it is stored by design: the 0600 plain-text file (no keychain, or
// --insecure-storage), mix's hex.config (--mix), and the one line of stdout where `key generate`
// prints the key it made.
//
// A proxy URL is also given in every form a user may write it (PROXY_FORMS: without a scheme, a
// `/`, `#`, `?` or `@` in the password, percent-encoded), each password a sentinel. And some
// requests that carry a credential (the key in Authorization, the organization key as the
// exchange's client_secret, the password of `user register` or of Basic auth, a tarball) are
// answered with a 302/307/308 to another origin by a hostile front (hostile-front.ts): the
// command must stop there, and nothing may reach the listener on the other origin.
//
// The passes run again with the registry issuing keys in hex.pm's `hex_` format (hexpm PR
// #1536), with rows of their own for a mistyped `hex_` key; and a row has the registry quote the
// key back in its error, which must not show either.
//
// Rows whose verdict depends on what earlier rows published (outdated, audit) only report (--no-fail).
// One row per command and variant: adding a command is adding a line to ROWS. The first test
// fails when a command of the commander tree has no row.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import type { Command } from 'commander';
import { buildProgram } from '../../src/cli.js';
import { keychain } from '../../src/credentials/keychain.js';
import { runCli, type CliResult } from '../helpers/cli.js';
import { ORG, OTHER_USER, PASSWORD, PRIVATE_PACKAGE, PROXY_FORMS, PUBLIC_PACKAGE, Pass, SOURCES, SSO_ORG, USER, World, type Source } from './leak-world.js';

/** What a row's functions may use: the world, the pass, and the run's working directory. */
interface RowContext {
  world: World;
  pass: Pass;
  /** Set by a row whose command reads a mix project. */
  cwd?: string;
  /** A fresh public package of the user (name), for commands that change one. */
  fixture(): Promise<string>;
  project(spec?: Parameters<Pass['project']>[0]): string;
  /** A project with a secret in a package file (the secret scan's rows). */
  leakyProject(): string;
}

interface Row {
  /** The command path in the commander tree (with the ACTION for `organization key ORG ACTION`). */
  command: string;
  argv: (t: RowContext) => string[] | Promise<string[]>;
  /** Default: every source the command takes (flag, stdin and key-file only where it has --key). */
  sources?: Source[];
  /** Expected exit code; default 0. */
  exit?: number;
  /** The key given by flag, stdin, key file or HEX_API_KEY; default the user's. */
  key?: 'org' | 'revoked user' | 'revoked org' | 'malformed' | 'mistyped';
  /** Only in the passes whose keys are `hex_` keys. */
  hexKeys?: boolean;
  /** Text the command itself reads from stdin (then no --key -). */
  stdin?: (t: RowContext) => string;
  env?: Record<string, string>;
  /** `key generate`: the new key is printed once on stdout, and nowhere else. */
  generates?: boolean;
  /** Give a wrong two-factor code. */
  wrongOtp?: boolean;
  /** --mix: the given key may be written into mix's hex.config. */
  mix?: boolean;
  before?: (t: RowContext) => Promise<void> | void;
  /** Revokes or removes the pass's own credentials: runs after every other row, in table order. */
  last?: boolean;
  /**
   * Run through the hostile front, which answers this request (method, path prefix) with a
   * redirect to another origin: the command is refused there, and nothing reaches that origin.
   */
  redirect?: { method: string; path: string; status: 302 | 307 | 308 };
}

/** `key` with one character in the middle changed: its first and last 20 characters stay, so the book knows it. */
const mistyped = (key: string) => `${key.slice(0, 22)}${key[22] === '0' ? '1' : '0'}${key.slice(23)}`;

const project = (spec?: Parameters<Pass['project']>[0]) => (t: RowContext) => {
  t.cwd = t.project(spec);
};

const leaky = (t: RowContext) => {
  t.cwd = t.leakyProject();
};

const registerArgv = (t: RowContext) => {
  const name = t.world.unique('leakreg');
  return ['user', 'register', '--username', name, '--email', `${name}@example.com`, '--password-stdin'];
};

/** mix's hex.config with its hexpm repository at `url`: --mix writes the key only where that is the registry's own. */
const mixHexpmAt = (url: (t: RowContext) => string) => (t: RowContext) => {
  mkdirSync(dirname(t.pass.mixConfig), { recursive: true });
  writeFileSync(t.pass.mixConfig, `{'$repos',#{<<"hexpm">> => #{url => <<"${url(t)}">>}}}.\n`, { mode: 0o600 });
};

/** Signs the static repositories of the rows below; kept outside HOME, as a user keeps it. */
const REGISTRY_KEY = new URL('../fixtures/registry-build/keys/key.pem', import.meta.url).pathname;

/**
 * A static repository under HOME (where every file is searched for secrets) holding foo 1.0.0,
 * built by `hexts registry build`. The signing key is a secret: a line of its PEM goes in the book.
 */
async function staticRepository(t: RowContext): Promise<string> {
  t.world.secrets.add(readFileSync(REGISTRY_KEY, 'utf8').split('\n')[2]!, 'the registry private key');
  const dir = join(t.pass.home, t.world.unique('static-'));
  mkdirSync(join(dir, 'tarballs'), { recursive: true });
  copyFileSync(new URL('../fixtures/registry-build/tarballs/foo-1.0.0.tar', import.meta.url), join(dir, 'tarballs', 'foo-1.0.0.tar'));
  const built = await runCli(['registry', 'build', dir, '--name', 'acme', '--private-key', REGISTRY_KEY], { env: { PATH: process.env.PATH } });
  assert.equal(built.code, 0, built.stderr);
  return dir;
}

/** A fresh project built by `hexts build` (the run's cwd): its tarball and the checksum printed. */
async function ciTarball(t: RowContext): Promise<{ file: string; checksum: string }> {
  t.cwd = t.project();
  const built = await runCli(['--json', 'build'], { cwd: t.cwd, env: { PATH: process.env.PATH } });
  assert.equal(built.code, 0, built.stderr);
  const { path: file, checksum } = JSON.parse(built.stdout);
  return { file, checksum };
}

/** A project locked at the public and the organization's package (1.0.0, their newest), for outdated and audit. */
const lockedProject = (t: RowContext) => {
  t.cwd = t.project();
  writeFileSync(join(t.cwd, 'mix.exs'), `defmodule Locked.MixProject do\n  use Mix.Project\n  def project, do: [app: :locked, version: "0.1.0", deps: [{:${PUBLIC_PACKAGE}, "~> 1.0"}, {:${PRIVATE_PACKAGE}, "~> 1.0", organization: "${ORG}"}]]\nend\n`);
  writeFileSync(join(t.cwd, 'mix.lock'), `%{\n  "${PRIVATE_PACKAGE}": {:hex, :${PRIVATE_PACKAGE}, "1.0.0", "aa", [:mix], [], "hexpm:${ORG}", "bb"},\n  "${PUBLIC_PACKAGE}": {:hex, :${PUBLIC_PACKAGE}, "1.0.0", "aa", [:mix], [], "hexpm", "bb"},\n}\n`);
};

const ROWS: Row[] = [
  // user
  { command: 'user register', argv: registerArgv, stdin: (t) => registerPassword(t) },
  { command: 'user auth', argv: () => ['user', 'auth'], sources: ['flag', 'stdin', 'key-file'] },
  { command: 'user auth', argv: () => ['user', 'auth', '--insecure-storage'], sources: ['flag', 'stdin', 'key-file'] },
  { command: 'user auth', argv: () => ['user', 'auth'], sources: ['flag', 'stdin', 'key-file'], key: 'revoked user', exit: 1 },
  { command: 'user auth', argv: () => ['user', 'auth', '--no-browser'], sources: ['env', 'keychain', 'oauth'] },
  { command: 'user auth', argv: () => ['user', 'auth', '--password', '--username', USER, '--password-stdin'], stdin: () => PASSWORD, sources: ['env', 'keychain', 'oauth'] },
  // Single sign-on takes the OAuth login through the organization's identity provider (refreshing it until it reaches the organization).
  { command: 'user auth', argv: () => ['user', 'auth', '--sso', SSO_ORG, '--no-browser'], sources: ['oauth'] },
  { command: 'user auth', argv: () => ['user', 'auth', '--sso', SSO_ORG], sources: ['keychain'], exit: 1 },
  { command: 'user whoami', argv: () => ['user', 'whoami'] },
  { command: 'user whoami', argv: () => ['--json', 'user', 'whoami'] },
  { command: 'user whoami', argv: () => ['user', 'whoami'], sources: ['oauth'], before: (t) => t.world.registry.advanceClock(3600) },
  { command: 'user whoami', argv: () => ['user', 'whoami'], sources: ['flag', 'stdin', 'key-file', 'env'], key: 'malformed', exit: 2 },
  { command: 'user whoami', argv: () => ['user', 'whoami'], sources: ['flag', 'stdin', 'key-file', 'env'], key: 'mistyped', hexKeys: true, exit: 2 },
  // The registry quotes the key it refused in its message.
  { command: 'user whoami', argv: () => ['user', 'whoami'], sources: ['flag', 'stdin', 'key-file', 'env'], exit: 1, before: (t) => t.world.registry.addFault({ type: 'status', method: 'GET', path: '/api/users/me', status: 401, message: `invalid API key ${t.pass.userKey}` }) },
  { command: 'user key generate', argv: (t) => ['user', 'key', 'generate', '--key-name', t.world.unique('gen-')], generates: true },
  { command: 'user key generate', argv: (t) => ['user', 'key', 'generate', '--key-name', t.world.unique('gen-'), '--otp', t.world.otp()], sources: ['oauth'], generates: true },
  { command: 'user key generate', argv: (t) => ['user', 'key', 'generate', '--key-name', t.world.unique('gen-')], sources: ['oauth'], wrongOtp: true, exit: 1 },
  { command: 'user key list', argv: () => ['user', 'key', 'list'] },
  { command: 'user key list', argv: () => ['--json', 'user', 'key', 'list'] },
  { command: 'user key revoke', argv: (t) => { const name = t.world.unique('doomed-'); t.world.userKey(name); return ['user', 'key', 'revoke', name]; } },
  // organization
  { command: 'organization auth', argv: () => ['organization', 'auth', ORG], sources: ['flag', 'stdin', 'key-file'], key: 'org' },
  { command: 'organization auth', argv: () => ['organization', 'auth', ORG, '--insecure-storage'], sources: ['flag', 'stdin', 'key-file'], key: 'org' },
  { command: 'organization auth', argv: () => ['organization', 'auth', ORG, '--mix'], sources: ['flag', 'stdin', 'key-file'], key: 'org', exit: 1, before: mixHexpmAt(() => 'https://repo.hex.pm') },
  { command: 'organization auth', argv: () => ['organization', 'auth', ORG, '--mix'], sources: ['flag', 'stdin', 'key-file'], key: 'org', mix: true, before: mixHexpmAt((t) => t.world.registry.repoUrl) },
  { command: 'organization auth', argv: () => ['organization', 'auth', ORG], sources: ['flag', 'stdin', 'key-file'], key: 'revoked org', exit: 1 },
  { command: 'organization auth', argv: () => ['organization', 'auth', ORG], sources: ['flag', 'stdin', 'key-file'], key: 'mistyped', hexKeys: true, exit: 2 },
  { command: 'organization auth', argv: () => ['organization', 'auth', ORG], sources: ['env', 'keychain', 'oauth'] },
  // Without --revoke nothing is sent: a key given for the run is refused (exit 2).
  { command: 'organization deauth', argv: () => ['organization', 'deauth', ORG], sources: ['env', 'keychain', 'oauth'], before: (t) => t.pass.storeOrganizationKey() },
  { command: 'organization deauth', argv: () => ['organization', 'deauth', ORG], sources: ['flag', 'stdin', 'key-file'], exit: 2 },
  { command: 'organization deauth', argv: () => ['organization', 'deauth', ORG, '--revoke'], before: (t) => t.pass.storeOrganizationKey() },
  { command: 'organization list', argv: () => ['organization', 'list'] },
  { command: 'organization list', argv: () => ['--json', 'organization', 'list'] },
  { command: 'organization key generate', argv: (t) => ['organization', 'key', ORG, 'generate', '--key-name', t.world.unique('gen-')], generates: true },
  { command: 'organization key list', argv: () => ['organization', 'key', ORG, 'list'] },
  { command: 'organization key list', argv: () => ['--json', 'organization', 'key', ORG, 'list'] },
  { command: 'organization key list', argv: () => ['organization', 'key', 'nosuchorg', 'list'], exit: 1 },
  { command: 'organization key revoke', argv: (t) => { const name = t.world.unique('doomed-'); t.world.orgKey(name); return ['organization', 'key', ORG, 'revoke', name]; } },
  // build and publish
  { command: 'build', argv: () => ['build'], before: project() },
  { command: 'build', argv: () => ['--json', 'build'], before: project() },
  { command: 'build', argv: () => ['build', '--unpack', '--output', 'unpacked'], before: project() },
  { command: 'publish', argv: () => ['publish', 'package', '--yes'], before: project() },
  { command: 'publish', argv: () => ['publish', '--yes'], before: project({ docs: true }) },
  { command: 'publish', argv: () => ['publish', 'package', '--yes', '--organization', ORG], before: project() },
  { command: 'publish', argv: async (t) => { t.cwd = t.project({ app: await t.fixture(), docs: true }); return ['publish', 'docs', '--yes']; } },
  { command: 'publish', argv: async (t) => { t.cwd = t.project({ app: await t.fixture() }); return ['publish', '--revert', '1.0.0']; } },
  { command: 'publish', argv: () => ['publish', 'package', '--dry-run'], before: project() },
  // A secret in a package file: the scan names it (4 characters and a mask) and stops the run.
  { command: 'build', argv: () => ['build', '--scan'], before: leaky, exit: 1 },
  { command: 'build', argv: () => ['--json', 'build', '--scan'], before: leaky, exit: 1 },
  { command: 'publish', argv: () => ['publish', '--yes'], before: leaky, exit: 1 },
  { command: 'publish', argv: () => ['--json', 'publish', 'package', '--dry-run'], before: leaky, exit: 1 },
  { command: 'publish', argv: () => ['--json', 'publish', 'package', '--dry-run'], before: project() },
  // A tarball built by `hexts build` (as in CI), published as reviewed.
  { command: 'publish', argv: async (t) => { const { file, checksum } = await ciTarball(t); return ['publish', '--tarball', file, '--expect-checksum', checksum, '--yes']; } },
  // Into a static repository: no credential is used (one given for the run is refused, exit 2).
  { command: 'publish', argv: async (t) => ['publish', 'package', '--to-dir', await staticRepository(t), '--private-key', REGISTRY_KEY], before: project(), sources: ['env', 'keychain', 'oauth'] },
  { command: 'registry build', argv: async (t) => ['registry', 'build', await staticRepository(t), '--name', 'acme', '--private-key', REGISTRY_KEY] },
  { command: 'registry build', argv: async (t) => ['--json', 'registry', 'build', await staticRepository(t), '--name', 'acme', '--private-key', REGISTRY_KEY] },
  // package, info
  // Public packages are fetched anonymously: a key given for the run is refused (exit 2).
  { command: 'package fetch', argv: () => ['package', 'fetch', PUBLIC_PACKAGE], sources: ['env', 'keychain', 'oauth'] },
  { command: 'package fetch', argv: () => ['package', 'fetch', PUBLIC_PACKAGE], sources: ['flag', 'stdin', 'key-file'], exit: 2 },
  { command: 'package fetch', argv: (t) => ['package', 'fetch', PRIVATE_PACKAGE, '--organization', ORG, '--unpack', '--output', t.world.unique('unpacked-')] },
  { command: 'package fetch', argv: () => ['--json', 'package', 'fetch', PRIVATE_PACKAGE, '--organization', ORG], env: { HEXTS_REPO_OAUTH_EXCHANGE: 'true' } },
  // Two releases differ: exit 1. A diff_command sees no key or code of the run in its environment.
  { command: 'package diff', argv: () => ['package', 'diff', PUBLIC_PACKAGE, '1.0.0..1.1.0'], sources: ['env', 'keychain', 'oauth'], exit: 1 },
  { command: 'package diff', argv: () => ['package', 'diff', PUBLIC_PACKAGE, '1.0.0..1.1.0'], sources: ['flag', 'stdin', 'key-file'], exit: 2 },
  { command: 'package diff', argv: () => ['package', 'diff', PRIVATE_PACKAGE, '1.0.0', '1.1.0', '--organization', ORG], exit: 1 },
  { command: 'package diff', argv: () => ['--json', 'package', 'diff', PRIVATE_PACKAGE, '1.0.0..1.1.0', '--organization', ORG], env: { HEXTS_REPO_OAUTH_EXCHANGE: 'true' }, exit: 1 },
  { command: 'package diff', argv: () => ['package', 'diff', PRIVATE_PACKAGE, '1.0.0..1.1.0', '--organization', ORG], env: { HEX_DIFF_COMMAND: "sh -c 'env | grep HEX; ls -R' __PATH1__ __PATH2__" } },
  // verify: the release against a project of its name and version whose files differ (exit 1, the report and its diffs on stdout).
  { command: 'verify', argv: () => ['verify', `${PUBLIC_PACKAGE}@1.0.0`], sources: ['env', 'keychain', 'oauth'], exit: 1, before: project({ app: PUBLIC_PACKAGE }) },
  { command: 'verify', argv: () => ['verify', `${PUBLIC_PACKAGE}@1.0.0`], sources: ['flag', 'stdin', 'key-file'], exit: 2, before: project({ app: PUBLIC_PACKAGE }) },
  { command: 'verify', argv: () => ['verify', `${PRIVATE_PACKAGE}@1.0.0`, '--organization', ORG], exit: 1, before: project({ app: PRIVATE_PACKAGE }) },
  { command: 'verify', argv: () => ['--json', 'verify', `${PRIVATE_PACKAGE}@1.0.0`, '--organization', ORG], env: { HEXTS_REPO_OAUTH_EXCHANGE: 'true' }, exit: 1, before: project({ app: PRIVATE_PACKAGE }) },
  { command: 'docs fetch', argv: () => ['docs', 'fetch', PUBLIC_PACKAGE], sources: ['env', 'keychain', 'oauth'] },
  { command: 'docs fetch', argv: () => ['docs', 'fetch', PUBLIC_PACKAGE], sources: ['flag', 'stdin', 'key-file'], exit: 2 },
  { command: 'docs fetch', argv: () => ['--json', 'docs', 'fetch', PRIVATE_PACKAGE, '1.1.0', '--organization', ORG] },
  { command: 'docs open', argv: () => ['docs', 'open', PRIVATE_PACKAGE, '--organization', ORG], env: { HEXTS_REPO_OAUTH_EXCHANGE: 'true' } },
  { command: 'docs open', argv: () => ['docs', 'open', PUBLIC_PACKAGE, '1.1.0'], sources: ['env', 'keychain', 'oauth'] },
  { command: 'package search', argv: () => ['package', 'search', 'leak'] },
  { command: 'package search', argv: () => ['--json', 'package', 'search', 'leak', '--organization', ORG] },
  { command: 'info', argv: () => ['info', PUBLIC_PACKAGE] },
  { command: 'info', argv: () => ['info', PRIVATE_PACKAGE, '--organization', ORG] },
  { command: 'info', argv: () => ['--json', 'info', PUBLIC_PACKAGE, '1.0.0'] },
  { command: 'info', argv: () => ['info', 'no_such_package'], exit: 1 },
  // Without a package, info shows the proxy settings, which carry the proxy password here.
  { command: 'info', argv: () => ['info'] },
  { command: 'info', argv: () => ['--json', 'info'] },
  // outdated, audit: the organization's package is read with this machine's credentials
  { command: 'outdated', argv: () => ['outdated', '--all', '--no-fail'], before: lockedProject },
  { command: 'outdated', argv: () => ['--json', 'outdated', PRIVATE_PACKAGE, '--no-fail'], before: lockedProject },
  { command: 'audit', argv: () => ['audit', '--format', 'sarif', '--no-fail'], before: lockedProject },
  { command: 'audit', argv: () => ['--json', 'audit', '--no-fail'], before: lockedProject, env: { HEXTS_REPO_OAUTH_EXCHANGE: 'true' } },
  // owner, retire
  { command: 'owner add', argv: async (t) => ['owner', 'add', await t.fixture(), OTHER_USER, '--level', 'maintainer'] },
  { command: 'owner transfer', argv: async (t) => ['owner', 'transfer', await t.fixture(), OTHER_USER, '--yes'] },
  { command: 'owner remove', argv: async (t) => { const name = await t.fixture(); await t.world.addOwner(name); return ['owner', 'remove', name, OTHER_USER, '--yes']; } },
  { command: 'owner list', argv: () => ['owner', 'list', PUBLIC_PACKAGE] },
  { command: 'owner list', argv: () => ['--json', 'owner', 'list', PRIVATE_PACKAGE, '--organization', ORG] },
  { command: 'owner list', argv: () => ['owner', 'list', 'no_such_package'], exit: 1 },
  { command: 'owner packages', argv: () => ['owner', 'packages'] },
  { command: 'owner packages', argv: () => ['--json', 'owner', 'packages'] },
  { command: 'retire', argv: async (t) => ['retire', await t.fixture(), '1.0.0', 'security', '--message', 'retired by the leak suite'] },
  { command: 'retire', argv: async (t) => { const name = await t.fixture(); await t.world.retire(name); return ['retire', name, '1.0.0', '--unretire']; } },
  { command: 'retire', argv: async (t) => ['retire', 'foo', '1.0.0', 'security', '--message', 'retired by the leak suite', '--to-dir', await staticRepository(t), '--private-key', REGISTRY_KEY], sources: ['env', 'keychain', 'oauth'] },
  // config, completion
  // repositories added with `repo add`: a password in the URL and an auth key, each a sentinel
  { command: 'repo add', argv: (t) => ['repo', 'add', 'leakbasic', `https://leakuser:${repoSecret(t, 'a repository URL password')}@127.0.0.1:9/hex`], sources: ['env'] },
  { command: 'repo add', argv: () => ['repo', 'add', 'leakkey', 'https://127.0.0.1:9/hex', '--auth-key', '-'], stdin: (t) => repoSecret(t, 'a repository auth key'), sources: ['env'] },
  { command: 'repo add', argv: () => ['repo', 'add', 'leakhex', 'https://127.0.0.1:9/hex', '--auth-key', '-'], stdin: (t) => mistyped(t.pass.orgKey), sources: ['env'], hexKeys: true, exit: 2 },
  { command: 'repo set', argv: () => ['repo', 'set', 'leakkey', '--auth-key', '-', '--api-url', 'https://127.0.0.1:9/api'], stdin: (t) => repoSecret(t, 'a repository auth key'), sources: ['env'] },
  { command: 'repo set', argv: (t) => ['repo', 'set', 'leakbasic', '--url', `https://leakuser:${repoSecret(t, 'a repository URL password')}@127.0.0.1:9/hex2`], sources: ['env'] },
  { command: 'repo list', argv: () => ['repo', 'list'], sources: ['env'] },
  { command: 'repo list', argv: () => ['--json', 'repo', 'list'], sources: ['env'] },
  { command: 'repo show', argv: () => ['repo', 'show', 'leakbasic'], sources: ['env'] },
  { command: 'repo show', argv: () => ['repo', 'show', 'leakkey', '--auth-key'], sources: ['env'] },
  { command: 'repo show', argv: () => ['--json', 'repo', 'show', 'leakbasic'], sources: ['env'] },
  { command: 'repo doctor', argv: () => ['repo', 'doctor', 'leakkey'], sources: ['env'], exit: 1 },
  { command: 'repo doctor', argv: () => ['repo', 'doctor', 'leakbasic'], sources: ['env'], exit: 1 },
  { command: 'repo remove', argv: () => ['repo', 'remove', 'leakbasic'], sources: ['env'] },
  { command: 'repo remove', argv: () => ['repo', 'remove', 'leakkey'], sources: ['env'] },
  { command: 'config', argv: () => ['config'] },
  { command: 'config', argv: () => ['--json', 'config'] },
  { command: 'config', argv: () => ['config', 'api_url'] },
  { command: 'config', argv: () => ['config', 'http_timeout', '30'] },
  { command: 'config', argv: () => ['config', 'http_timeout', '--delete'] },
  { command: 'completion bash', argv: () => ['completion', 'bash'] },
  { command: 'completion zsh', argv: () => ['completion', 'zsh'] },
  { command: 'completion fish', argv: () => ['completion', 'fish'] },
  // a proxy password in every form of the URL: shown as ***, or the URL refused without it
  ...PROXY_FORMS.flatMap(({ url, valid }): Row[] => {
    const env = { https_proxy: url, http_proxy: url };
    const exit = valid ? 0 : 1;
    return [
      { command: 'config', argv: () => ['config'], sources: ['env'], env, exit },
      { command: 'config', argv: () => ['--json', 'config'], sources: ['env'], env, exit },
      { command: 'config', argv: () => ['config', 'https_proxy'], sources: ['env'], env, exit },
      { command: 'info', argv: () => ['info'], sources: ['env'], env, exit },
      { command: 'info', argv: () => ['--json', 'info'], sources: ['env'], env, exit },
      { command: 'user whoami', argv: () => ['user', 'whoami'], sources: ['env'], env, exit },
      // Set in the config file (where the user chose to keep it), then listed from there.
      { command: 'config', argv: () => ['config', 'https_proxy', url], sources: ['env'], exit: valid ? 0 : 2 },
      { command: 'config', argv: () => ['config'], sources: ['env'], env: { https_proxy: '' } },
      { command: 'config', argv: () => ['config', 'https_proxy', '--delete'], sources: ['env'] },
    ];
  }),
  // a request that carries a credential, redirected to another origin
  { command: 'user register', argv: registerArgv, stdin: (t) => registerPassword(t), sources: ['env'], redirect: { method: 'POST', path: '/api/users', status: 307 }, exit: 1 },
  { command: 'user register', argv: registerArgv, stdin: (t) => registerPassword(t), sources: ['env'], redirect: { method: 'POST', path: '/api/users', status: 308 }, exit: 1 },
  { command: 'user auth', argv: () => ['user', 'auth', '--password', '--username', USER, '--password-stdin'], stdin: () => PASSWORD, sources: ['env'], redirect: { method: 'POST', path: '/api/keys', status: 307 }, exit: 1 },
  { command: 'user auth', argv: () => ['user', 'auth', '--no-browser'], sources: ['env'], redirect: { method: 'POST', path: '/api/oauth/device_authorization', status: 308 }, exit: 1 },
  { command: 'user whoami', argv: () => ['user', 'whoami'], sources: ['flag', 'stdin', 'key-file', 'env'], redirect: { method: 'GET', path: '/api/users/me', status: 307 }, exit: 1 },
  { command: 'organization auth', argv: () => ['organization', 'auth', ORG], sources: ['flag', 'stdin', 'key-file'], key: 'org', redirect: { method: 'GET', path: '/api/auth', status: 308 }, exit: 1 },
  { command: 'package fetch', argv: () => ['package', 'fetch', PRIVATE_PACKAGE, '--organization', ORG, '--output', '-'], sources: ['flag', 'env'], key: 'org', env: { HEXTS_REPO_OAUTH_EXCHANGE: 'true' }, redirect: { method: 'POST', path: '/api/oauth/token', status: 307 }, exit: 1 },
  { command: 'package fetch', argv: () => ['package', 'fetch', PRIVATE_PACKAGE, '--organization', ORG, '--output', '-'], sources: ['flag', 'env'], key: 'org', redirect: { method: 'GET', path: `/repo/repos/${ORG}/tarballs/`, status: 302 }, exit: 1 },
  { command: 'package diff', argv: () => ['package', 'diff', PRIVATE_PACKAGE, '1.0.0..1.1.0', '--organization', ORG], sources: ['flag', 'env'], key: 'org', redirect: { method: 'GET', path: `/repo/repos/${ORG}/tarballs/`, status: 302 }, exit: 1 },
  // 1.0.0: docs not fetched by an earlier row (they would be found here, with no request).
  { command: 'docs fetch', argv: () => ['docs', 'fetch', PRIVATE_PACKAGE, '1.0.0', '--organization', ORG], sources: ['flag', 'env'], key: 'org', redirect: { method: 'GET', path: `/repo/repos/${ORG}/docs/`, status: 302 }, exit: 1 },
  { command: 'publish', argv: () => ['publish', 'package', '--yes'], sources: ['flag', 'env'], before: project(), redirect: { method: 'POST', path: '/api/packages/', status: 307 }, exit: 1 },
  { command: 'audit', argv: () => ['audit'], sources: ['env'], before: lockedProject, redirect: { method: 'GET', path: `/repo/repos/${ORG}/packages/`, status: 302 }, exit: 1 },
  // these end the pass's credentials, in this order
  { command: 'organization key revoke', argv: () => ['organization', 'key', ORG, 'revoke', '--all', '--yes'], last: true },
  { command: 'user key revoke', argv: () => ['user', 'key', 'revoke', '--all', '--yes'], last: true },
  { command: 'user whoami', argv: () => ['user', 'whoami'], sources: ['oauth'], last: true, exit: 1, before: async (t) => { await t.pass.revokeSession(); t.world.registry.advanceClock(3600); } },
  { command: 'user deauth', argv: () => ['user', 'deauth'], last: true },
];

/** A fresh secret for a repository (URL password, auth key), known to the book before hexts sees it. */
function repoSecret(t: RowContext, what: string): string {
  const secret = `repo-sentinel-${t.world.unique('')}-${Math.random().toString(36).slice(2)}`;
  t.world.secrets.add(secret, what);
  return secret;
}

/** A fresh password for `user register`, known to the book before hexts sees it. */
function registerPassword(t: RowContext): string {
  const password = `reg-sentinel-${t.world.unique('')}-${Math.random().toString(36).slice(2)}`;
  t.world.secrets.add(password, 'a registration password');
  return password;
}

// --- the commander tree ---

const quietIO = () => ({ streams: { stdin: new PassThrough(), stdout: new PassThrough(), stderr: new PassThrough() }, env: {}, cwd: process.cwd() });

/** Every command a user can run, with a required argument's choices spelled out (`completion bash`). */
function commandLeaves(command: Command, path: string[] = []): Array<{ path: string; command: Command }> {
  const subcommands = command.commands.filter((c) => c.name() !== 'help');
  if (subcommands.length === 0) {
    const choices = command.registeredArguments.find((a) => a.required && a.argChoices)?.argChoices;
    return (choices ?? [undefined]).map((choice) => ({ path: [...path, ...(choice ? [choice] : [])].join(' '), command }));
  }
  return subcommands.flatMap((c) => commandLeaves(c, [...path, c.name()]));
}

let leaves: Map<string, Command>;
let world: World;
before(async () => {
  leaves = new Map(commandLeaves(await buildProgram(quietIO())).map((l) => [l.path, l.command]));
  world = await World.start();
});
after(() => world.stop());

test('every command of the commander tree has a row, and every row names a command', () => {
  assert.ok(leaves.size >= 25, [...leaves.keys()].join(', '));
  const covered = new Set(ROWS.map((r) => r.command));
  assert.deepEqual([...leaves.keys()].filter((path) => !covered.has(path)), [], 'commands without a row in the leak table');
  assert.deepEqual([...covered].filter((path) => !leaves.has(path)), [], 'rows for commands that do not exist');
});

function sourcesOf(row: Row): Source[] {
  const takesKey = leaves.get(row.command)!.options.some((o) => o.long === '--key');
  const viaKeyOption: Source[] = ['flag', 'stdin', 'key-file'];
  return (row.sources ?? SOURCES).filter((s) => !viaKeyOption.includes(s) || (takesKey && !(s === 'stdin' && row.stdin)));
}

/** Runs one row in a pass with the pass's way of giving the credential. */
async function runRow(pass: Pass, row: Row): Promise<void> {
  const t: RowContext = { world, pass, fixture: () => world.fixture(), project: (spec) => pass.project(spec), leakyProject: () => pass.leakyProject() };
  await row.before?.(t);
  const argv = await row.argv(t);
  const key =
    row.key === 'org' ? pass.orgKey
    : row.key === 'revoked user' ? await world.revokedKey('user')
    : row.key === 'revoked org' ? await world.revokedKey('org')
    : row.key === 'malformed' ? `${pass.userKey} ${pass.orgKey}`
    : row.key === 'mistyped' ? mistyped(pass.userKey)
    : pass.userKey;
  const otp = row.wrongOtp ? world.wrongOtp() : world.otp();
  const env: Record<string, string | undefined> = { HEX_OTP: otp, ...row.env };
  let stdin = row.stdin?.(t);
  if (pass.source === 'flag') argv.push('--key', key);
  if (pass.source === 'stdin') {
    argv.push('--key', '-');
    stdin = `${key}\n`;
  }
  if (pass.source === 'key-file') argv.push('--key-file', pass.keyFile(key));
  if (pass.source === 'env') env.HEX_API_KEY = key;
  if (row.redirect) {
    const { method, path, status } = row.redirect;
    world.front.redirect({ method, path }, status, 'thief');
    const { HEX_API_URL, HEX_REPO_URL, HEX_CACERTS_PATH } = world.front.env();
    Object.assign(env, { HEX_API_URL, HEX_REPO_URL, HEX_CACERTS_PATH });
  }
  const what = `${pass.source}${pass.verbose ? ' --verbose' : ''}: hexts ${argv.join(' ')}`;
  try {
    const result = await pass.run(argv, { env: pass.env(env), stdin, cwd: t.cwd, generates: row.generates, otp, mixKey: row.mix ? key : undefined });
    if (row.redirect) world.checkThief(what);
    const expected = row.exit ?? 0;
    assert.equal(result.code, expected, `${what} exited ${result.code}, expected ${expected}\n${result.stderr}`);
    if (row.redirect) {
      const origin = (url: string) => url.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
      assert.match(result.stderr, new RegExp(`refusing to follow a redirect of a ${row.redirect.method} request from ${origin(world.front.url)} to ${origin(world.front.thief.url)}`), what);
    }
  } finally {
    if (row.redirect) world.front.clear();
  }
}

/** Every row for `source`, in a pass of its own; `hexKeys`: the registry issues `hex_` keys meanwhile. */
async function runPass(source: Source, verbose: boolean, hexKeys: boolean): Promise<void> {
  world.issueHexKeys(hexKeys);
  const pass = new Pass(world, source, verbose);
  try {
    assert.equal(/^hex_/.test(pass.userKey), hexKeys);
    await pass.ensure();
    if (source === 'oauth') {
      const stored = await pass.keychainValue('user');
      assert.ok(world.secrets.has(stored!.access_token!) && world.secrets.has(stored!.refresh_token!), 'the stored tokens are in the book');
    }
    const rows = ROWS.filter((r) => sourcesOf(r).includes(source) && (!r.hexKeys || hexKeys));
    for (const row of [...rows.filter((r) => !r.last), ...rows.filter((r) => r.last)]) {
      if (!row.last) await pass.ensure();
      await runRow(pass, row);
    }
    pass.finalCheck();
    const generated = pass.runs.flatMap((r) => (r.generated ? [r.generated] : []));
    assert.equal(generated.length, rows.filter((r) => r.generates && (r.exit ?? 0) === 0).length, 'every generated key was seen');
    assert.ok(generated.every((key) => /^hex_/.test(key) === hexKeys), 'the generated keys are of the format issued');
    if (verbose) assert.ok(pass.runs.some((r) => /authorization: \[REDACTED\]/.test(r.result.stderr)), 'the verbose log shows requests');
  } finally {
    world.issueHexKeys(false);
    pass.cleanup();
  }
}

for (const source of SOURCES) {
  for (const verbose of [false, true]) {
    test(`credential by ${source}${verbose ? ', --verbose' : ''}: no secret in any output or file`, () => runPass(source, verbose, false));
  }
}

// hex.pm's newer keys: the verbose passes, where most of what a run knows is shown.
for (const source of SOURCES) {
  test(`credential by ${source}, --verbose, hex_ keys: no secret in any output or file`, () => runPass(source, true, true));
}

describe('no session bus: credentials in the warned 0600 file, and nowhere else', () => {
  for (const verbose of [false, true]) {
    test(`hexts as a child process without DBUS_SESSION_BUS_ADDRESS${verbose ? ', --verbose' : ''}`, async () => {
      const pass = new Pass(world, 'stdin', verbose, true);
      const run = async (argv: string[], options: { stdin?: string; env?: Record<string, string> } = {}) => {
        const result = await pass.run(argv, { stdin: options.stdin, env: pass.env({ HEX_OTP: world.otp(), ...options.env }), otp: world.otp() });
        assert.equal(result.code, 0, `${argv.join(' ')}:\n${result.stderr}`);
        return result;
      };
      const warning = `Credentials saved in plain text to ${pass.credentialsFile} (no usable OS keychain: no D-Bus session bus`;
      try {
        assert.ok((await run(['user', 'auth', '--key', '-'], { stdin: pass.userKey })).stderr.includes(warning));
        assert.ok((await run(['organization', 'auth', ORG, '--key', '-'], { stdin: pass.orgKey })).stderr.includes(warning));
        assert.equal(statSync(pass.credentialsFile).mode & 0o777, 0o600);
        assert.match((await run(['user', 'whoami'])).stdout, /Credential: your login as \w+ \(API key in the plain-text credentials file\)/);
        await run(['organization', 'key', ORG, 'list']);
        // The token the organization key is exchanged for is kept with it, in the same file.
        await run(['package', 'fetch', PRIVATE_PACKAGE, '--organization', ORG, '--output', '-'], { env: { HEXTS_REPO_OAUTH_EXCHANGE: 'true' } });
        assert.match(readFileSync(pass.credentialsFile, 'utf8'), /"oauth_token"/);
        assert.match((await run(['organization', 'list'])).stdout, new RegExp(`${ORG}\\s+\\S+\\s+organization\\s+repository:${ORG}, api:write\\s+file`));
        await run(['user', 'deauth']);
        assert.doesNotMatch(readFileSync(pass.credentialsFile, 'utf8'), /"key"|"access_token"/);
        pass.finalCheck();
      } finally {
        pass.cleanup();
      }
    });
  }
});

describe('a damaged credential store is reported without what it holds', () => {
  /** A real key that starts with a letter: JSON.parse quotes the text around such a token. */
  const letterKey = () => {
    for (;;) {
      const key = world.userKey();
      if (/^[a-f]/.test(key)) return key;
    }
  };
  /** No eight characters of `key` in a row anywhere in the output. */
  const assertNoPiece = (result: CliResult, key: string) => {
    for (let i = 0; i + 8 <= key.length; i++) {
      const piece = key.slice(i, i + 8);
      assert.ok(!result.stdout.includes(piece) && !result.stderr.includes(piece), `part of the key (${piece}) is in the output:\n${result.stderr}`);
    }
  };
  const index = (pass: Pass, store: string) =>
    writeFileSync(join(pass.hextsHome, 'credentials-index.json'), JSON.stringify({ version: 1, registries: { [world.registry.apiUrl]: { user: { store, kind: 'key' } } } }));

  test('a plain-text credentials file broken right at a key', async () => {
    const pass = new Pass(world, 'keychain', false);
    try {
      const key = letterKey();
      index(pass, 'file');
      writeFileSync(pass.credentialsFile, `{"version":1,"registries":{"${world.registry.apiUrl}":{"user":{"type":"key","key":${key}}}}}`, { mode: 0o600 });
      const result = await runCli(['user', 'whoami'], { env: pass.env() });
      assert.equal(result.code, 1);
      assert.match(result.stderr, /cannot read .*credentials\.json/);
      assertNoPiece(result, key);
    } finally {
      pass.cleanup();
    }
  });

  test('a keychain entry that is not what hexts stores', async () => {
    const pass = new Pass(world, 'keychain', false);
    const service = `hexts:${world.registry.apiUrl}`;
    try {
      const key = letterKey();
      index(pass, 'keychain');
      await keychain.set(service, 'user', key);
      const result = await runCli(['--verbose', 'user', 'whoami'], { env: pass.env() });
      assert.equal(result.code, 1);
      assertNoPiece(result, key);
    } finally {
      await keychain.delete(service, 'user');
      pass.cleanup();
    }
  });
});
