// gzip exactly as hex_core writes it (tarball.md §4): a fixed 10-byte header with no
// mtime and OS 0, raw deflate at level 6 / window 15 / memLevel 8 / default strategy, then
// CRC-32 and the length mod 2^32, little-endian. The deflate must be pako 2: its output
// matches stock zlib 1.2.x (what Erlang links), while Node's zlib and pako 3 differ.
import { crc32 } from '../../util/crc32.js';
import { Deflate } from 'pako/lib/deflate.js';

const HEADER = Uint8Array.of(0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 0);
const OUTPUT_CHUNK_SIZE = 64 * 1024;

/**
 * Streaming gzip: `write` input as it comes, `end` once; compressed chunks go to `onData`
 * as they are produced. Deflate with no flushes gives the same bytes however the input is
 * chunked, so this equals a one-shot deflate of the concatenated input.
 */
export class GzipWriter {
  private readonly deflate = new Deflate({ level: 6, windowBits: -15, memLevel: 8, strategy: 0, chunkSize: OUTPUT_CHUNK_SIZE });
  private crc = 0;
  private inputSize = 0;
  /** Compressed bytes passed to onData so far, header included. */
  outputSize = 0;

  constructor(private readonly onData: (chunk: Uint8Array) => void) {
    this.deflate.onData = (chunk) => this.emit(chunk as Uint8Array);
    this.emit(HEADER);
  }

  /** The total number of input bytes written. */
  get uncompressedSize(): number {
    return this.inputSize;
  }

  write(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.crc = crc32(chunk, this.crc);
    this.inputSize += chunk.length;
    this.deflate.push(chunk, false);
    this.check();
  }

  end(): void {
    this.deflate.push(new Uint8Array(0), true);
    this.check();
    const trailer = Buffer.alloc(8);
    trailer.writeUInt32LE(this.crc >>> 0, 0);
    trailer.writeUInt32LE(this.inputSize % 2 ** 32, 4);
    this.emit(trailer);
  }

  private emit(chunk: Uint8Array): void {
    this.outputSize += chunk.length;
    this.onData(chunk);
  }

  private check(): void {
    if (this.deflate.err) throw new Error(`deflate failed: ${this.deflate.msg}`);
  }
}

/** One-shot gzip of an in-memory buffer. */
export function gzip(data: Uint8Array): Buffer {
  const chunks: Uint8Array[] = [];
  const writer = new GzipWriter((chunk) => chunks.push(chunk));
  writer.write(data);
  writer.end();
  return Buffer.concat(chunks);
}
