import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from '../src/util/atomic.js';

// The registry's data, in memory, optionally persisted to a data directory: `state.json`
// (written atomically after every change) plus `store/` for tarballs and docs. Times are
// epoch milliseconds on the registry's own clock (see Clock), which tests can move forward.

export type Role = 'admin' | 'write' | 'read';
export type OwnerLevel = 'full' | 'maintainer';

export interface Email {
  email: string;
  verified: boolean;
  primary: boolean;
  public: boolean;
}

export interface User {
  id: number;
  username: string;
  fullName: string | null;
  /** scrypt hash, see crypto.ts; null for accounts without a password. */
  passwordHash: string | null;
  emails: Email[];
  handles: Record<string, string>;
  /** Set for the account that stands for an organization (the org and its users share names). */
  organizationId: number | null;
  /** Base32 TOTP secret; 2FA is on when set. */
  tfaSecret: string | null;
  insertedAt: number;
  updatedAt: number;
}

export interface Member {
  userId: number;
  role: Role;
  insertedAt: number;
}

export interface Organization {
  id: number;
  name: string;
  billingActive: boolean;
  /** Billing seats; null means unlimited. */
  seats: number | null;
  members: Member[];
  /** The organization's own user account. */
  userId: number;
  /** Set when the organization requires single sign-on of its members (absent: it does not). */
  sso?: SsoPolicy;
  insertedAt: number;
  updatedAt: number;
}

/**
 * An organization's single sign-on, as hexpm's SSO connection in `required` mode: every member
 * reaches it only through a live organization access session. Organization keys are never governed.
 */
export interface SsoPolicy {
  /** Whether members' personal API keys still reach the organization (hexpm's default) or are turned away. */
  personalKeys: 'allow' | 'block';
}

/** An organization access session: the identity provider authenticated a member for one OAuth session. */
export interface OrgSession {
  userId: number;
  organizationId: number;
  /** The OAuth session (Token.sessionId) it belongs to. */
  sessionId: number;
  expiresAt: number;
}

/** A re-authorization an OAuth session asked for (POST /api/oauth/sso_authorization), finished in a browser. */
export interface SsoAuthorization {
  id: number;
  /** sha256 of the code in the verification URI; the code itself is never kept. */
  codeHash: string;
  userId: number;
  sessionId: number;
  organizationIds: number[];
  expiresAt: number;
  consumedAt: number | null;
}

export interface Permission {
  domain: string;
  resource: string | null;
}

export interface KeyUse {
  usedAt: number;
  ip: string;
  userAgent: string | null;
}

export interface Key {
  id: number;
  name: string;
  userId: number | null;
  organizationId: number | null;
  /** First and second halves of HMAC-SHA256(appSecret, secret) in hex. */
  secretFirst: string;
  secretSecond: string;
  permissions: Permission[];
  revokeAt: number | null;
  lastUse: KeyUse | null;
  insertedAt: number;
  updatedAt: number;
}

/** One OAuth grant: an access token and maybe its refresh token (hexpm keeps both in one row). */
export interface Token {
  id: number;
  jti: string;
  refreshJti: string | null;
  refreshTokenHash: string | null;
  scopes: string[];
  grantedScopes: string[];
  expiresAt: number;
  refreshTokenExpiresAt: number | null;
  revokedAt: number | null;
  grantType: string;
  grantReference: string | null;
  userId: number | null;
  organizationId: number | null;
  clientId: string;
  sessionId: number;
  insertedAt: number;
}

export interface DeviceCode {
  id: number;
  deviceCode: string;
  userCode: string;
  clientId: string;
  expiresAt: number;
  interval: number;
  status: 'pending' | 'authorized' | 'denied' | 'expired';
  scopes: string[];
  name: string | null;
  userId: number | null;
  insertedAt: number;
}

export interface PackageMeta {
  description: string | null;
  licenses: string[] | null;
  links: Record<string, string> | null;
  maintainers: string[] | null;
  extra: Record<string, unknown> | null;
}

export interface Owner {
  userId: number;
  level: OwnerLevel;
  insertedAt: number;
}

export interface Package {
  id: number;
  /** 'hexpm' or an organization's name. */
  repository: string;
  name: string;
  meta: PackageMeta;
  owners: Owner[];
  docsUpdatedAt: number | null;
  insertedAt: number;
  updatedAt: number;
}

export interface Requirement {
  name: string;
  /** Repository of the dependency. */
  repository: string;
  app: string;
  requirement: string;
  optional: boolean;
}

export interface Retirement {
  reason: string;
  message: string | null;
}

export interface Release {
  id: number;
  packageId: number;
  version: string;
  innerChecksum: string;
  outerChecksum: string;
  hasDocs: boolean;
  meta: { app: string; buildTools: string[]; elixir: string | null };
  requirements: Requirement[];
  retirement: Retirement | null;
  publisherId: number | null;
  insertedAt: number;
  updatedAt: number;
}

/**
 * A security advisory on a package (hexpm's package_advisories, as synced from OSV): the
 * releases it affects by version. hexpm builds the registry's advisory entries from these.
 */
export interface Advisory {
  packageId: number;
  id: string;
  summary: string;
  /** none, low, medium, high or critical; null when OSV gave no rating. */
  cvssRating: string | null;
  cvssScore: number | null;
  aliases: string[];
  versions: string[];
}

export interface Secrets {
  /** HMAC key for API key secrets. */
  appSecret: string;
  jwtPrivateKeyPem: string;
  jwtPublicKeyPem: string;
  repoPrivateKeyPem: string;
  repoPublicKeyPem: string;
  caCertPem: string;
  caKeyPem: string;
  serverCertPem: string;
  serverKeyPem: string;
}

export interface Config {
  deviceInterval: number;
  basicAuth: boolean;
  /** Requests per 60 s window for a user or organization credential. */
  rateLimit: number;
  /** Requests per 60 s window for anonymous callers, per IP. */
  ipRateLimit: number;
  /** New keys in hexpm's `hex_` format (PR #1536) rather than 32 bare hex digits. */
  hexKeys: boolean;
  /** HEXPM_READ_ONLY_MODE: writes, token refreshes and logins answer 503 (notices.ts). */
  readOnly: boolean;
  /** User API keys with repository permissions: "allowed", "deprecated" (a warning) or "disabled" (refused) (notices.ts). */
  userRepositoryKeys: 'allowed' | 'deprecated' | 'disabled';
}

export const DEFAULT_CONFIG: Config = { deviceInterval: 5, basicAuth: false, rateLimit: 500, ipRateLimit: 100, hexKeys: false, readOnly: false, userRepositoryKeys: 'allowed' };

export interface Data {
  clockOffsetMs: number;
  config: Config;
  nextId: number;
  createdAt: number;
  users: User[];
  organizations: Organization[];
  keys: Key[];
  tokens: Token[];
  deviceCodes: DeviceCode[];
  packages: Package[];
  releases: Release[];
  advisories: Advisory[];
  shortUrls: Record<string, string>;
  orgSessions: OrgSession[];
  ssoAuthorizations: SsoAuthorization[];
}

export function emptyData(now: number, config: Config): Data {
  return {
    clockOffsetMs: 0,
    config,
    nextId: 1,
    createdAt: now,
    users: [],
    organizations: [],
    keys: [],
    tokens: [],
    deviceCodes: [],
    packages: [],
    releases: [],
    advisories: [],
    shortUrls: {},
    orgSessions: [],
    ssoAuthorizations: [],
  };
}

/** The registry's clock: real time plus an offset that tests advance. */
export class Clock {
  constructor(private readonly data: { clockOffsetMs: number }) {}
  now(): number {
    return Date.now() + this.data.clockOffsetMs;
  }
  advance(seconds: number): void {
    this.data.clockOffsetMs += seconds * 1000;
  }
}

/** Where state.json and stored files go; in-memory only when there is no data directory. */
export class Storage {
  private readonly blobs = new Map<string, Buffer>();
  private writes: Promise<void> = Promise.resolve();
  private failure: unknown = null;

  constructor(readonly dataDir: string | null) {}

  async loadState(): Promise<{ data: Data; secrets: Secrets } | null> {
    if (!this.dataDir) return null;
    try {
      const text = await readFile(join(this.dataDir, 'state.json'), 'utf8');
      return JSON.parse(text) as { data: Data; secrets: Secrets };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  /** Queues a snapshot; writes happen in order and `flush()` waits for them. */
  saveState(data: Data, secrets: Secrets): void {
    if (!this.dataDir) return;
    const text = JSON.stringify({ data, secrets });
    const path = join(this.dataDir, 'state.json');
    this.enqueue(() => writeFileAtomic(path, text));
  }

  getBlob(path: string): Buffer | undefined {
    return this.blobs.get(path);
  }

  async loadBlob(path: string): Promise<Buffer | undefined> {
    const cached = this.blobs.get(path);
    if (cached || !this.dataDir) return cached;
    try {
      const data = await readFile(this.blobPath(path));
      this.blobs.set(path, data);
      return data;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  putBlob(path: string, data: Buffer): void {
    this.blobs.set(path, data);
    if (!this.dataDir) return;
    const file = this.blobPath(path);
    this.enqueue(async () => {
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, data);
    });
  }

  deleteBlob(path: string): void {
    this.blobs.delete(path);
    if (!this.dataDir) return;
    const file = this.blobPath(path);
    this.enqueue(() => rm(file, { force: true }));
  }

  async flush(): Promise<void> {
    await this.writes;
    if (this.failure) throw this.failure;
  }

  private blobPath(path: string): string {
    return join(this.dataDir!, 'store', ...path.split('/'));
  }

  private enqueue(write: () => Promise<unknown>): void {
    this.writes = this.writes.then(write).then(
      () => undefined,
      (err: unknown) => {
        this.failure ??= err;
      },
    );
  }
}
