// The registry v2 protobuf messages (hex_core proto/hex_pb_*.proto, proto2) as typed encode and
// decode functions. protobufjs is loaded on first use so the CLI's startup does not pay for it.
//
// Encoding follows gpb as hex_core uses it: fields in field-number order, absent optional and
// empty repeated fields left out, `retired`/`with_advisories` packed, `advisory_indexes` not.
// Enums are declared as int32 on the wire: proto2 enums are closed, and protobufjs would drop
// an unknown value (and then report the required field as missing) instead of keeping it.

import { createRequire } from 'node:module';
import type { INamespace, Type } from 'protobufjs';
import { CliError } from '../errors.js';

export type RegistryErrorCode =
  | 'malformed'
  | 'bad_gzip'
  | 'too_large'
  | 'bad_key'
  | 'bad_signature'
  | 'bad_repo_name'
  | 'bad_package_name';

/** A registry file that cannot be trusted or read; `code` says which check failed. */
export class RegistryError extends CliError {
  constructor(readonly code: RegistryErrorCode, message: string, hint?: string) {
    super(message, hint);
    this.name = 'RegistryError';
  }
}

export interface Timestamp {
  seconds: number;
  nanos: number;
}

export interface Signed {
  payload: Buffer;
  signature?: Buffer;
}

export interface NamesPackage {
  name: string;
  updatedAt?: Timestamp;
}

export interface Names {
  repository: string;
  packages: NamesPackage[];
}

export interface VersionsPackage {
  name: string;
  /** In ascending version order. */
  versions: string[];
  /** 0-based indexes into `versions`. */
  retired: number[];
  withAdvisories: number[];
}

export interface Versions {
  repository: string;
  packages: VersionsPackage[];
}

export const RETIREMENT_REASONS = ['other', 'invalid', 'security', 'deprecated', 'renamed'] as const;
export type RetirementReason = (typeof RETIREMENT_REASONS)[number];

export const ADVISORY_SEVERITIES = ['none', 'low', 'medium', 'high', 'critical'] as const;
export type AdvisorySeverity = (typeof ADVISORY_SEVERITIES)[number];

export interface RetirementStatus {
  /** A reason this client does not know stays its wire number (as the hex client prints it). */
  reason: RetirementReason | number;
  message?: string;
}

export interface Dependency {
  package: string;
  requirement: string;
  optional?: boolean;
  /** Unset: the OTP application is named like the package. */
  app?: string;
  /** Unset: the dependency lives in the same repository as the package. */
  repository?: string;
}

export interface SecurityAdvisory {
  id: string;
  summary: string;
  htmlUrl: string;
  severity?: AdvisorySeverity | number;
  cvssScore?: number;
  apiUrl: string;
  aliases: string[];
}

export interface Release {
  version: string;
  /** Raw SHA-256 of the inner tarball parts (deprecated by hex in favour of outerChecksum). */
  innerChecksum: Buffer;
  dependencies: Dependency[];
  retired?: RetirementStatus;
  /** Raw SHA-256 of the whole tarball; required when writing, may be missing in old files. */
  outerChecksum?: Buffer;
  /** Indexes into Package.advisories. */
  advisoryIndexes: number[];
  publishedAt?: Timestamp;
}

export interface Package {
  name: string;
  repository: string;
  releases: Release[];
  advisories: SecurityAdvisory[];
}

export function timestampToDate(timestamp: Timestamp): Date {
  return new Date(timestamp.seconds * 1000 + Math.floor(timestamp.nanos / 1e6));
}

export function dateToTimestamp(date: Date): Timestamp {
  const ms = date.getTime();
  const seconds = Math.floor(ms / 1000);
  return { seconds, nanos: (ms - seconds * 1000) * 1e6 };
}

// Field names are ours (camelCase); only the numbers and types matter on the wire.
const proto2 = { edition: 'proto2' } as const;
const required = (type: string, id: number) => ({ rule: 'required', type, id });
const optional = (type: string, id: number) => ({ type, id });
const repeated = (type: string, id: number, packed = false) =>
  packed ? { rule: 'repeated', type, id, options: { packed: true } } : { rule: 'repeated', type, id };

const DESCRIPTOR: INamespace = {
  nested: {
    Signed: { ...proto2, fields: { payload: required('bytes', 1), signature: optional('bytes', 2) } },
    Timestamp: { ...proto2, fields: { seconds: required('int64', 1), nanos: required('int32', 2) } },
    Names: { ...proto2, fields: { packages: repeated('NamesPackage', 1), repository: required('string', 2) } },
    NamesPackage: { ...proto2, fields: { name: required('string', 1), updatedAt: optional('Timestamp', 3) } },
    Versions: { ...proto2, fields: { packages: repeated('VersionsPackage', 1), repository: required('string', 2) } },
    VersionsPackage: {
      ...proto2,
      fields: {
        name: required('string', 1),
        versions: repeated('string', 2),
        retired: repeated('int32', 3, true),
        withAdvisories: repeated('int32', 5, true),
      },
    },
    Package: {
      ...proto2,
      fields: {
        releases: repeated('Release', 1),
        name: required('string', 2),
        repository: required('string', 3),
        advisories: repeated('SecurityAdvisory', 4),
      },
    },
    Release: {
      ...proto2,
      fields: {
        version: required('string', 1),
        innerChecksum: required('bytes', 2),
        dependencies: repeated('Dependency', 3),
        retired: optional('RetirementStatus', 4),
        outerChecksum: optional('bytes', 5),
        advisoryIndexes: repeated('uint32', 6),
        publishedAt: optional('Timestamp', 7),
      },
    },
    RetirementStatus: { ...proto2, fields: { reason: required('int32', 1), message: optional('string', 2) } },
    SecurityAdvisory: {
      ...proto2,
      fields: {
        id: required('string', 1),
        summary: required('string', 2),
        htmlUrl: required('string', 3),
        severity: optional('int32', 4),
        cvssScore: optional('float', 5),
        apiUrl: required('string', 6),
        aliases: repeated('string', 7),
      },
    },
    Dependency: {
      ...proto2,
      fields: {
        package: required('string', 1),
        requirement: required('string', 2),
        optional: optional('bool', 3),
        app: optional('string', 4),
        repository: optional('string', 5),
      },
    },
  },
};

type MessageName = 'Signed' | 'Names' | 'Versions' | 'Package';
let types: Record<MessageName, Type> | undefined;

function messageType(name: MessageName): Type {
  if (!types) {
    const protobuf = createRequire(import.meta.url)('protobufjs/light') as typeof import('protobufjs');
    const root = protobuf.Root.fromJSON(DESCRIPTOR);
    types = {
      Signed: root.lookupType('Signed'),
      Names: root.lookupType('Names'),
      Versions: root.lookupType('Versions'),
      Package: root.lookupType('Package'),
    };
  }
  return types[name];
}

function encode(name: MessageName, message: object): Buffer {
  const type = messageType(name);
  const problem = type.verify(message);
  if (problem) throw new TypeError(`cannot encode ${name}: ${problem}`);
  const bytes = type.encode(message).finish();
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

// A plain object with absent fields left out (so optional fields keep their presence) and
// int64 as numbers; any failure of a hostile payload becomes a RegistryError.
type Plain = Record<string, unknown>;

function decode(name: MessageName, bytes: Uint8Array): Plain {
  const type = messageType(name);
  // A Buffer in gives Buffers for the bytes fields.
  const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  try {
    return type.toObject(type.decode(buffer), { longs: Number, arrays: true, defaults: false }) as Plain;
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    throw new RegistryError('malformed', `malformed ${name} message: ${detail}`);
  }
}

// Drops the keys whose value is undefined, so an absent optional field is absent from the
// object (`'app' in dep` is presence, and decoded messages compare equal to their sources).
function defined<T extends object>(object: T): T {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined)) as T;
}

export function encodeSigned(signed: Signed): Buffer {
  return encode('Signed', defined({ payload: signed.payload, signature: signed.signature }));
}

export function decodeSigned(bytes: Uint8Array): Signed {
  const plain = decode('Signed', bytes);
  return defined({ payload: plain.payload as Buffer, signature: plain.signature as Buffer | undefined });
}

export function encodeNames(names: Names): Buffer {
  return encode('Names', {
    packages: names.packages.map((p) => defined({ name: p.name, updatedAt: p.updatedAt && timestamp(p.updatedAt) })),
    repository: names.repository,
  });
}

export function decodeNames(bytes: Uint8Array): Names {
  const plain = decode('Names', bytes);
  return {
    repository: plain.repository as string,
    packages: (plain.packages as Plain[]).map((p) =>
      defined({ name: p.name as string, updatedAt: p.updatedAt ? timestamp(p.updatedAt as Timestamp) : undefined }),
    ),
  };
}

export function encodeVersions(versions: Versions): Buffer {
  return encode('Versions', {
    packages: versions.packages.map((p) => ({
      name: p.name,
      versions: p.versions,
      retired: p.retired,
      withAdvisories: p.withAdvisories,
    })),
    repository: versions.repository,
  });
}

export function decodeVersions(bytes: Uint8Array): Versions {
  const plain = decode('Versions', bytes);
  return {
    repository: plain.repository as string,
    packages: (plain.packages as Plain[]).map((p) => ({
      name: p.name as string,
      versions: p.versions as string[],
      retired: p.retired as number[],
      withAdvisories: p.withAdvisories as number[],
    })),
  };
}

/**
 * Which builder's rules decide a dependency's fields. `hexpm` (hexpm's registry builder):
 * `optional` only when true, `app` only when it differs from the package name. `mix`
 * (`mix hex.registry build`): both always, `optional` false and `app` equal to the name too.
 * Either way `repository` only when it differs from the package's own repository.
 */
export type DependencyEncoding = 'hexpm' | 'mix';

export function encodePackage(pkg: Package, encoding: DependencyEncoding = 'hexpm'): Buffer {
  const mix = encoding === 'mix';
  return encode('Package', {
    releases: pkg.releases.map((release) =>
      defined({
        version: release.version,
        innerChecksum: release.innerChecksum,
        dependencies: release.dependencies.map((dep) =>
          defined({
            package: dep.package,
            requirement: dep.requirement,
            optional: mix ? dep.optional === true : dep.optional ? true : undefined,
            app: mix ? (dep.app ?? dep.package) : dep.app !== undefined && dep.app !== dep.package ? dep.app : undefined,
            repository: dep.repository !== undefined && dep.repository !== pkg.repository ? dep.repository : undefined,
          }),
        ),
        retired: release.retired && defined({ reason: enumNumber(RETIREMENT_REASONS, release.retired.reason), message: release.retired.message }),
        outerChecksum: release.outerChecksum,
        advisoryIndexes: release.advisoryIndexes,
        publishedAt: release.publishedAt && timestamp(release.publishedAt),
      }),
    ),
    name: pkg.name,
    repository: pkg.repository,
    advisories: pkg.advisories.map((a) =>
      defined({
        id: a.id,
        summary: a.summary,
        htmlUrl: a.htmlUrl,
        severity: a.severity === undefined ? undefined : enumNumber(ADVISORY_SEVERITIES, a.severity),
        cvssScore: a.cvssScore,
        apiUrl: a.apiUrl,
        aliases: a.aliases,
      }),
    ),
  });
}

export function decodePackage(bytes: Uint8Array): Package {
  const plain = decode('Package', bytes);
  return {
    name: plain.name as string,
    repository: plain.repository as string,
    releases: (plain.releases as Plain[]).map((r) => {
      const retired = r.retired as Plain | undefined;
      return defined({
        version: r.version as string,
        innerChecksum: r.innerChecksum as Buffer,
        dependencies: (r.dependencies as Plain[]).map((d) =>
          defined({
            package: d.package as string,
            requirement: d.requirement as string,
            optional: d.optional as boolean | undefined,
            app: d.app as string | undefined,
            repository: d.repository as string | undefined,
          }),
        ),
        retired: retired && defined({ reason: enumName(RETIREMENT_REASONS, retired.reason as number), message: retired.message as string | undefined }),
        outerChecksum: r.outerChecksum as Buffer | undefined,
        advisoryIndexes: r.advisoryIndexes as number[],
        publishedAt: r.publishedAt ? timestamp(r.publishedAt as Timestamp) : undefined,
      });
    }),
    advisories: (plain.advisories as Plain[]).map((a) =>
      defined({
        id: a.id as string,
        summary: a.summary as string,
        htmlUrl: a.htmlUrl as string,
        severity: a.severity === undefined ? undefined : enumName(ADVISORY_SEVERITIES, a.severity as number),
        cvssScore: a.cvssScore as number | undefined,
        apiUrl: a.apiUrl as string,
        aliases: a.aliases as string[],
      }),
    ),
  };
}

function timestamp(t: Timestamp): Timestamp {
  return { seconds: t.seconds, nanos: t.nanos };
}

function enumNumber<N extends string>(names: readonly N[], value: N | number): number {
  if (typeof value === 'number') return value;
  const index = names.indexOf(value);
  if (index < 0) throw new TypeError(`unknown enum value ${JSON.stringify(value)}`);
  return index;
}

function enumName<N extends string>(names: readonly N[], value: number): N | number {
  return names[value] ?? value;
}
