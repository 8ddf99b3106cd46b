import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { crc32, gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import pako from 'pako';
import { GzipWriter, gzip } from '../../src/package/tar/gzip.js';

// Source-like text with some noise: compressible, but with matches of every length and
// distance, so the deflate's lazy matching and block splitting have work to do.
function sampleInput(size: number, seed: number): Buffer {
  const words = ['defmodule', 'def', 'end', 'do', '|>', 'Enum.map', '%{', '}', 'fn', '->', '@moduledoc', '"""', 'Foo.Bar', ':ok', '{:error, reason}'];
  const out = Buffer.alloc(size);
  let state = seed >>> 0;
  const next = () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0);
  let pos = 0;
  while (pos < size) {
    const r = next();
    const piece = r % 11 === 0 ? String.fromCharCode(32 + (r % 95)).repeat(1 + (r % 5)) : `${words[r % words.length]}${r % 7 === 0 ? '\n  ' : ' '}`;
    pos += out.write(piece, pos, 'latin1');
  }
  return out;
}

function gzipInChunks(data: Buffer, sizes: () => number): Buffer {
  const chunks: Uint8Array[] = [];
  const writer = new GzipWriter((chunk) => chunks.push(chunk));
  for (let pos = 0; pos < data.length; ) {
    const n = Math.max(1, sizes());
    writer.write(data.subarray(pos, pos + n));
    pos += n;
  }
  writer.end();
  return Buffer.concat(chunks);
}

// hex_core's gzip: fixed header, zlib:deflateInit(Z, default, deflated, -15, 8, default)
// with one `finish` call, then CRC-32 and ISIZE, here from pako's one-shot API.
function referenceGzip(data: Uint8Array): Buffer {
  const body = pako.deflateRaw(data, { level: 6, windowBits: 15, memLevel: 8, strategy: 0 });
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc32(data), 0);
  trailer.writeUInt32LE(data.length % 2 ** 32, 4);
  return Buffer.concat([Buffer.from('1f8b0800000000000000', 'hex'), body, trailer]);
}

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex').toUpperCase();

describe('gzip', () => {
  test('writes hex_core\'s fixed header and a CRC-32/ISIZE trailer that gunzip accepts', () => {
    const data = sampleInput(10_000, 1);
    const out = gzip(data);
    assert.equal(out.subarray(0, 10).toString('hex'), '1f8b0800000000000000');
    assert.equal(out.readUInt32LE(out.length - 8), crc32(data));
    assert.equal(out.readUInt32LE(out.length - 4), data.length);
    assert.deepEqual(gunzipSync(out), data);
  });

  test('equals a one-shot pako 2 deflate at hex_core\'s settings', () => {
    for (const size of [0, 1, 6, 512, 97 * 1024, 300_000]) {
      const data = sampleInput(size, size);
      assert.deepEqual(gzip(data), referenceGzip(data), `size ${size}`);
    }
  });

  test('gives the same bytes however the input is chunked (inputs over 1 MB)', () => {
    const data = sampleInput(1_300_000, 42);
    const oneShot = gzip(data);
    assert.deepEqual(oneShot, referenceGzip(data));
    for (const size of [1000, 4096, 16_384, 65_535, 65_536, 100_003, 1 << 20]) {
      assert.deepEqual(gzipInChunks(data, () => size), oneShot, `chunks of ${size}`);
    }
    let state = 7;
    const randomSize = () => ((state = (Math.imul(state, 48271) + 11) >>> 0) % 70_000) + 1;
    assert.deepEqual(gzipInChunks(data, randomSize), oneShot, 'random chunk sizes');
    const incompressible = Buffer.from(Array.from({ length: 1_100_000 }, (_, i) => (Math.imul(i, 2654435761) >>> 13) & 0xff));
    assert.deepEqual(gzipInChunks(incompressible, () => 33_333), gzip(incompressible), 'incompressible data');
  });

  test('chunking invariance holds for random data and random chunk boundaries', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 20_000 }), fc.array(fc.integer({ min: 1, max: 5000 }), { minLength: 1 }), (data, sizes) => {
        let i = 0;
        const out = gzipInChunks(Buffer.from(data), () => sizes[i++ % sizes.length]!);
        assert.deepEqual(out, referenceGzip(data));
      }),
      { numRuns: 200, seed: 99 },
    );
  });

  test('reproduces the hex_tarball_SUITE vector for gzip("badtar")', () => {
    const meta = '{<<"name">>,<<"foo">>}.\n{<<"version">>,<<"1.0.0">>}.\n';
    const checksum = sha256(Buffer.concat([Buffer.from('3'), Buffer.from(meta), gzip(Buffer.from('badtar'))]));
    assert.equal(checksum, '1D87B5FFDA2480FC41F282A722FDAE60661349D47E7E084E93190BC242BB4D9C');
  });
});
