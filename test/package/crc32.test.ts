import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { crc32 as zlibCrc32 } from 'node:zlib';
import fc from 'fast-check';
import { crc32 } from '../../src/util/crc32.js';

test('crc32: the standard check value, and empty input', () => {
  assert.equal(crc32(Buffer.from('123456789')), 0xcbf43926);
  assert.equal(crc32(new Uint8Array(0)), 0);
});

test('crc32 equals zlib\'s, whole and continued over any split', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(), (data, cut) => {
      const at = data.length === 0 ? 0 : cut % (data.length + 1);
      assert.equal(crc32(data), zlibCrc32(data));
      assert.equal(crc32(data.subarray(at), crc32(data.subarray(0, at))), zlibCrc32(data));
    }),
    { seed: 0x0c4c, numRuns: 2000 },
  );
  const big = randomBytes(3 * 1024 * 1024 + 5);
  assert.equal(crc32(big), zlibCrc32(big));
});
