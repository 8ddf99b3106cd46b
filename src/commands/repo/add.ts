import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Invocation } from '../../cli.js';
import type { Context } from '../../context.js';
import { checkKey } from '../../credentials/key-input.js';
import { mixConfigPath, writeMixRepo, type MixRepoValues } from '../../credentials/mix-config.js';
import { AddedRepositoryAuth, basicAuthorization, deleteRepoKey, storeRepoKey, type RepoAuthKey } from '../../credentials/repo-keys.js';
import { CliError, UsageError } from '../../errors.js';
import { readStdin } from '../../io/stdin.js';
import { fetchRepositoryPublicKey } from '../../repository/registry.js';
import { PUBLISH_MODES, RepoConfig, checkRepoName, splitRepoUrl, type PublishMode, type RepoEntry } from '../../repository/repos.js';
import { PUBLIC_REPOSITORY } from '../../repository/settings.js';
import { publicKeyFingerprint } from '../../repository/signing.js';
import { endpointUrlProblem } from '../../util/net.js';

// `hexts repo add NAME URL` and `hexts repo set NAME` (mix hex.repo add/set): a repository's
// URL, the key its files must be signed with, its auth key (to the keychain) and how to publish
// to it. Unlike mix, a key fetched with --fetch-public-key that does not match, or cannot be
// fetched, leaves everything as it was.

export async function add(ctx: Context, invocation: Invocation): Promise<void> {
  const name = checkAddableName(invocation.args[0]!);
  const { url, userinfo } = splitRepoUrl(invocation.args[1]!);
  await apply(ctx, invocation, name, url, userinfo, undefined);
}

export async function set(ctx: Context, invocation: Invocation): Promise<void> {
  const name = checkAddableName(invocation.args[0]!);
  const config = await ctx.config();
  const previous = await new RepoConfig(config.home).require(name);
  const given = typeof invocation.opts.url === 'string' ? splitRepoUrl(invocation.opts.url) : undefined;
  await apply(ctx, invocation, name, given?.url ?? previous.url, given?.userinfo, previous);
}

function checkAddableName(text: string): string {
  const name = checkRepoName(text);
  if (name === PUBLIC_REPOSITORY) {
    throw new UsageError('hexpm is hex.pm\'s public repository, set with hexts config', 'Point it elsewhere with `hexts config repo_url URL` and `hexts config repo_public_key PEM_FILE`.');
  }
  if (name.startsWith(`${PUBLIC_REPOSITORY}:`)) {
    const org = name.slice(PUBLIC_REPOSITORY.length + 1);
    throw new UsageError(`${name} is organization ${org}'s repository on hex.pm`, `Give this machine its key with \`hexts organization auth ${org} --key KEY\`.`);
  }
  return name;
}

async function apply(ctx: Context, { opts, fromCli }: Invocation, name: string, url: string, userinfo: { username: string; password: string } | undefined, previous: RepoEntry | undefined): Promise<void> {
  if (userinfo && opts.authKey !== undefined) {
    throw new UsageError('give the repository\'s credentials either as user:password@ in the URL or with --auth-key, not both');
  }
  for (const option of ['oauthExchangeUrl', 'apiUrl'] as const) {
    const value = opts[option];
    const problem = typeof value === 'string' ? endpointUrlProblem(value) : undefined;
    if (problem) throw new UsageError(`--${option === 'apiUrl' ? 'api-url' : 'oauth-exchange-url'}: ${problem}`);
  }
  const publish = opts.publish as string | undefined;
  if (publish !== undefined && !PUBLISH_MODES.includes(publish as PublishMode)) {
    throw new UsageError(`--publish must be one of ${PUBLISH_MODES.join(', ')}`, 'releases: a hex.pm-compatible API; legacy: a mini_repo-style POST …/publish.');
  }
  const authKey = await readAuthKey(ctx, opts.authKey);
  const auth: RepoAuthKey | undefined = userinfo ? { authorization: basicAuthorization(userinfo), basic: true } : authKey !== undefined ? { authorization: authKey } : undefined;

  // mix's defaults for a new repository: no key exchange (that is for hexpm only).
  const entry: RepoEntry = previous ? { ...previous, url } : { url, oauth_exchange: false };
  if (fromCli('oauthExchange')) entry.oauth_exchange = opts.oauthExchange === true;
  if (typeof opts.oauthExchangeUrl === 'string') entry.oauth_exchange_url = opts.oauthExchangeUrl.replace(/\/+$/, '');
  if (typeof opts.apiUrl === 'string') entry.api_url = opts.apiUrl.replace(/\/+$/, '');
  if (publish) entry.publish = publish as PublishMode;

  // The key: a file given, checked against a fingerprint if one is given too; else fetched and checked.
  const fingerprint = typeof opts.fetchPublicKey === 'string' ? checkFingerprint(opts.fetchPublicKey) : undefined;
  if (typeof opts.publicKey === 'string') {
    entry.public_key = await readPublicKey(opts.publicKey);
    if (fingerprint) matchFingerprint(entry.public_key, fingerprint, opts.publicKey);
    entry.fetch_public_key = fingerprint;
  } else if (fingerprint) {
    const authorization = auth?.authorization ?? (previous ? await new AddedRepositoryAuth(ctx, name, previous).authorization() : undefined);
    const pem = await fetchRepositoryPublicKey(ctx, url, authorization ? { value: authorization, credential: `the auth key of repository ${name}` } : undefined);
    matchFingerprint(pem, fingerprint, `${url}/public_key`);
    entry.public_key = pem;
    entry.fetch_public_key = fingerprint;
  } else if (!previous) {
    ctx.out.warn(`No public key given for ${name}: the key ${url}/public_key serves will be pinned on first use. Pass --fetch-public-key SHA256:… (from the repository's operators) to check it now.`);
  }

  if (auth) {
    const where = await storeRepoKey(ctx, name, auth, opts.insecureStorage === true);
    entry.has_auth_key = true;
    ctx.log(`repository ${name}: auth key stored in ${where === 'keychain' ? 'the OS keychain' : 'the credentials file'}`);
  } else if (!previous) {
    // `add` replaces a repository of that name whole, as mix does: its old key goes too.
    await deleteRepoKey(ctx, name);
  }

  const config = await ctx.config();
  const repos = new RepoConfig(config.home);
  const replaced = await repos.change((all) => {
    const existed = Object.hasOwn(all, name);
    all[name] = entry;
    return existed;
  });

  if (opts.mix === true) {
    const path = mixConfigPath(ctx.env);
    const whole: MixRepoValues = {
      url: urlForMix(url, userinfo),
      public_key: entry.public_key,
      fetch_public_key: entry.fetch_public_key,
      auth_key: authKey,
      oauth_exchange: entry.oauth_exchange,
      oauth_exchange_url: entry.oauth_exchange_url,
    };
    if (!previous) await writeMixRepo(path, name, { add: whole });
    else {
      const changed: Partial<MixRepoValues> = {};
      if (fromCli('url')) changed.url = whole.url;
      if (typeof opts.publicKey === 'string' || fingerprint) changed.public_key = whole.public_key;
      if (fingerprint) changed.fetch_public_key = fingerprint;
      if (authKey !== undefined) changed.auth_key = authKey;
      if (fromCli('oauthExchange')) changed.oauth_exchange = whole.oauth_exchange;
      if (typeof opts.oauthExchangeUrl === 'string') changed.oauth_exchange_url = whole.oauth_exchange_url;
      await writeMixRepo(path, name, { set: changed, whole });
    }
    ctx.out.info(`Wrote repository ${name} into ${path} for mix.`);
  }

  const keyNote = entry.public_key ? `, key ${publicKeyFingerprint(entry.public_key)}` : '';
  if (previous) ctx.out.info(`Updated repository ${name} (${url}${keyNote}).`);
  else ctx.out.info(`${replaced ? 'Replaced' : 'Added'} repository ${name} (${url}${keyNote}).`);
}

/** The URL as mix needs it in hex.config: with the user:password it authenticates with. */
function urlForMix(url: string, userinfo: { username: string; password: string } | undefined): string {
  if (!userinfo) return url;
  const withUser = new URL(url);
  withUser.username = encodeURIComponent(userinfo.username);
  withUser.password = encodeURIComponent(userinfo.password);
  return withUser.href.replace(/\/+$/, '');
}

async function readAuthKey(ctx: Context, value: unknown): Promise<string | undefined> {
  if (value === undefined) return undefined;
  if (value === '-') return checkKey(await readStdin(ctx.streams.stdin), 'stdin', 'stdin (--auth-key -)');
  return checkKey(String(value), 'flag', '--auth-key');
}

function checkFingerprint(text: string): string {
  if (!/^SHA256:[A-Za-z0-9+/]{43}$/.test(text)) {
    throw new UsageError(`--fetch-public-key: "${text}" is not a SHA256 fingerprint as mix and ssh-keygen print it`, 'It looks like SHA256:O1LOYhHFW4kcrblKAxROaDEzLD8bn1seWbe5tq8TRsk (43 characters after SHA256:, no = at the end).');
  }
  return text;
}

function matchFingerprint(pem: string, expected: string, from: string): void {
  let actual: string;
  try {
    actual = publicKeyFingerprint(pem);
  } catch {
    throw new CliError(`${from} does not hold an RSA public key in PEM form`, 'Public keys must be valid and in the PEM format.');
  }
  if (actual !== expected) {
    throw new CliError(`public key fingerprint mismatch: expected ${expected}, ${from} has ${actual}`, 'Nothing was changed. Check the fingerprint with the repository\'s operators.');
  }
}

async function readPublicKey(path: string): Promise<string> {
  let pem: string;
  try {
    pem = await readFile(resolve(path), 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read --public-key ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    publicKeyFingerprint(pem);
  } catch {
    throw new CliError(`could not decode the public key in ${path}`, 'Public keys must be valid RSA keys in the PEM format (BEGIN PUBLIC KEY or BEGIN RSA PUBLIC KEY).');
  }
  return pem;
}
