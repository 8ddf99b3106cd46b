import { RateLimiter } from './ratelimit.js';
import type { Clock, Data, Key, Organization, Package, Release, Secrets, Storage, User } from './state.js';

// What every part of the registry shares: the data, the secrets, the clock, the storage and
// the base URL; plus lookups used everywhere. Domain operations live in accounts.ts,
// oauth.ts and packages.ts; HTTP handling in http.ts and routes/.

export const HEXPM = 'hexpm';

export class Core {
  url = '';
  readonly limiter = new RateLimiter();
  /** The signed registry files by path (`names`, `repos/<org>/packages/<name>`, …). */
  readonly repositoryFiles = new Map<string, Buffer>();

  constructor(
    readonly data: Data,
    readonly secrets: Secrets,
    readonly clock: Clock,
    readonly storage: Storage,
  ) {}

  now(): number {
    return this.clock.now();
  }

  nextId(): number {
    return this.data.nextId++;
  }

  /** Records that the data changed, so it is persisted. */
  changed(): void {
    this.storage.saveState(this.data, this.secrets);
  }

  user(id: number | null): User | undefined {
    return id === null ? undefined : this.data.users.find((u) => u.id === id);
  }

  userByName(username: string): User | undefined {
    return this.data.users.find((u) => u.username === username);
  }

  /** hexpm's Users.get: a username, or a verified email address. */
  userByNameOrEmail(nameOrEmail: string): User | undefined {
    if (!nameOrEmail.includes('@')) return this.userByName(nameOrEmail);
    const email = nameOrEmail.toLowerCase();
    return this.data.users.find((u) => u.emails.some((e) => e.email === email && e.verified));
  }

  /** hexpm's Users.public_get: a username, or a verified public email address. */
  publicUser(nameOrEmail: string): User | undefined {
    if (!nameOrEmail.includes('@')) return this.userByName(nameOrEmail);
    const email = nameOrEmail.toLowerCase();
    return this.data.users.find((u) => u.emails.some((e) => e.email === email && e.verified && e.public));
  }

  organization(id: number | null): Organization | undefined {
    return id === null ? undefined : this.data.organizations.find((o) => o.id === id);
  }

  organizationByName(name: string): Organization | undefined {
    return this.data.organizations.find((o) => o.name === name);
  }

  /** The organizations a user is a member of, by name. */
  organizationsOf(user: User): Organization[] {
    return this.data.organizations
      .filter((o) => o.members.some((m) => m.userId === user.id))
      .sort((a, b) => compareStrings(a.name, b.name));
  }

  /** A repository is hexpm or an organization's; null when there is no such repository. */
  repositoryExists(name: string): boolean {
    return name === HEXPM || this.organizationByName(name) !== undefined;
  }

  repositoryOrganization(repository: string): Organization | undefined {
    return repository === HEXPM ? undefined : this.organizationByName(repository);
  }

  package(repository: string, name: string): Package | undefined {
    return this.data.packages.find((p) => p.repository === repository && p.name === name);
  }

  packageById(id: number): Package | undefined {
    return this.data.packages.find((p) => p.id === id);
  }

  releasesOf(pkg: Package): Release[] {
    return this.data.releases.filter((r) => r.packageId === pkg.id);
  }

  release(pkg: Package, version: string): Release | undefined {
    return this.data.releases.find((r) => r.packageId === pkg.id && r.version === version);
  }

  keysOf(owner: { userId: number } | { organizationId: number }): Key[] {
    return this.data.keys.filter((k) =>
      'userId' in owner ? k.userId === owner.userId : k.organizationId === owner.organizationId,
    );
  }
}

export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
