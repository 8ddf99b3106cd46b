import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import {
  RegistryError,
  dateToTimestamp,
  decodeNames,
  decodePackage,
  decodeSigned,
  decodeVersions,
  encodeNames,
  encodePackage,
  encodeSigned,
  encodeVersions,
  timestampToDate,
  RETIREMENT_REASONS,
  ADVISORY_SEVERITIES,
  type Names,
  type Package,
  type Versions,
} from '../../src/repository/protobuf.js';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/repository/${name}`, import.meta.url));
// Hex digits, with `//` comments to the end of the line.
const hex = (text: string) =>
  Buffer.from(
    text
      .split('\n')
      .map((line) => line.split('//')[0]!.replace(/\s+/g, ''))
      .join(''),
    'hex',
  );
const sha256 = (text: string) => createHash('sha256').update(text).digest();

// --- golden bytes worked out by hand from the gpb rules (tarball.md §11) ---

test('Names golden bytes: field order, nested Timestamp, absent updated_at left out', () => {
  const names: Names = {
    repository: 'hexpm',
    packages: [{ name: 'bar', updatedAt: { seconds: 300, nanos: 1 } }, { name: 'zed' }],
  };
  const expected = hex(`
    0a 0c                    // packages[1], 12 bytes
      0a 03 626172             // name "bar"
      1a 05                    // updated_at, 5 bytes
        08 ac02                  // seconds 300 (varint 0xac 0x02)
        10 01                    // nanos 1
    0a 05                    // packages[1], 5 bytes
      0a 03 7a6564             // name "zed" (no updated_at)
    12 05 686578706d         // repository "hexpm"`);
  assert.deepEqual(encodeNames(names), expected);
  assert.deepEqual(decodeNames(expected), names);
});

test('Versions golden bytes: packed retired, empty with_advisories left out, negative int32 as 10 bytes', () => {
  const versions: Versions = {
    repository: 'r',
    packages: [
      { name: 'a', versions: ['1.0.0', '2.0.0'], retired: [0, 300], withAdvisories: [] },
      { name: 'b', versions: [], retired: [-1], withAdvisories: [] },
    ],
  };
  const expected = hex(`
    0a 16                    // packages[1], 22 bytes
      0a 01 61                 // name "a"
      12 05 312e302e30         // versions "1.0.0"
      12 05 322e302e30         // versions "2.0.0"
      1a 03 00 ac02            // retired, packed: 0, 300
    0a 0f                    // packages[1], 15 bytes
      0a 01 62                 // name "b" (no versions)
      1a 0a ffffffffffffffffff01   // retired, packed: -1 sign-extended to 10 bytes
    12 01 72                 // repository "r"`);
  assert.deepEqual(encodeVersions(versions), expected);
  assert.deepEqual(decodeVersions(expected), versions);
});

test('Package golden bytes: dependency defaults left out, advisory_indexes unpacked', () => {
  const pkg: Package = {
    name: 'p',
    repository: 'r',
    advisories: [],
    releases: [
      {
        version: '1.0.0',
        innerChecksum: hex('0102'),
        dependencies: [
          // optional false, app = package, repository = this repository: all three left out
          { package: 'd', requirement: '~> 1.0', optional: false, app: 'd', repository: 'r' },
          { package: 'e', requirement: '>= 0.0.0', optional: true, app: 'e_app', repository: 'hexpm' },
        ],
        advisoryIndexes: [0, 1],
      },
    ],
  };
  const expected = hex(`
    0a 3b                    // releases[1], 59 bytes
      0a 05 312e302e30         // version "1.0.0"
      12 02 0102               // inner_checksum
      1a 0b                    // dependencies[3], 11 bytes
        0a 01 64                 // package "d"
        12 06 7e3e20312e30       // requirement "~> 1.0"
      1a 1d                    // dependencies[3], 29 bytes
        0a 01 65                 // package "e"
        12 08 3e3d20302e302e30   // requirement ">= 0.0.0"
        18 01                    // optional true
        22 05 655f617070         // app "e_app"
        2a 05 686578706d         // repository "hexpm"
      30 00 30 01              // advisory_indexes 0, 1 (one tag each)
    12 01 70                 // name "p"
    1a 01 72                 // repository "r"`);
  assert.deepEqual(encodePackage(pkg), expected);
  const decoded = decodePackage(expected);
  assert.deepEqual(decoded.releases[0]!.dependencies, [
    { package: 'd', requirement: '~> 1.0' },
    { package: 'e', requirement: '>= 0.0.0', optional: true, app: 'e_app', repository: 'hexpm' },
  ]);
});

test('Signed golden bytes; a missing signature stays missing', () => {
  const bytes = hex('0a 03 616263   12 02 ffee');
  assert.deepEqual(encodeSigned({ payload: Buffer.from('abc'), signature: hex('ffee') }), bytes);
  assert.deepEqual(decodeSigned(bytes), { payload: Buffer.from('abc'), signature: hex('ffee') });
  assert.deepEqual(encodeSigned({ payload: Buffer.from('abc') }), hex('0a03616263'));
  assert.deepEqual(decodeSigned(hex('0a03616263')), { payload: Buffer.from('abc') });
  assert.deepEqual(decodeSigned(hex('0a00')), { payload: Buffer.alloc(0) });
});

// --- byte-for-byte agreement with hex_core's gpb encoders (fixtures/repository/README.md) ---

const fixtureNames: Names = {
  repository: 'hexpm',
  packages: [
    { name: 'bar', updatedAt: { seconds: 1619818073, nanos: 999 } },
    { name: 'foo', updatedAt: { seconds: 0, nanos: 0 } },
    { name: 'zed' },
  ],
};

const fixtureVersions: Versions = {
  repository: 'hexpm',
  packages: [
    { name: 'bar', versions: ['0.1.0'], retired: [], withAdvisories: [] },
    { name: 'foo', versions: ['1.0.0-rc.1', '1.0.0', '1.1.0', '2.0.0'], retired: [0, 2], withAdvisories: [3] },
  ],
};

const fixturePackage: Package = {
  name: 'foo',
  repository: 'acme',
  releases: [
    {
      version: '1.0.0',
      innerChecksum: sha256('inner-1.0.0'),
      outerChecksum: sha256('outer-1.0.0'),
      dependencies: [
        { package: 'bar', requirement: '~> 0.1' },
        { package: 'jason', requirement: '>= 1.0.0 and < 2.0.0', optional: true, app: 'jason_app', repository: 'hexpm' },
      ],
      retired: { reason: 'security', message: 'CVE-2026-0001' },
      advisoryIndexes: [0],
      publishedAt: { seconds: 1700000000, nanos: 123000000 },
    },
    {
      version: '1.1.0',
      innerChecksum: sha256('inner-1.1.0'),
      outerChecksum: sha256('outer-1.1.0'),
      dependencies: [],
      advisoryIndexes: [0, 1],
      publishedAt: { seconds: 1700086400, nanos: 0 },
    },
    {
      version: '1.2.0',
      innerChecksum: sha256('inner-1.2.0'),
      outerChecksum: sha256('outer-1.2.0'),
      dependencies: [],
      retired: { reason: 9, message: 'a reason from the future' },
      advisoryIndexes: [],
    },
    {
      version: '2.0.0-rc.0',
      innerChecksum: sha256('inner-2.0.0-rc.0'),
      dependencies: [{ package: 'baz', requirement: '>= 0.0.0', app: 'baz_ex' }],
      retired: { reason: 'deprecated' },
      advisoryIndexes: [],
    },
  ],
  advisories: [
    {
      id: 'GHSA-abcd-1234-efgh',
      summary: 'Remote code execution via malformed input',
      htmlUrl: 'https://osv.dev/vulnerability/GHSA-abcd-1234-efgh',
      severity: 'high',
      cvssScore: 7.5,
      apiUrl: 'https://api.osv.dev/v1/vulns/GHSA-abcd-1234-efgh',
      aliases: ['CVE-2026-0001'],
    },
    {
      id: 'GHSA-wxyz-5678-ijkl',
      summary: 'Denial of service',
      htmlUrl: 'https://osv.dev/vulnerability/GHSA-wxyz-5678-ijkl',
      apiUrl: 'https://api.osv.dev/v1/vulns/GHSA-wxyz-5678-ijkl',
      aliases: [],
    },
  ],
};

test('encoding matches gpb byte for byte and decoding gpb output gives the same messages', () => {
  assert.deepEqual(encodeNames(fixtureNames), fixture('names.pb'));
  assert.deepEqual(encodeVersions(fixtureVersions), fixture('versions.pb'));
  assert.deepEqual(encodePackage(fixturePackage), fixture('package-foo.pb'));
  assert.deepEqual(decodeNames(fixture('names.pb')), fixtureNames);
  assert.deepEqual(decodeVersions(fixture('versions.pb')), fixtureVersions);
  assert.deepEqual(decodePackage(fixture('package-foo.pb')), fixturePackage);
});

test('an unknown retirement reason or severity is kept as its number', () => {
  const pkg = decodePackage(fixture('package-foo.pb'));
  assert.equal(pkg.releases[2]!.retired!.reason, 9);
  const withUnknownSeverity: Package = {
    ...fixturePackage,
    advisories: [{ ...fixturePackage.advisories[0]!, severity: 12 }],
  };
  assert.equal(decodePackage(encodePackage(withUnknownSeverity)).advisories[0]!.severity, 12);
  for (const [i, reason] of RETIREMENT_REASONS.entries()) {
    const pkg2: Package = { ...fixturePackage, releases: [{ ...fixturePackage.releases[0]!, retired: { reason } }] };
    const bytes = encodePackage(pkg2);
    // RetirementStatus = 22 02 08 <reason>: the enum numbers of hex_pb_package.proto
    assert.ok(bytes.includes(Buffer.from([0x22, 0x02, 0x08, i])), reason);
    assert.equal(decodePackage(bytes).releases[0]!.retired!.reason, reason);
  }
  assert.deepEqual([...ADVISORY_SEVERITIES], ['none', 'low', 'medium', 'high', 'critical']);
});

// --- round trips ---

const name = fc.stringMatching(/^[a-z][a-z0-9_]{0,12}$/);
const text = fc.string({ unit: 'grapheme', maxLength: 20 });
const timestamp = fc.record(
  {
    seconds: fc.integer({ min: -(2 ** 53) + 1, max: 2 ** 53 - 1 }),
    nanos: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
  },
  { noNullPrototype: true },
);
const bytes = fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a));
const int32 = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
const uint32 = fc.integer({ min: 0, max: 2 ** 32 - 1 });
const enumValue = <N extends string>(names: readonly N[]): fc.Arbitrary<N | number> =>
  fc.oneof(fc.constantFrom(...names), fc.integer({ min: names.length, max: 2 ** 31 - 1 }));

const namesArb: fc.Arbitrary<Names> = fc.record(
  {
    repository: text,
    packages: fc.array(fc.record({ name: text, updatedAt: timestamp }, { requiredKeys: ['name'], noNullPrototype: true }), { maxLength: 6 }),
  },
  { noNullPrototype: true },
);

const versionsArb: fc.Arbitrary<Versions> = fc.record(
  {
    repository: text,
    packages: fc.array(
      fc.record(
        { name: text, versions: fc.array(text, { maxLength: 5 }), retired: fc.array(int32, { maxLength: 5 }), withAdvisories: fc.array(int32, { maxLength: 5 }) },
        { noNullPrototype: true },
      ),
      { maxLength: 6 },
    ),
  },
  { noNullPrototype: true },
);

const packageArb: fc.Arbitrary<Package> = fc.string({ maxLength: 8 }).chain((repository) =>
  fc.record({
    name: text,
    repository: fc.constant(repository),
    releases: fc.array(
      fc.record(
        {
          version: text,
          innerChecksum: bytes,
          // Only what the encoder writes: optional when true, app and repository when they differ.
          dependencies: fc.array(
            fc
              .record({ package: name, requirement: text, optional: fc.constant(true), app: name, repository: fc.string({ maxLength: 8 }) }, { requiredKeys: ['package', 'requirement'], noNullPrototype: true })
              .filter((d) => d.app !== d.package && d.repository !== repository),
            { maxLength: 4 },
          ),
          retired: fc.record({ reason: enumValue(RETIREMENT_REASONS), message: text }, { requiredKeys: ['reason'], noNullPrototype: true }),
          outerChecksum: bytes,
          advisoryIndexes: fc.array(uint32, { maxLength: 4 }),
          publishedAt: timestamp,
        },
        { requiredKeys: ['version', 'innerChecksum', 'dependencies', 'advisoryIndexes'], noNullPrototype: true },
      ),
      { maxLength: 4 },
    ),
    advisories: fc.array(
      fc.record(
        {
          id: text,
          summary: text,
          htmlUrl: text,
          severity: enumValue(ADVISORY_SEVERITIES),
          cvssScore: fc.float({ noNaN: true }), // float32 values, as the field holds
          apiUrl: text,
          aliases: fc.array(text, { maxLength: 3 }),
        },
        { requiredKeys: ['id', 'summary', 'htmlUrl', 'apiUrl', 'aliases'], noNullPrototype: true },
      ),
      { maxLength: 3 },
    ),
  }, { noNullPrototype: true }),
);

test('every message survives encode then decode', () => {
  const options = { seed: 20260822, numRuns: 300 };
  fc.assert(fc.property(namesArb, (names) => assert.deepEqual(decodeNames(encodeNames(names)), names)), options);
  fc.assert(fc.property(versionsArb, (versions) => assert.deepEqual(decodeVersions(encodeVersions(versions)), versions)), options);
  fc.assert(fc.property(packageArb, (pkg) => assert.deepEqual(decodePackage(encodePackage(pkg)), pkg)), options);
  fc.assert(
    fc.property(fc.record({ payload: bytes, signature: bytes }, { requiredKeys: ['payload'], noNullPrototype: true }), (signed) =>
      assert.deepEqual(decodeSigned(encodeSigned(signed)), signed),
    ),
    options,
  );
});

test('timestamps convert to and from dates', () => {
  const date = new Date('2026-08-21T09:22:55.123Z');
  assert.deepEqual(dateToTimestamp(date), { seconds: 1787304175, nanos: 123000000 });
  assert.equal(timestampToDate({ seconds: 1787304175, nanos: 123999999 }).toISOString(), '2026-08-21T09:22:55.123Z');
  assert.deepEqual(dateToTimestamp(new Date(-1500)), { seconds: -2, nanos: 500000000 });
});

// --- hostile input ---

function assertMalformed(decode: () => unknown, detail?: RegExp) {
  assert.throws(decode, (err: unknown) => {
    assert.ok(err instanceof RegistryError, `expected a RegistryError, got ${String(err)}`);
    assert.equal(err.code, 'malformed');
    if (detail) assert.match(err.message, detail);
    return true;
  });
}

test('missing required fields are refused', () => {
  assertMalformed(() => decodeNames(hex('0a050a03626172')), /missing required 'repository'/);
  assertMalformed(() => decodeNames(hex('0a00 1201 72')), /missing required 'name'/);
  assertMalformed(() => decodeNames(hex('0a07 0a01 61 1a02 0801  1201 72')), /missing required 'nanos'/);
  assertMalformed(() => decodePackage(hex('0a07 0a05 312e302e30  1201 70 1a01 72')), /missing required 'innerChecksum'/);
  assertMalformed(() => decodePackage(hex('0a0d 0a05 312e302e30 1202 0102 2200  1201 70 1a01 72')), /missing required 'reason'/);
  assertMalformed(() => decodeSigned(Buffer.alloc(0)), /missing required 'payload'/);
});

test('every truncation of a real file is refused, unless it ends between two whole fields', () => {
  let accepted = 0;
  for (const [file, decode, encode] of [
    ['names.pb', decodeNames, encodeNames],
    ['versions.pb', decodeVersions, encodeVersions],
    ['package-foo.pb', decodePackage, encodePackage],
  ] as const) {
    const whole = fixture(file);
    for (let end = 0; end < whole.length; end++) {
      const prefix = whole.subarray(0, end);
      let message: unknown;
      try {
        message = decode(prefix);
      } catch (err) {
        assert.ok(err instanceof RegistryError && err.code === 'malformed', String(err));
        continue;
      }
      // Package ends with its advisories, so dropping whole advisories leaves a valid message,
      // which must then be exactly what was read.
      accepted++;
      assert.deepEqual((encode as (m: unknown) => Buffer)(message), prefix);
    }
  }
  assert.equal(accepted, 2);
});

test('lengths past the end, bad wire types and deep groups are refused', () => {
  assertMalformed(() => decodeNames(hex('0a64 00')), /index out of range/);
  assertMalformed(() => decodeNames(hex('0affffffff0f')));
  assertMalformed(() => decodeSigned(hex('0a03616263 0f')), /wire type/);
  // 200,000 nested start-group tags of an unknown field: stack exhaustion must not escape
  assertMalformed(() => decodeNames(Buffer.alloc(200_000, 0x7b)));
  assertMalformed(() => decodeVersions(hex('0a80808080808080808080')));
});

test('10,000 random byte strings decode or fail with a RegistryError, nothing else', () => {
  const decoders = [decodeSigned, decodeNames, decodeVersions, decodePackage];
  // Mutations of real files reach much deeper into the decoders than uniform noise does.
  const real = [fixture('names.pb'), fixture('versions.pb'), fixture('package-foo.pb')];
  const mutated = fc
    .tuple(fc.constantFrom(...real), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }))
    .map(([base, edits]) => {
      const copy = Buffer.from(base);
      for (const [at, value] of edits) copy[at % copy.length] = value;
      return copy;
    });
  const input = fc.oneof(fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)), mutated);
  fc.assert(
    fc.property(input, fc.constantFrom(...decoders), (bytes, decode) => {
      try {
        decode(bytes);
      } catch (err) {
        if (!(err instanceof RegistryError)) throw err;
      }
    }),
    { seed: 424242, numRuns: 10_000 },
  );
});

test('protobufjs is loaded on first use, not when the modules are imported', () => {
  // In a fresh process, as this one has loaded it already.
  const script = `
    import { createRequire } from 'node:module';
    const cache = createRequire(import.meta.url).cache;
    const loaded = () => Object.keys(cache).some((path) => path.includes('/protobufjs/'));
    await import(${JSON.stringify(new URL('../../src/repository/signing.ts', import.meta.url).href)});
    const pb = await import(${JSON.stringify(new URL('../../src/repository/protobuf.ts', import.meta.url).href)});
    const before = loaded();
    pb.decodeNames(pb.encodeNames({ repository: 'r', packages: [] }));
    console.log(JSON.stringify([before, loaded()]));`;
  const output = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.deepEqual(JSON.parse(output), [false, true]);
});
