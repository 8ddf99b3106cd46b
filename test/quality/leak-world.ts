// The leak suite's world: a registry of its own (so its keychain entries are its own), a
// user with 2FA and an organization, packages to read, real credentials made by the registry,
// and a book of every secret that ever existed during the run. A Pass runs hexts commands for
// one way of giving the credential and checks, after each run, that no secret known so far
// shows in the run's output or in any file under HOME or HEXTS_HOME except where it is stored
// by design.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ApiClient } from '../../src/api/client.js';
import { HEX_CLI_OAUTH_CLIENT_ID } from '../../src/config/config.js';
import { keychain } from '../../src/credentials/keychain.js';
import { runCli, spawnCli, type CliResult } from '../helpers/cli.js';
import { keychainAccount } from '../helpers/keychain.js';
import { makeProject, type ProjectSpec } from '../helpers/projects.js';
import { approvingAs, cliEnv, clientFor, signingInAs, testRegistry, type Registry } from '../helpers/registry.js';
import { base32Decode, totpCode } from '../../registry/crypto.js';
import { makeDocsTarball, makeTarball } from '../../registry/tarballs.js';
import { rawRequest, startHostileFront, type HostileFront } from './hostile-front.js';

export const USER = 'leaky';
export const OTHER_USER = 'mallory';
export const ORG = 'leakco';
/** An organization that requires single sign-on of its members (personal keys allowed). */
export const SSO_ORG = 'leaksso';
export const PUBLIC_PACKAGE = 'leak_pub';
export const PRIVATE_PACKAGE = 'leak_priv';
const TOTP_SECRET = 'KRUGS4ZANBSXQ5DTEBWGKYLLEBZXK2LUMU';
/** The user's password, a sentinel too (`user auth --password --password-stdin`). */
export const PASSWORD = 'pw-sentinel-6c1f0e-correct-horse';
/** Every run has a proxy set, with a password, that the registry bypasses (no_proxy). */
const PROXY_PASSWORD = 'proxy-sentinel-93d2a7';
const PROXY = `http://proxyuser:${PROXY_PASSWORD}@proxy.invalid:3128/`;

/**
 * A proxy URL with a password in every form a user may write it, the password a sentinel each.
 * `valid`: a URL the proxy settings take (the others are refused, and the refusal shows them).
 */
export const PROXY_FORMS = [
  { form: 'without a scheme', url: 'proxyuser:proxy-noscheme-4b1e@proxy.invalid:3128', password: 'proxy-noscheme-4b1e', valid: false },
  { form: 'a / in the password', url: 'http://proxyuser:proxy-sl/ash-77c2@proxy.invalid:3128', password: 'proxy-sl/ash-77c2', valid: false },
  { form: 'a # and a ? in the password', url: 'http://proxyuser:proxy-ha#sh?-e80d@proxy.invalid:3128', password: 'proxy-ha#sh?-e80d', valid: false },
  { form: 'an @ in the password, and no / at the end', url: 'http://proxyuser:proxy-at@-0f3a@proxy.invalid:3128', password: 'proxy-at@-0f3a', valid: true },
  { form: 'percent-encoded, upper-case scheme', url: 'HTTPS://proxyuser:proxy%2Dpct%40-6d19@proxy.invalid:3128', password: 'proxy%2Dpct%40-6d19', valid: true },
] as const;

/** How the credential reaches hexts in a pass. */
export type Source = 'flag' | 'stdin' | 'key-file' | 'env' | 'keychain' | 'oauth';
export const SOURCES: Source[] = ['flag', 'stdin', 'key-file', 'env', 'keychain', 'oauth'];

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * Every secret of the run, and the forms in which a careless program would show it: as is,
 * hashed, base64-encoded, cut short at either end (never for a JWT's head, which all JWTs share),
 * and a `hex_` key's 40 digits without the prefix (hex.pm takes those alone too).
 */
export class SecretBook {
  private readonly forms = new Map<string, { label: string; secret: string }>();
  private added = 0;

  add(secret: string, label: string): void {
    if (secret === '' || this.has(secret)) return;
    const forms = [secret, sha256(secret), Buffer.from(secret).toString('base64')];
    if (/^hex_[0-9a-f]{40}$/.test(secret)) forms.push(secret.slice(4));
    if (secret.length >= 32) {
      forms.push(secret.slice(-20));
      if (!secret.startsWith('eyJ')) forms.push(secret.slice(0, 20));
    }
    for (const form of forms) this.forms.set(form, { label, secret });
    this.added++;
  }

  has(secret: string): boolean {
    return this.forms.get(secret)?.secret === secret;
  }

  /** Changes whenever a secret is added: a file scanned before must then be scanned again. */
  get version(): number {
    return this.added;
  }

  /** The secrets found in `data`, with the form that gave each away. */
  find(data: string | Buffer): Array<{ secret: string; label: string; form: string }> {
    const found = new Map<string, { secret: string; label: string; form: string }>();
    for (const [form, { label, secret }] of this.forms) {
      if (!found.has(secret) && data.includes(form)) found.set(secret, { secret, label, form });
    }
    return [...found.values()];
  }
}

export class World {
  readonly secrets = new SecretBook();
  private counter = 0;

  private constructor(
    readonly registry: Registry,
    /** A hostile server in front of the registry that redirects where a row says, to a thief on another origin. */
    readonly front: HostileFront,
    private readonly admin: ApiClient,
    private readonly newSetupKey: () => void,
  ) {}

  private async setup(method: 'PUT' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<void> {
    this.newSetupKey();
    await this.admin.request({ method, path, body });
  }

  static async start(): Promise<World> {
    const registry = await testRegistry();
    registry.configure({ rateLimit: 1_000_000, ipRateLimit: 1_000_000, basicAuth: true });
    registry.createUser({ username: USER, password: PASSWORD });
    registry.setTotp(USER, TOTP_SECRET);
    registry.createUser({ username: OTHER_USER, password: 'another long password' });
    registry.createOrganization({ name: ORG, admin: USER });
    registry.createOrganization({ name: SSO_ORG, admin: USER });
    registry.setSso(SSO_ORG, { personalKeys: 'allow' });
    // Setup requests use a fresh key each, as the passes end by revoking all of the user's keys.
    let setupKey = '';
    const world = new World(registry, await startHostileFront(registry), clientFor(registry, { auth: { authorization: async () => ({ value: setupKey, credential: 'a setup key' }) } }), () => {
      setupKey = world.userKey(world.unique('setup-'));
    });
    world.secrets.add(PASSWORD, `${USER}'s password`);
    world.secrets.add(PROXY_PASSWORD, 'the proxy password');
    for (const { form, password } of PROXY_FORMS) {
      for (const written of new Set([password, decodeURIComponent(password), encodeURIComponent(password)])) world.secrets.add(written, `the proxy password (${form})`);
    }
    world.secrets.add(Buffer.from(`${USER}:${PASSWORD}`).toString('base64'), `Basic auth of ${USER}`);
    await world.publish(PUBLIC_PACKAGE);
    await world.publish(PRIVATE_PACKAGE, ORG);
    // A second release of each, with docs: for package diff and docs fetch|open.
    for (const [name, repository] of [[PUBLIC_PACKAGE, undefined], [PRIVATE_PACKAGE, ORG]] as const) {
      await registry.publish(await makeTarball({ name, version: '1.1.0' }), { publisher: USER, repository });
      registry.publishDocs(name, '1.1.0', await makeDocsTarball(name, '1.1.0'), { repository });
    }
    return world;
  }

  async stop(): Promise<void> {
    await this.admin.close();
    await this.front.stop();
    await this.registry.stop();
  }

  /** What reached the thief, checked for every secret known: nothing may have. */
  checkThief(what: string): void {
    for (const captured of this.front.thief.captured) {
      for (const { label, form } of this.secrets.find(rawRequest(captured))) {
        assert.fail(`${what}: ${label} (as ${JSON.stringify(form)}) reached the other origin in ${captured.method} ${captured.path}`);
      }
    }
    assert.deepEqual(this.front.thief.captured.map((c) => `${c.method} ${c.path}`), [], `${what}: requests reached the other origin`);
  }

  /** Whether the registry issues keys in hex.pm's `hex_` format (PR #1536) from now on. */
  issueHexKeys(on: boolean): void {
    this.registry.configure({ hexKeys: on });
  }

  unique(prefix: string): string {
    return `${prefix}${++this.counter}`;
  }

  /** The user's two-factor code now (by the registry's clock), or `offset` seconds from now. */
  otp(offset = 0): string {
    return totpCode(base32Decode(TOTP_SECRET)!, Math.floor(this.registry.now().getTime() / 1000) + offset);
  }

  /** A six-digit code the registry refuses now (it accepts the codes of 30 s either side). */
  wrongOtp(): string {
    const valid = new Set([this.otp(-30), this.otp(), this.otp(30)]);
    let code = 137_913;
    while (valid.has(String(code))) code++;
    return String(code);
  }

  /** A fresh key of the user that may do everything (api, every repository). */
  userKey(name = this.unique('u-')): string {
    const key = this.registry.createKey({ user: USER }, { name, permissions: [{ domain: 'api', resource: null }, { domain: 'repositories', resource: null }] });
    this.secrets.add(key, `user key ${name}`);
    return key;
  }

  /** A fresh key owned by the organization: its API and its repository. */
  orgKey(name = this.unique('o-')): string {
    const key = this.registry.createKey({ organization: ORG }, { name, permissions: [{ domain: 'api', resource: null }, { domain: 'repository', resource: ORG }] });
    this.secrets.add(key, `organization key ${name}`);
    return key;
  }

  /** A key that existed and was revoked: real, and refused. */
  async revokedKey(owner: 'user' | 'org'): Promise<string> {
    const name = this.unique('revoked-');
    const key = owner === 'user' ? this.userKey(name) : this.orgKey(name);
    await this.setup('DELETE', owner === 'user' ? `/keys/${name}` : `/orgs/${ORG}/keys/${name}`);
    return key;
  }

  /** Publishes NAME 1.0.0 as the user (in the organization's repository with `organization`). */
  async publish(name: string, organization?: string): Promise<string> {
    await this.registry.publish(await makeTarball({ name, version: '1.0.0' }), { publisher: USER, repository: organization });
    return name;
  }

  /** A fresh public package of the user, for commands that change one. */
  fixture(): Promise<string> {
    return this.publish(this.unique('leak_fix_'));
  }

  async revokeToken(token: string): Promise<void> {
    await this.admin.request({ method: 'POST', path: '/oauth/revoke', body: { token, client_id: HEX_CLI_OAUTH_CLIENT_ID }, auth: 'none' });
  }

  /** Makes the other user an owner of `name`, or retires its 1.0.0, as a setup step. */
  async addOwner(name: string): Promise<void> {
    await this.setup('PUT', `/packages/${name}/owners/${OTHER_USER}`, { level: 'maintainer' });
  }

  async retire(name: string): Promise<void> {
    await this.setup('POST', `/packages/${name}/releases/1.0.0/retire`, { reason: 'other', message: 'retired for the test' });
  }
}

export interface RunOptions {
  stdin?: string;
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** The run prints a newly generated key on stdout, once. */
  generates?: boolean;
  /** With --mix: this key may be written into mix's hex.config. */
  mixKey?: string;
  /** Two-factor code given to this run (env or flag); it must not show either. */
  otp?: string;
}

export interface Run {
  argv: string[];
  result: CliResult;
  otp?: string;
  /** A key this run generated and printed once on stdout, by design. */
  generated?: string;
  /** The code of a single sign-on verification URI, shown once on stderr to be opened, by design. */
  shown?: string;
}

/** One pass: a fresh HOME and HEXTS_HOME, fresh keys, and the credential given one way. */
export class Pass {
  readonly home = mkdtempSync(join(tmpdir(), 'hexts-leak-home-'));
  readonly hextsHome = mkdtempSync(join(tmpdir(), 'hexts-leak-state-'));
  /** For --key-file: outside HOME and HEXTS_HOME, where the user chose to keep the key. */
  private readonly outside = mkdtempSync(join(tmpdir(), 'hexts-leak-keys-'));
  readonly userKey: string;
  readonly orgKey: string;
  readonly runs: Run[] = [];
  private readonly projects: string[] = [];
  /** Projects whose files hold a secret by design (the user's own file): removed at the end, never searched. */
  private readonly leakyProjects: string[] = [];
  private readonly mixKeys = new Set<string>();
  /** Whether a run asked for the plain-text file (--insecure-storage): with a keychain, nothing else may. */
  private insecureStorage = false;
  /** path → mtime, size, inode and secret-book version at its last scan. */
  private readonly scanned = new Map<string, string>();

  /**
   * `noBus`: hexts runs as a child process without a session bus, so there is no keychain
   * and credentials go to the warned plain-text file.
   */
  constructor(readonly world: World, readonly source: Source, readonly verbose: boolean, readonly noBus = false) {
    this.userKey = world.userKey();
    this.orgKey = world.orgKey();
  }

  /** A file holding `key`, for --key-file. */
  keyFile(key: string): string {
    const path = join(this.outside, sha256(key));
    writeFileSync(path, `${key}\n`);
    return path;
  }

  get credentialsFile(): string {
    return join(this.hextsHome, 'credentials.json');
  }

  get mixConfig(): string {
    return join(this.home, '.hex', 'hex.config');
  }

  get configFile(): string {
    return join(this.hextsHome, 'config.json');
  }

  /** The proxy URLs the user put in the config file (`config https_proxy URL`): it holds them by design. */
  private configuredProxies(): string[] {
    if (!existsSync(this.configFile)) return [];
    const config = JSON.parse(readFileSync(this.configFile, 'utf8')) as Record<string, unknown>;
    return [config.http_proxy, config.https_proxy].filter((v): v is string => typeof v === 'string');
  }

  private get service(): string {
    return `hexts:${this.world.registry.apiUrl}`;
  }

  env(extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
    return cliEnv(this.world.registry, this.home, {
      HEXTS_HOME: this.hextsHome,
      https_proxy: PROXY,
      http_proxy: PROXY,
      no_proxy: '127.0.0.1',
      ...(this.noBus ? { DBUS_SESSION_BUS_ADDRESS: undefined } : {}),
      ...extra,
    });
  }

  /** A fresh mix project (its own package name) for build and publish. */
  project(spec: Partial<ProjectSpec> = {}): string {
    const { dir } = makeProject({ app: this.world.unique('leak_p'), version: '1.0.0', ...spec });
    this.projects.push(dir);
    return dir;
  }

  /**
   * A fresh mix project with a fresh (fake, well-formed) GitHub token in lib/leaky.ex, known to
   * the book: the secret scan of build and publish must name it without showing it.
   */
  leakyProject(): string {
    const { dir } = makeProject({ app: this.world.unique('leak_s'), version: '1.0.0' });
    const token = `ghp_${randomBytes(48).toString('base64').replace(/[^A-Za-z0-9]/g, '').slice(0, 36)}`;
    this.world.secrets.add(token, 'a token in a package file');
    writeFileSync(join(dir, 'lib', 'leaky.ex'), `defmodule Leaky do\n  def token, do: "${token}"\nend\n`);
    this.leakyProjects.push(dir);
    return dir;
  }

  /** Runs hexts, approving any device code it shows and signing in at any SSO URI, then checks for leaks. */
  async run(argv: string[], options: RunOptions = {}): Promise<CliResult> {
    const full = this.verbose ? ['--verbose', ...argv] : argv;
    const spawned = { env: options.env ?? this.env(), cwd: options.cwd ?? this.home, stdin: options.stdin };
    const approve = approvingAs(this.world.registry, USER);
    const signIn = signingInAs(this.world.registry, USER);
    const result = this.noBus ? await spawnCli(full, spawned) : await runCli(full, {
      ...spawned,
      onStderr: (text) => {
        approve(text);
        signIn(text);
      },
    });
    const run: Run = { argv: full, result, otp: options.otp };
    // The code in an SSO verification URI is bound to the account that asked, but still: once on stderr, nowhere else.
    const ssoCode = result.stderr.match(/\/sso\/authorize\?code=([\w-]+)/)?.[1];
    if (ssoCode) {
      run.shown = ssoCode;
      this.world.secrets.add(ssoCode, `the single sign-on code of ${full.join(' ')}`);
    }
    this.runs.push(run);
    if (options.mixKey) this.mixKeys.add(options.mixKey);
    if (argv.includes('--insecure-storage')) this.insecureStorage = true;
    await this.harvest();
    if (options.generates && result.code === 0) {
      const printed = result.stdout.match(/^(hex_[0-9a-f]{40}|[0-9a-f]{32})\n$/);
      assert.ok(printed, `${full.join(' ')}: stdout should be the new key alone:\n${result.stdout}`);
      run.generated = printed[1]!;
      this.world.secrets.add(run.generated, `generated by ${full.join(' ')}`);
    }
    this.checkOutput(run);
    this.checkFiles(full.join(' '));
    return result;
  }

  /** Reads every credential hexts stored (keychain, fallback file, hex.config) into the book. */
  private async harvest(): Promise<void> {
    const collect = (value: unknown, label: string): void => {
      if (Array.isArray(value)) value.forEach((v) => collect(v, label));
      else if (value && typeof value === 'object') {
        for (const [k, v] of Object.entries(value)) {
          if (typeof v === 'string' && ['key', 'access_token', 'refresh_token'].includes(k)) this.world.secrets.add(v, `${label} ${k}`);
          else collect(v, label);
        }
      }
    };
    for (const slot of ['user', `repository:hexpm:${ORG}`]) {
      const stored = await keychain.get(this.service, keychainAccount(this.hextsHome, slot));
      if (stored !== null) collect(JSON.parse(stored), `keychain ${slot}`);
    }
    if (existsSync(this.credentialsFile)) collect(JSON.parse(readFileSync(this.credentialsFile, 'utf8')), 'credentials.json');
    if (existsSync(this.mixConfig)) {
      for (const [, key] of readFileSync(this.mixConfig, 'utf8').matchAll(/auth_key => <<"([^"]+)">>/g)) this.world.secrets.add(key!, 'hex.config auth_key');
    }
  }

  private checkOutput(run: Run): void {
    const what = run.argv.join(' ');
    for (const [stream, text] of [['stdout', run.result.stdout], ['stderr', run.result.stderr]] as const) {
      for (const { secret, label, form } of this.world.secrets.find(text)) {
        if (stream === 'stdout' && secret === run.generated && form === secret && count(text, secret) === 1) continue;
        if (stream === 'stderr' && secret === run.shown && form === secret && count(text, secret) === 1) continue;
        assert.fail(`${what}: ${label} (as ${JSON.stringify(form)}) is in ${stream}:\n${text}`);
      }
      if (run.otp) assert.doesNotMatch(text, new RegExp(`(?<![0-9A-Za-z])${run.otp}(?![0-9A-Za-z])`), `${what}: the OTP code is in ${stream}`);
    }
  }

  /** The secrets the plain-text store holds by design: those of the slots its index puts in the file. */
  private fileStored(): Set<string> {
    const allowed = new Set<string>();
    if (!existsSync(this.credentialsFile)) return allowed;
    const index = JSON.parse(readFileSync(join(this.hextsHome, 'credentials-index.json'), 'utf8'));
    const slots: Record<string, { store: string }> = index.registries?.[this.world.registry.apiUrl] ?? {};
    const file = JSON.parse(readFileSync(this.credentialsFile, 'utf8'));
    const stored: Record<string, unknown> = file.registries?.[this.world.registry.apiUrl] ?? {};
    for (const [slot, value] of Object.entries(stored)) {
      assert.ok(this.noBus || this.insecureStorage, `credentials.json holds ${slot} though the keychain works and --insecure-storage was never given`);
      assert.equal(slots[slot]?.store, 'file', `credentials.json holds ${slot}, which the index does not put in the file`);
      for (const secret of JSON.stringify(value).match(/"(?:key|access_token|refresh_token)":"([^"]+)"/g) ?? []) allowed.add(secret.replace(/^.*:"|"$/g, ''));
    }
    return allowed;
  }

  private checkFiles(what: string): void {
    let fileStored: Set<string> | undefined;
    for (const dir of [this.home, this.hextsHome, ...this.projects]) {
      if (!existsSync(dir)) continue;
      for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
        if (!entry.isFile()) continue;
        const path = join(entry.parentPath, entry.name);
        const stat = statSync(path);
        const stamp = `${stat.mtimeMs}:${stat.size}:${stat.ino}:${this.world.secrets.version}`;
        if (this.scanned.get(path) === stamp) continue;
        this.scanned.set(path, stamp);
        const found = this.world.secrets.find(readFileSync(path));
        if (path === this.credentialsFile || path === this.mixConfig) assert.equal(stat.mode & 0o777, 0o600, `${path} is not 0600`);
        for (const { secret, label, form } of found) {
          if (path === this.credentialsFile && form === secret && (fileStored ??= this.fileStored()).has(secret)) continue;
          if (path === this.mixConfig && form === secret && this.mixKeys.has(secret)) continue;
          if (path === this.configFile && this.configuredProxies().some((url) => url.includes(form))) continue;
          assert.fail(`after ${what}: ${label} (as ${JSON.stringify(form)}) is in ${path}`);
        }
      }
    }
  }

  /** The value hexts keeps in the keychain for `slot`, parsed. */
  async keychainValue(slot: string): Promise<Record<string, string> | undefined> {
    const stored = await keychain.get(this.service, keychainAccount(this.hextsHome, slot));
    return stored === null ? undefined : JSON.parse(stored);
  }

  /** Revokes the stored OAuth tokens on the server, as a lost session. */
  async revokeSession(): Promise<void> {
    const stored = await this.keychainValue('user');
    assert.equal(stored?.type, 'oauth');
    for (const token of [stored!.access_token!, stored!.refresh_token!]) await this.world.revokeToken(token);
  }

  /** What the keychain holds in `slot` for this pass, as the index sees it. */
  async stored(slot: string): Promise<{ store: string; kind?: string; key?: string } | undefined> {
    const indexPath = join(this.hextsHome, 'credentials-index.json');
    if (!existsSync(indexPath)) return undefined;
    const info = JSON.parse(readFileSync(indexPath, 'utf8')).registries?.[this.world.registry.apiUrl]?.[slot];
    if (!info) return undefined;
    const secret = info.store === 'keychain' ? await keychain.get(this.service, keychainAccount(this.hextsHome, slot)) : null;
    return { store: info.store, kind: info.kind, key: secret ? JSON.parse(secret).key : undefined };
  }

  /**
   * Puts back what the source stores before each row: the user's and the organization's keys
   * (keychain), or an OAuth login and no organization key (oauth). Rows may have replaced them.
   */
  async ensure(): Promise<void> {
    if (this.source === 'keychain') {
      const user = await this.stored('user');
      if (user?.store !== 'keychain' || user.key !== this.userKey) await this.expect0(['user', 'auth', '--key', '-'], { stdin: this.userKey });
      const org = await this.stored(`repository:hexpm:${ORG}`);
      if (org?.store !== 'keychain' || org.key !== this.orgKey) await this.expect0(['organization', 'auth', ORG, '--key', '-'], { stdin: this.orgKey });
    } else if (this.source === 'oauth') {
      const user = await this.stored('user');
      if (user?.store !== 'keychain' || user.kind !== 'oauth') await this.expect0(['user', 'auth', '--no-browser']);
      if (await this.stored(`repository:hexpm:${ORG}`)) await this.expect0(['organization', 'deauth', ORG]);
    }
  }

  /** Stores a fresh organization key (for the commands that remove one). */
  async storeOrganizationKey(): Promise<void> {
    await this.expect0(['organization', 'auth', ORG, '--key', '-'], { stdin: this.world.orgKey() });
  }

  private async expect0(argv: string[], options: RunOptions = {}): Promise<void> {
    const result = await this.run(argv, { otp: this.world.otp(), ...options, env: this.env({ HEX_OTP: this.world.otp() }) });
    assert.equal(result.code, 0, `${argv.join(' ')}:\n${result.stderr}`);
  }

  /** Every output of the pass against every secret known at the end (some were learnt late). */
  finalCheck(): void {
    for (const run of this.runs) this.checkOutput(run);
    this.scanned.clear();
    this.checkFiles('the pass');
  }

  cleanup(): void {
    for (const dir of [this.home, this.hextsHome, this.outside, ...this.projects, ...this.leakyProjects]) rmSync(dir, { recursive: true, force: true });
  }
}

const count = (text: string, part: string) => text.split(part).length - 1;
