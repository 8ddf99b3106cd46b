// hexts's tar writer against tars OTP's own erl_tar wrote for every naming edge of its
// ustar/PAX encoder (test/fixtures/erl-tar, see its README): the bytes must be identical,
// our reader must read each one as tar readers do, and the names erl_tar bends must be
// reported.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { readTar, type TarReadEntry } from '../../src/package/tar/reader.js';
import { nameQuirks, type NameQuirk, type TarEntry } from '../../src/package/tar/ustar.js';
import { buildTar, readWithNodeTar } from './tarball-helpers.js';

interface FixtureEntry {
  type: 'file' | 'directory' | 'symlink';
  name: string;
  mode: number;
  data?: string;
  linkname?: string;
}

const fixtureDir = new URL('../fixtures/erl-tar/', import.meta.url);
const cases: Array<{ id: string; purpose: string; entries: FixtureEntry[] }> = JSON.parse(readFileSync(new URL('cases.json', fixtureDir), 'utf8'));
const erlTar = (id: string) => readFileSync(new URL(`${id}.tar`, fixtureDir));

function toTarEntry(e: FixtureEntry): { entry: TarEntry; data?: Uint8Array } {
  const data = Buffer.from(e.data ?? '');
  const entry: TarEntry = { name: e.name, mode: e.mode, size: e.type === 'file' ? data.length : 0, type: e.type };
  if (e.linkname !== undefined) entry.linkname = e.linkname;
  return e.type === 'file' ? { entry, data } : { entry };
}

async function* once(data: Buffer): AsyncGenerator<Buffer> {
  yield data;
}

async function readOwn(tar: Buffer): Promise<Array<TarReadEntry & { data: string }>> {
  const out: Array<TarReadEntry & { data: string }> = [];
  await readTar(once(tar), async (entry, body) => {
    out.push({ ...entry, data: (await body.read()).toString('utf8') });
  });
  return out;
}

const r = (ch: string, n: number) => ch.repeat(n);
const stripSlash = (name: string) => name.replace(/\/+$/, '');
/** Where an extracted entry lands: empty components collapse. */
const landing = (name: string) => name.replace(/\/+/g, '/').replace(/\/$/, '');

// The names erl_tar bends, written out by hand from erl_tar's source (tarball.md §2).
const EXPECTED_QUIRKS: Record<string, NameQuirk[]> = {
  'prefix-156': [{ kind: 'shortened', readAs: `${r('p', 78)}/${r('q', 76)}/n.txt` }],
  'prefix-156-one-byte-last-dir': [{ kind: 'shortened', readAs: `${r('p', 154)}/n.txt` }],
  'prefix-156-directory': [{ kind: 'shortened', readAs: `${r('a', 100)}/${r('b', 54)}/empty` }],
  'prefix-156-symlink': [{ kind: 'shortened', readAs: `${r('a', 100)}/${r('b', 54)}/link` }],
  'pax-len-one-byte-short': [{ kind: 'pax-length', field: 'path' }],
  'link-len-one-byte-short': [{ kind: 'pax-length', field: 'linkpath' }],
};

describe('erl_tar naming edges, byte for byte', () => {
  test('the fixtures cover the edges', () => {
    assert.equal(cases.length, 32);
    for (const id of Object.keys(EXPECTED_QUIRKS)) assert.ok(cases.some((c) => c.id === id), id);
  });

  for (const { id, purpose, entries } of cases) {
    test(`${id}: ${purpose}`, () => {
      const ours = buildTar(entries.map(toTarEntry));
      const theirs = erlTar(id);
      const at = ours.findIndex((byte, i) => byte !== theirs[i]);
      assert.ok(ours.equals(theirs), `differs from erl_tar's at byte ${at} (block ${Math.floor(at / 512)}, offset ${at % 512}); sizes ${ours.length} / ${theirs.length}`);
    });
  }
});

describe('names tar readers will not read back as written', () => {
  test('are exactly the 156-byte directories and the one-byte-short PAX lengths', () => {
    for (const { id, entries } of cases) {
      if (id === 'several-entries') continue;
      assert.deepEqual(entries.flatMap((e) => nameQuirks(toTarEntry(e).entry)), EXPECTED_QUIRKS[id] ?? [], id);
    }
    const several = cases.find((c) => c.id === 'several-entries')!.entries.map((e) => nameQuirks(toTarEntry(e).entry));
    assert.deepEqual(several, [[], [], EXPECTED_QUIRKS['prefix-156'], [], []]);
  });

  test('node-tar, an independent reader, sees the shortened paths and loses the short PAX records', async () => {
    // node-tar refuses a symlink whose target is only in a PAX record ("linkpath required":
    // it checks the header field), where GNU tar and Python read it; those cases are left out.
    const linkpathInPax = (e: FixtureEntry) => e.linkname !== undefined && (e.linkname.length > 100 || /[^\x00-\x7f]/.test(e.linkname));
    for (const { id, entries } of cases.filter((c) => !c.entries.some(linkpathInPax))) {
      const { entries: read, warnings } = await readWithNodeTar(erlTar(id));
      const quirks = EXPECTED_QUIRKS[id];
      if (quirks?.[0]?.kind === 'pax-length') {
        assert.equal(read.length, 0, id);
        assert.ok(warnings.some((w) => w.startsWith('TAR_ENTRY_INVALID')), id);
        continue;
      }
      assert.deepEqual(warnings, [], id);
      const expected = entries.map((e) => {
        const [quirk] = nameQuirks(toTarEntry(e).entry);
        return quirk?.kind === 'shortened' ? quirk.readAs : stripSlash(e.name);
      });
      assert.deepEqual(read.map((e) => landing(e.path)), expected.map(landing), id);
      assert.deepEqual(read.map((e) => e.linkpath), entries.map((e) => e.linkname ?? ''), id);
    }
  });
});

describe('our reader on what erl_tar writes', () => {
  test('reads every fixture: names as tar readers see them, data, modes and link targets', async () => {
    for (const { id, entries } of cases) {
      const read = await readOwn(erlTar(id));
      assert.equal(read.length, entries.length, id);
      entries.forEach((e, i) => {
        const got = read[i]!;
        const [quirk] = nameQuirks(toTarEntry(e).entry);
        // Like erl_tar itself, our reader takes PAX records up to their newline.
        const expected = quirk?.kind === 'shortened' ? quirk.readAs : stripSlash(e.name);
        assert.equal(landing(got.name), landing(expected), id);
        assert.equal(got.type, e.type, id);
        assert.equal(got.mode, e.mode, id);
        assert.equal(got.data, e.type === 'file' ? e.data : '', id);
        assert.equal(got.linkname, e.linkname ?? '', id);
      });
    }
  });

  test('takes the 155 bytes of the prefix field, as erl_tar, GNU tar and Python do', async () => {
    const [entry] = await readOwn(erlTar('prefix-156'));
    assert.equal(entry!.name, `${r('p', 78)}/${r('q', 76)}/n.txt`);
    const [oneUp] = await readOwn(erlTar('prefix-156-one-byte-last-dir'));
    assert.equal(oneUp!.name, `${r('p', 154)}//n.txt`, 'the stored name; unpacking collapses the empty component');
  });
});
