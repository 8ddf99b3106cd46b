// Fuzz suite (issue 9): hostile input to each reader of outside data gives that reader's own
// error or a sound result — never another exception, never a hang. fast-check, fixed seeds,
// at least 10,000 cases per reader. No case is timed (speed is for bench/): a case that never
// ends is stopped by the runner's watchdog (--test-timeout in test/run.mjs), which, unlike a
// timer in this process, also stops a synchronous loop.
//
// Where another suite already meets that bar, nothing is repeated here:
//   mix.exs parser     test/elixir/fuzz.test.ts: 12,000 cases, ElixirSyntaxError only.
//   mix.exs evaluator  test/elixir/evaluator-fuzz.test.ts: 14,000 cases, the evaluator's own errors only.
// What this file adds:
//   Hex tarball reader 10,000 broken tarballs in memory and 600 unpacked to disk. Elsewhere only hand-made
//                      bad tarballs (test/package/unpack.test.ts).
//   Erlang term text   10,000 mutated metadata.config and hex.config files, the files it really reads.
//                      test/erlang/text.test.ts has 2 × 5,000 cases of random text and token soup (seeds 7
//                      and 8).
//   registry protobuf  10,000 fixture payloads mutated with wire-format fragments (tags of every wire type,
//                      endless and overlong varints, lengths past the end), and 1,000 signed files through
//                      openRegistryResource as `package fetch` reads them. test/repository/protobuf.test.ts
//                      has 10,000 cases of noise and byte flips (seed 424242) with no time bound.
//   Hex requirements   10,000 long (up to 400 comparisons) and mutated requirements, also as registry
//                      versions. test/repository/requirement.test.ts has 10,000 strings of at most 30
//                      characters (seed 20260822) with no time bound.
//   registry strings   10,000 strings with control characters (ANSI/OSC sequences, C1, DEL, lone ESC) through
//                      Output and tables (nothing raw reaches the terminal, --json exact), 10,000 JSON values of
//                      any shape through every answer shape (the value itself or an UnexpectedAnswerError), and
//                      300 mutated answers from the local registry through the commands that print them.
//                      test/quality/hostile-registry.test.ts has the hand-made cases.
// The ETF decoder (src/erlang/etf.ts) reads nothing from outside in hexts itself (only the test registry
// uses it); test/erlang/etf.test.ts gives it 6,000 + 4,000 cases (seeds 9 and 10).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { ApiClient } from '../../src/api/client.js';
import { UnexpectedAnswerError } from '../../src/api/errors.js';
import { authCheck } from '../../src/api/auth.js';
import { key, newKey } from '../../src/api/keys.js';
import { deviceAuthorizationShape, tokenResponse } from '../../src/api/oauth.js';
import { organization } from '../../src/api/organizations.js';
import { packageOwner } from '../../src/api/owners.js';
import { pkg } from '../../src/api/packages.js';
import { release } from '../../src/api/releases.js';
import { array, checked, type Shape } from '../../src/api/shape.js';
import { user } from '../../src/api/users.js';
import { TermSyntaxError, parseTerms } from '../../src/erlang/text.js';
import { Output, style, type Text } from '../../src/io/output.js';
import { renderTable } from '../../src/io/table.js';
import { TarballError } from '../../src/package/tar/error.js';
import { unpackPackageTarball, type UnpackedPackage } from '../../src/package/unpack.js';
import { RegistryError, decodeNames, decodePackage, decodeSigned, decodeVersions, encodeSigned } from '../../src/repository/protobuf.js';
import { InvalidRequirementError, matches, newestMatching, parseRequirement, toSemverRange } from '../../src/repository/requirement.js';
import { openRegistryResource, signPayload } from '../../src/repository/signing.js';
import { runCli, scratchHome } from '../helpers/cli.js';
import { builtCaseNames, loadBuiltCase } from '../helpers/corpus.js';
import { cliEnv, testRegistry } from '../helpers/registry.js';
import { makeTarball } from '../../registry/tarballs.js';
import { call } from '../registry/test-client.js';
import {
  assemble,
  escapeEntries,
  extendedEntry,
  fieldEdit,
  fixChecksum,
  gzip,
  gzipEdits,
  header,
  joinTar,
  packageParts,
  put,
  splitTar,
  type PackageParts,
  type RawEntry,
} from './tar-mutations.js';


// --- the Hex tarball reader ---

/** Small enough that bombs are cheap to build and to stop, large enough for every real package. */
const LIMIT = 256 * 1024;
const TARBALL_CODES = new Set([
  'too_big_compressed', 'too_big_uncompressed', 'file_too_big', 'unsafe_path', 'unsafe_symlink', 'unsupported_file_type', 'unwritable_path',
  'file_error', 'empty', 'missing_files', 'invalid_files', 'bad_version', 'invalid_checksum', 'checksum_mismatch', 'metadata', 'tar', 'inner_tar', 'docs',
]);

/** hex_core's rule, written out independently: no absolute or drive path, never above the root. */
function staysInside(path: string): boolean {
  if (/^[\\/]/.test(path) || /^[A-Za-z]:/.test(path)) return false;
  let depth = 0;
  for (const part of path.split(/[\\/]/)) {
    if (part === '..') depth--;
    else if (part !== '' && part !== '.') depth++;
    if (depth < 0) return false;
  }
  return true;
}

function assertTarballError(err: unknown): void {
  if (!(err instanceof TarballError)) throw err;
  assert.ok(TARBALL_CODES.has(err.code), `unknown code ${err.code}`);
  assert.ok(err.message.length > 0 && !err.message.includes('undefined'), err.message);
}

/** What a package the reader accepted must satisfy: every path and link target stays inside. */
function assertSound(result: UnpackedPackage): void {
  assert.equal(result.version, '3');
  assert.match(result.innerChecksum, /^[0-9A-F]{64}$/);
  for (const entry of result.contents ?? []) {
    assert.ok(staysInside(entry.path), `accepted the unsafe path ${entry.path}`);
    if (entry.type === 'symlink') {
      const target = entry.linkname!;
      const from = entry.path.split(/[\\/]/).slice(0, -1).join('/');
      assert.ok(staysInside(from === '' ? target : `${from}/${target}`), `accepted the unsafe symlink ${entry.path} -> ${target}`);
    }
  }
}

interface Base {
  tarball: Buffer;
  parts: PackageParts;
}

const bases: Base[] = builtCaseNames().map((name) => {
  const { tarball } = loadBuiltCase(name);
  return { tarball, parts: packageParts(tarball) };
});

const base = fc.constantFrom(...bases);
const edits = fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 });

/** Byte edits anywhere, or (`headersOnly`) inside header blocks, where the parser branches. */
function withEdits(bytes: Buffer, changes: Array<[number, number]>, headersOnly: boolean): Buffer {
  const copy = Buffer.from(bytes);
  const headers = headersOnly ? headerOffsets(bytes) : [];
  for (const [at, value] of changes) copy[headersOnly ? headers[at % headers.length]! + ((at >>> 8) % 512) : at % copy.length] = value;
  return copy;
}

function headerOffsets(tar: Buffer): number[] {
  const offsets: number[] = [];
  let at = 0;
  for (const entry of splitTar(tar)) {
    offsets.push(at);
    at += 512 + Math.ceil(entry.data.length / 512) * 512;
  }
  return offsets;
}

/** Failing cases print as their size and hash, not as thousands of bytes; the seed and path replay them. */
const described = (arbitrary: fc.Arbitrary<Buffer>) =>
  arbitrary.map((bytes) => Object.assign(bytes, { [fc.toStringMethod]: () => `<${bytes.length} bytes, sha256 ${createHash('sha256').update(bytes).digest('hex').slice(0, 16)}>` }));

const innerWith = (parts: PackageParts, inner: Buffer) => assemble({ version: parts.version, metadata: parts.metadata, contents: gzip(inner) });

/** Edits one header of a tar, keeping (or not) its checksum right. */
const headerEdit = (tar: Buffer, index: number, field: { field: Parameters<typeof put>[1]; value: Buffer }, keepChecksum: boolean) => {
  const entries = splitTar(tar);
  const entry = entries[index % entries.length]!;
  put(entry.header, field.field, field.value);
  if (keepChecksum && field.field !== 'checksum') fixChecksum(entry.header);
  return joinTar(entries);
};

/** Inserts entries at a position of the inner tar. */
const inject = (inner: Buffer, at: number, extra: RawEntry[]) => {
  const entries = splitTar(inner);
  entries.splice(at % (entries.length + 1), 0, ...extra);
  return joinTar(entries);
};

const tarballCase = described(fc.oneof(
  // The outer tar: raw bytes anywhere or in headers, truncated, extended with garbage.
  fc.tuple(base, edits, fc.boolean()).map(([b, changes, headersOnly]) => withEdits(b.tarball, changes, headersOnly)),
  fc.tuple(base, fc.nat()).map(([b, cut]) => b.tarball.subarray(0, cut % b.tarball.length)),
  fc.tuple(base, fc.uint8Array({ minLength: 1, maxLength: 1100 })).map(([b, tail]) => Buffer.concat([b.tarball.subarray(0, b.tarball.length - 1024), tail])),
  // One field of one outer header, with a matching header checksum.
  fc.tuple(base, fc.nat(), fieldEdit, fc.boolean()).map(([b, index, field, keep]) => headerEdit(b.tarball, index, field, keep)),
  // The inner tar (its gzip and the CHECKSUM recomputed): header fields, raw bytes, injected entries.
  fc.tuple(base, fc.nat(), fieldEdit, fc.boolean()).map(([b, index, field, keep]) => innerWith(b.parts, headerEdit(b.parts.inner, index, field, keep))),
  fc.tuple(base, edits).map(([b, changes]) => innerWith(b.parts, withEdits(b.parts.inner, changes, true))),
  fc.tuple(base, fc.nat(), fc.array(extendedEntry, { minLength: 1, maxLength: 3 })).map(([b, at, extra]) => innerWith(b.parts, inject(b.parts.inner, at, extra))),
  fc.tuple(base, fc.nat(), escapeEntries).map(([b, at, extra]) => innerWith(b.parts, inject(b.parts.inner, at, extra))),
  fc.tuple(base, fc.nat()).map(([b, cut]) => innerWith(b.parts, b.parts.inner.subarray(0, cut % b.parts.inner.length))),
  // contents.tar.gz itself: bombs, nested gzip, cut and flipped streams.
  base.chain((b) => gzipEdits(b.parts.inner, LIMIT).map((contents) => assemble({ version: b.parts.version, metadata: b.parts.metadata, contents }))),
  // metadata.config and VERSION, CHECKSUM kept right.
  fc.tuple(base, edits).map(([b, changes]) => assemble({ version: b.parts.version, metadata: withEdits(b.parts.metadata, changes, false), contents: gzip(b.parts.inner) })),
  fc.tuple(base, fc.constantFrom('', '2', '3\n', ' 3', '33', '\u00003', '3'.repeat(40))).map(([b, version]) =>
    assemble({ version: Buffer.from(version), metadata: b.parts.metadata, contents: gzip(b.parts.inner) })),
  // Members: duplicated, extra, extended headers and escapes in the outer tar.
  fc.tuple(base, fc.nat(), fc.oneof(extendedEntry.map((e) => [e]), escapeEntries)).map(([b, at, extra]) => inject(b.tarball, at, extra)),
  fc.tuple(base, fc.nat(), fc.nat()).map(([b, i, j]) => {
    const entries = splitTar(b.tarball);
    entries.splice(j % (entries.length + 1), 0, entries[i % entries.length]!);
    return joinTar(entries);
  }),
));

describe('fuzz: the Hex tarball reader', () => {
  test('10,000 broken tarballs: a TarballError or a package whose paths all stay inside', async () => {
    assert.ok(bases.length >= 10);
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(tarballCase, async (tarball) => {
        try {
          assertSound(await unpackPackageTarball(tarball, { limits: { maxUncompressedSize: LIMIT } }));
          accepted++;
        } catch (err) {
          assertTarballError(err);
        }
      }),
      { seed: 0x7a2b, numRuns: 10_000, endOnFailure: true, includeErrorInReport: true },
    );
    // Some edits are harmless (a changed mtime, say); most must be refused.
    assert.ok(accepted > 100 && accepted < 5000, `accepted ${accepted}`);
  });

  const scratch = mkdtempSync(join(tmpdir(), 'hexts-fuzz-unpack-'));
  after(() => rmSync(scratch, { recursive: true, force: true }));

  test('600 hostile tarballs unpacked to disk: a TarballError and nothing left behind, or every file inside', async () => {
    let n = 0;
    const diskCase = described(fc.oneof(
      fc.tuple(base, fc.nat(), escapeEntries).map(([b, at, extra]) => innerWith(b.parts, inject(b.parts.inner, at, extra))),
      fc.tuple(base, fc.nat(), fc.array(extendedEntry, { minLength: 1, maxLength: 2 })).map(([b, at, extra]) => innerWith(b.parts, inject(b.parts.inner, at, extra))),
      fc.tuple(base, fc.nat(), fieldEdit).map(([b, index, field]) => innerWith(b.parts, headerEdit(b.parts.inner, index, field, true))),
      base.chain((b) => gzipEdits(b.parts.inner, LIMIT).map((contents) => assemble({ version: b.parts.version, metadata: b.parts.metadata, contents }))),
    ));
    await fc.assert(
      fc.asyncProperty(diskCase, async (tarball) => {
        const parent = join(scratch, String(n++));
        const out = join(parent, 'out');
        try {
          const result = await unpackPackageTarball(tarball, { output: { directory: out }, limits: { maxUncompressedSize: LIMIT } });
          assertSound(result);
          assert.deepEqual(readdirSync(parent), ['out']);
          assertAllInside(out);
        } catch (err) {
          assertTarballError(err);
          assert.deepEqual(existsSync(parent) ? readdirSync(parent) : [], [], 'a failed unpack left files behind');
        } finally {
          rmSync(parent, { recursive: true, force: true });
        }
      }),
      { seed: 0x7a2c, numRuns: 600, endOnFailure: true, includeErrorInReport: true },
    );
  });

  // Found by the run above: these gave mkdir's bare ENOTDIR or EEXIST instead of a TarballError.
  test('a file where a directory must go is refused as a TarballError, and nothing is left', async () => {
    const [first] = bases;
    for (const second of [{ name: 'a/b', typeflag: '0' }, { name: 'a/b/', typeflag: '5' }, { name: 'a/b', typeflag: '2' }]) {
      const inner = joinTar([
        { header: header({ name: 'a', typeflag: '0', size: 1 }), data: Buffer.from('x') },
        { header: header({ ...second, size: second.typeflag === '0' ? 1 : 0, linkname: 'x' }), data: Buffer.from(second.typeflag === '0' ? 'y' : '') },
      ]);
      const parent = join(scratch, `enotdir-${second.typeflag}`);
      await assert.rejects(unpackPackageTarball(innerWith(first!.parts, inner), { output: { directory: join(parent, 'out') } }), (err: unknown) => {
        assert.ok(err instanceof TarballError, String(err));
        assert.equal(err.code, 'file_error');
        assert.match(err.message, /^cannot unpack a\/b\/?: (ENOTDIR|EEXIST)$/);
        return true;
      });
      assert.deepEqual(existsSync(parent) ? readdirSync(parent) : [], []);
    }
  });
});

/** Every entry under `root`, symlinks resolved where they resolve, is inside `root`. */
function assertAllInside(root: string): void {
  const real = realpathSync.native(root);
  for (const entry of readdirSync(root, { recursive: true, withFileTypes: true })) {
    const path = join(entry.parentPath, entry.name);
    if (!lstatSync(path).isSymbolicLink()) continue;
    const target = join(dirname(path), readlinkSync(path));
    const rel = relative(root, target);
    assert.ok(!rel.startsWith(`..${sep}`) && rel !== '..' && !rel.startsWith(sep), `${path} links outside: ${readlinkSync(path)}`);
    // The OS's own resolution (JavaScript's realpathSync reads `..` as text, so it misses chains).
    const resolved = existsSync(path) ? realpathSync.native(path) : undefined;
    if (resolved !== undefined) assert.ok(resolved === real || resolved.startsWith(real + sep), `${path} resolves outside`);
  }
}

// --- shared: edits to text and bytes ---

type Edit = { kind: 'delete' | 'insert' | 'duplicate' | 'replace' | 'repeat'; at: number; length: number; text: Buffer; times: number };

/** Deletes, inserts, duplicates and repeats spans: changes that keep most of the structure around them. */
function editArbitrary(fragments: string[]): fc.Arbitrary<Edit[]> {
  const edit = fc.record({
    kind: fc.constantFrom<Edit['kind']>('delete', 'insert', 'duplicate', 'replace', 'repeat'),
    at: fc.nat(),
    length: fc.nat({ max: 40 }),
    text: fc.oneof(fc.constantFrom(...fragments).map((s) => Buffer.from(s)), fc.uint8Array({ maxLength: 6 }).map((a) => Buffer.from(a))),
    times: fc.integer({ min: 2, max: 3000 }),
  });
  return fc.array(edit, { minLength: 1, maxLength: 5 });
}

function applyEdits(source: Buffer, edits: Edit[]): Buffer {
  let s = source;
  for (const e of edits) {
    const at = e.at % (s.length + 1);
    const span = s.subarray(at, at + e.length);
    if (e.kind === 'delete') s = Buffer.concat([s.subarray(0, at), s.subarray(at + e.length)]);
    else if (e.kind === 'insert') s = Buffer.concat([s.subarray(0, at), e.text, s.subarray(at)]);
    else if (e.kind === 'duplicate') s = Buffer.concat([s.subarray(0, at + span.length), span, s.subarray(at + span.length)]);
    else if (e.kind === 'replace') s = Buffer.concat([s.subarray(0, at), e.text, s.subarray(at + e.text.length)]);
    // The same fragment many times over: deep nesting, long lists, long numbers.
    else s = Buffer.concat([s.subarray(0, at), Buffer.concat(Array<Buffer>(e.times).fill(e.text)), s.subarray(at)]);
  }
  return s;
}

/** Runs `read` on `input`: it returns, or throws `errorClass` with a message. */
function onlyOwnError(errorClass: new (...args: never[]) => Error, read: () => unknown): void {
  try {
    read();
  } catch (err) {
    if (!(err instanceof errorClass)) throw err;
    assert.ok(err.message.length > 0);
  }
}

// --- the Erlang term text reader (metadata.config in every tarball, mix's hex.config) ---

describe('fuzz: the Erlang term text reader', () => {
  const dirs = ['metadata', 'hex-config'].map((d) => new URL(`../fixtures/erlang/${d}/`, import.meta.url));
  const files = dirs.flatMap((dir) => readdirSync(dir).map((name) => readFileSync(new URL(name, dir))));
  const fragments = [
    '{', '}', '[', ']', '#{', '=>', '<<', '>>', '"', "'", ',', '|', '.', '. ', '.\n', '$', '$\\', '\\', '\\x{', '16#', '36#z', '1e', '1.0e-',
    '-', '+', '/utf8', ':8', 'atom', 'Var', '_', '%', '%c\n', '\n', '[1|2]', '0.5e-3', '#{a=>1}', '<<1,2>>', '9'.repeat(40), '\u00e9', '\u{1F600}',
    "'$repos'", '<<"hexpm:acme">>', 'auth_key', '<<"a"/utf8>>',
  ];
  const text = described(fc.tuple(fc.constantFrom(...files), editArbitrary(fragments)).map(([file, edits]) => applyEdits(file, edits)));

  test('10,000 mutated metadata.config and hex.config files: terms or a TermSyntaxError', () => {
    assert.ok(files.length >= 20);
    fc.assert(
      fc.property(text, (bytes) => onlyOwnError(TermSyntaxError, () => parseTerms(bytes))),
      { seed: 0x7e47, numRuns: 10_000, endOnFailure: true, includeErrorInReport: true },
    );
  });
});

// --- the registry's protobuf messages and the signed files that carry them ---

describe('fuzz: the registry protobuf reader', () => {
  const fixture = (name: string) => readFileSync(new URL(`../fixtures/repository/${name}`, import.meta.url));
  const payloads = [fixture('names.pb'), fixture('versions.pb'), fixture('package-foo.pb')];
  // Tags of every wire type, varints that never end or overflow, lengths far past the end.
  const fragments = ['\x0a', '\x12', '\x1a', '\x22', '\x08', '\x10', '\x18', '\x28', '\x0b', '\x0c', '\x0d', '\x09', '\x0f', '\x7b', '\x00',
    '\xff\xff\xff\xff\x0f', '\x80\x80\x80\x80\x80\x80\x80\x80\x80\x01', '\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff', '\x0a\xff\xff\xff\x07', '\x0a\x00', '\x12\x05hexpm']
    .map((s) => Buffer.from(s, 'latin1').toString('latin1'));
  const edits = editArbitrary(fragments).map((list) => list.map((e) => ({ ...e, text: Buffer.from(e.text.toString('latin1'), 'latin1') })));
  const mutated = fc.tuple(fc.constantFrom(...payloads), edits).map(([payload, list]) => applyEdits(payload, list));
  const decoders = [decodeSigned, decodeNames, decodeVersions, decodePackage];

  test('10,000 mutated messages through every decoder: a message or a RegistryError', () => {
    fc.assert(
      fc.property(described(mutated), fc.constantFrom(...decoders), (bytes, decode) => onlyOwnError(RegistryError, () => decode(bytes))),
      { seed: 0x9b0f, numRuns: 10_000, endOnFailure: true, includeErrorInReport: true },
    );
  });

  test('1,000 signed files with mutated payloads, signatures and gzip: a record or a RegistryError', () => {
    const privateKey = fixture('test-private.pem').toString();
    const publicKey = fixture('test-public.pem').toString();
    const kinds = [
      { kind: 'names', repository: 'hexpm' },
      { kind: 'versions', repository: 'hexpm' },
      { kind: 'package', repository: 'acme', name: 'foo' },
    ] as const;
    const sealed = fc.oneof(
      // A valid signature over a mutated payload: the decoder and the name checks see it.
      mutated.map((payload) => gzipSync(encodeSigned({ payload, signature: signPayload(payload, privateKey) }))),
      // A mutated Signed envelope or gzip stream around a real payload.
      fc.tuple(fc.constantFrom(...payloads), edits).map(([payload, list]) => gzipSync(applyEdits(encodeSigned({ payload, signature: signPayload(payload, privateKey) }), list))),
      fc.tuple(fc.constantFrom(...payloads), edits).map(([payload, list]) => applyEdits(gzipSync(encodeSigned({ payload, signature: signPayload(payload, privateKey) })), list)),
    );
    fc.assert(
      fc.property(described(sealed), fc.constantFrom(...kinds), (gzipped, expected) =>
        onlyOwnError(RegistryError, () => openRegistryResource(gzipped, publicKey, expected))),
      { seed: 0x9b10, numRuns: 1000, endOnFailure: true, includeErrorInReport: true },
    );
  });
});

// --- Hex requirements (from mix.exs deps, registry dependencies, `package fetch NAME@REQ`) ---

describe('fuzz: Hex requirement parsing', () => {
  const version = fc.tuple(fc.nat({ max: 12 }), fc.nat({ max: 12 }), fc.nat({ max: 12 }), fc.constantFrom('', '-rc.1', '-0', '-alpha.beta', '+build.5', '-dev+x'))
    .map(([a, b, c, tail]) => `${a}.${b}.${c}${tail}`);
  const comparison = fc.tuple(fc.constantFrom('', '== ', '!= ', '> ', '>= ', '< ', '<= ', '~> ', '~>'), version, fc.boolean())
    .map(([op, v, short]) => `${op}${op.startsWith('~') && short ? v.split('.').slice(0, 2).join('.') : v}`);
  // Long requirements: parsing must stay linear, whatever the joins.
  const long = fc.array(fc.tuple(comparison, fc.constantFrom(' and ', ' or ', ' and  ', ' or\t')), { minLength: 1, maxLength: 400 })
    .map((parts) => parts.map(([c, join]) => c + join).join('').replace(/ (and|or)\s*$/, ''));
  const fragments = ['~>', '>=', '<=', '==', '!=', '>', '<', ' and ', ' or ', 'and', 'or', '1.0.0', '-rc.1', '+build', '.', ' ', '0', '01', '-', '+',
    '99999999999999999999', '\t', '\u00e9', '\u0000', '1.0'];
  const text = fc.oneof(long, fc.tuple(long, editArbitrary(fragments)).map(([req, edits]) => applyEdits(Buffer.from(req), edits).toString('utf8')));

  test('10,000 long and mutated requirements: a requirement that can be matched, or an InvalidRequirementError', () => {
    fc.assert(
      fc.property(text, (requirement) =>
        onlyOwnError(InvalidRequirementError, () => {
          const parsed = parseRequirement(requirement);
          assert.ok(parsed.anyOf.length > 0 && parsed.anyOf.every((all) => all.length > 0));
          assert.equal(typeof matches('1.2.3', parsed), 'boolean');
          assert.equal(typeof toSemverRange(parsed), 'string');
          // Versions from a registry are outside data too: unparsable ones are skipped.
          newestMatching(['1.0.0', '2.0.0-rc.1', requirement, requirement.slice(0, 12), '1.2.3'], parsed);
        })),
      { seed: 0x4ec5, numRuns: 10_000, endOnFailure: true, includeErrorInReport: true },
    );
  });
});

// --- registry strings with control characters (issue 14), and answers of any shape ---

describe('fuzz: registry strings with control characters', () => {
  // What a hostile registry puts in a description, a username, a retirement message…
  const sequences = ['\u001b', '\u001b[', '\u001b[2J', '\u001b[1;31m', '\u001b[H', '\u001b]0;title\u0007', '\u001b]8;;https://evil.example/\u001b\\', '\u001bP',
    '\u001b\\', '\u009b', '\u009d', '\u0090', '\u0085', '\u007f', '\u0000', '\u0007', '\b', '\r', '\r\n', '\n', '\t', '\v', '\f', '\\x1b', '\u202e'];
  const registryString = fc.array(fc.oneof(fc.string({ unit: 'binary', maxLength: 6 }), fc.constantFrom(...sequences)), { maxLength: 12 }).map((parts) => parts.join(''));
  /** A control character as the terminal would act on it (tab and newline are layout). */
  const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;
  /** The codes of hexts's own styles, the only escape sequences it may write. */
  const OWN_STYLES = /\u001b\[(1|2|4|22|24|31|32|33|39)m/g;

  function capture(color: boolean) {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const chunks: string[] = [];
    stdout.on('data', (c) => chunks.push(String(c)));
    stderr.on('data', (c) => chunks.push(String(c)));
    const out = new Output({ stdin: new PassThrough(), stdout, stderr }, color ? { FORCE_COLOR: '1' } : {}, true);
    return { out, text: () => chunks.join('') };
  }

  const styled = fc.tuple(registryString, registryString, fc.constantFrom('red', 'yellow', 'green', 'bold', 'dim', 'underline') as fc.Arbitrary<keyof typeof style>)
    .map(([a, b, name]): Text => [a, style[name]([b, style.bold(a)]), `${style.dim(b)}`]);

  test('10,000 strings printed, styled, as errors, in tables and as JSON: nothing raw reaches the terminal; JSON exact', () => {
    fc.assert(
      fc.property(styled, registryString, fc.array(fc.array(registryString, { minLength: 3, maxLength: 3 }), { maxLength: 4 }), (text, plainText, rows) => {
        const plain = capture(false);
        const colored = capture(true);
        for (const { out } of [plain, colored]) {
          out.print(text);
          out.info(plainText);
          out.warn(text);
          out.error(plainText, text);
          for (const line of renderTable(['A', 'B', 'C'], rows, style.underline)) out.print(line);
        }
        assert.equal(RAW_CONTROL.exec(plain.text()), null);
        assert.equal(RAW_CONTROL.exec(colored.text().replace(OWN_STYLES, '')), null);
        // Styles add their codes and nothing else.
        assert.equal(colored.text().replace(OWN_STYLES, ''), plain.text());
        // A table row stays one line whatever its cells hold.
        const table = capture(false);
        for (const line of renderTable(['A', 'B', 'C'], rows)) table.out.print(line);
        assert.equal(table.text().split('\n').length, rows.length + 2);
        // Text without control characters is printed as it is.
        const clean = plainText.replace(/[\u0000-\u001f\u007f-\u009f]/g, '');
        const cleanOut = capture(false);
        cleanOut.out.print(clean);
        assert.equal(cleanOut.text(), `${clean}\n`);
        // --json: the same strings back, and no raw control character on the way.
        const json = capture(false);
        json.out.json({ text: plainText, rows });
        assert.deepEqual(JSON.parse(json.text()), { text: plainText, rows });
        assert.equal(RAW_CONTROL.exec(json.text()), null);
      }),
      { seed: 0x1e5c, numRuns: 10_000, endOnFailure: true, includeErrorInReport: true },
    );
  });

  test('10,000 JSON values of any shape through every answer shape: the value itself, or an UnexpectedAnswerError', async () => {
    const client = new ApiClient({ apiUrl: 'https://127.0.0.1:9/api', userAgent: 'fuzz', timeoutMs: 1000 });
    const shapes: Array<Shape<unknown>> = [user, array(user), packageOwner, array(packageOwner), key, array(key), newKey, pkg, array(pkg), release,
      organization, authCheck, deviceAuthorizationShape, tokenResponse];
    // Plausible answers to mutate, and plain noise.
    const valid = fc.constantFrom<unknown>(
      { username: 'a', organizations: [{ name: 'o', role: 'admin' }], packages: [{ name: 'p', repository: 'hexpm', url: 'u', html_url: 'h' }] },
      { name: 'k', permissions: [{ domain: 'api', resource: null }], inserted_at: 'x', updated_at: 'y', revoke_at: null, last_use: { used_at: null }, secret: 's' },
      { repository: 'hexpm', name: 'p', meta: { description: 'd', licenses: ['MIT'], links: { a: 'b' } }, releases: [{ version: '1.0.0' }], retirements: { '1.0.0': { reason: 'other' } } },
      { version: '1.0.0', checksum: 'c', retirement: null, requirements: { d: { requirement: '~> 1.0', app: 'd', optional: false } }, publisher: { username: 'u' } },
      { key: { name: 'k', owner: { type: 'user', name: 'u' } } },
      { device_code: 'd', user_code: 'u', verification_uri: 'v', access_token: 'a', expires_in: 1 },
    );
    const answer = fc.oneof(
      fc.jsonValue({ maxDepth: 4 }),
      fc.tuple(valid, fc.nat(), fc.oneof(fc.jsonValue({ maxDepth: 2 }), registryString, fc.constant(undefined))).map(([v, at, replacement]) => replaceAt(v, at, replacement)),
    );
    try {
      fc.assert(
        fc.property(answer, fc.constantFrom(...shapes), (body, shape) => {
          try {
            assert.equal(checked(shape, client, 'GET', '/x', { status: 200, headers: {}, body }), body);
          } catch (err) {
            if (!(err instanceof UnexpectedAnswerError)) throw err;
            assert.match(err.message, /^the registry answered something hexts does not understand: GET \/api\/x: \S/);
          }
        }),
        { seed: 0x1e5d, numRuns: 10_000, endOnFailure: true, includeErrorInReport: true },
      );
    } finally {
      await client.close();
    }
  });

  describe('300 mutated answers from the local registry, through the commands that print them', () => {
    let registry: Awaited<ReturnType<typeof testRegistry>>;
    let apiKey: string;
    const templates: Array<{ argv: string[]; path: string; body: unknown }> = [];
    const scratch = scratchHome();

    before(async () => {
      registry = await testRegistry();
      registry.configure({ rateLimit: 1_000_000 });
      registry.createUser({ username: 'alice', email: 'alice@example.com' });
      registry.createOrganization({ name: 'acme', admin: 'alice' });
      apiKey = registry.createKey({ user: 'alice' }, { name: 'fuzz', permissions: [{ domain: 'api', resource: null }] });
      await registry.publish(await makeTarball({ name: 'tiny', version: '1.0.0', requirements: [] }), { publisher: 'alice' });
      for (const [argv, path] of [
        [['info', 'tiny'], '/api/packages/tiny'],
        [['info', 'tiny', '1.0.0'], '/api/packages/tiny/releases/1.0.0'],
        [['package', 'search', 'tiny'], '/api/packages?search=tiny'],
        [['owner', 'list', 'tiny'], '/api/packages/tiny/owners'],
        [['user', 'whoami'], '/api/users/me'],
        [['user', 'key', 'list'], '/api/keys'],
      ] as Array<[string[], string]>) {
        const answer = await call(registry, 'GET', path, { auth: apiKey });
        assert.equal(answer.status, 200);
        templates.push({ argv, path: path.split('?')[0]!, body: answer.data });
      }
    });
    after(async () => {
      await registry.stop();
      scratch.cleanup();
    });

    test('each ends in its output or one error line; nothing raw reaches the terminal; never an unexpected failure', async () => {
      const mutated = fc.tuple(fc.constantFrom(...templates.keys()), fc.array(fc.tuple(fc.nat(), fc.oneof(registryString, registryString, fc.jsonValue({ maxDepth: 2 }), fc.constant(undefined))), { minLength: 1, maxLength: 4 }));
      await fc.assert(
        fc.asyncProperty(mutated, async ([index, changes]) => {
          const template = templates[index]!;
          const body = changes.reduce((v, [at, replacement]) => replaceAt(v, at, replacement), template.body);
          registry.clearFaults();
          registry.addFault({ type: 'answer', method: 'GET', path: template.path, body: body ?? null });
          const result = await runCli(template.argv, { env: cliEnv(registry, scratch.home, { HEX_API_KEY: apiKey }) });
          const what = `${template.argv.join(' ')} with ${JSON.stringify(body)}:\n${result.stderr}`;
          assert.ok(result.code === 0 || result.code === 1, what);
          assert.doesNotMatch(result.stderr, /unexpected failure/, what);
          if (result.code === 1) assert.match(result.stderr, /^error: /m, what);
          assert.equal(RAW_CONTROL.exec(result.stdout + result.stderr), null, what);
        }),
        { seed: 0x1e5e, numRuns: 300, endOnFailure: true, includeErrorInReport: true },
      );
    });
  });
});

/** `value` with its `at`-th node (in document order, the whole value first) replaced, or removed when `replacement` is undefined. */
function replaceAt(value: unknown, at: number, replacement: unknown): unknown {
  const children = (v: unknown): unknown[] => (Array.isArray(v) ? v : v !== null && typeof v === 'object' ? Object.values(v) : []);
  const count = (v: unknown): number => children(v).reduce((n: number, x) => n + count(x), 1);
  let index = at % count(value);
  const visit = (v: unknown): unknown => {
    if (index-- === 0) return replacement;
    if (Array.isArray(v)) return v.map(visit).filter((x) => x !== undefined);
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, visit(x)]).filter(([, x]) => x !== undefined));
    return v;
  };
  return visit(value);
}
