// Builds a gzipped tar in memory from planned entries, reading files from disk in chunks,
// so only the compressed output (capped at 16 MiB by hex_core's limits) is ever held.
import { closeSync, constants, openSync, readSync } from 'node:fs';
import { TarballError, tooBigUncompressed } from './error.js';
import { GzipWriter } from './gzip.js';
import { BLOCK_SIZE, END_OF_ARCHIVE, TarWriter, encodeHeader, type TarEntry } from './ustar.js';

/** An entry ready to write: its encoded header, and its data in memory or on disk. */
export interface PlannedEntry {
  entry: TarEntry;
  header: Buffer;
  data?: Uint8Array;
  /** A regular file whose `entry.size` bytes are read when the archive is written. */
  source?: string;
}

export function planEntry(entry: TarEntry, from: { data?: Uint8Array; source?: string } = {}): PlannedEntry {
  return { entry, header: encodeHeader(entry), ...from };
}

/** The exact size of the uncompressed tar, known before anything is read or compressed. */
export function tarSize(entries: readonly PlannedEntry[]): number {
  let size = END_OF_ARCHIVE.length;
  for (const { header, entry } of entries) size += header.length + Math.ceil(entry.size / BLOCK_SIZE) * BLOCK_SIZE;
  return size;
}

export interface GzippedTar {
  chunks: Uint8Array[];
  size: number;
}

const READ_CHUNK_SIZE = 256 * 1024;

/**
 * gzip(tar(entries)). `maxUncompressedSize` is checked before any work; `onProgress` sees
 * the compressed size after every chunk so a caller can stop as soon as a limit is passed.
 */
export async function gzipTar(
  entries: readonly PlannedEntry[],
  maxUncompressedSize: number,
  onProgress: (compressedSize: number) => void,
): Promise<GzippedTar> {
  if (tarSize(entries) > maxUncompressedSize) throw tooBigUncompressed(maxUncompressedSize);

  const chunks: Uint8Array[] = [];
  const gzip = new GzipWriter((chunk) => chunks.push(chunk));
  const tar = new TarWriter((chunk) => {
    gzip.write(chunk);
    onProgress(gzip.outputSize);
  });
  const buffer = Buffer.allocUnsafe(READ_CHUNK_SIZE);

  for (const planned of entries) {
    tar.begin(planned.entry, planned.header);
    if (planned.data) tar.write(planned.data);
    else if (planned.source !== undefined) copyFile(planned, buffer, tar);
  }
  tar.end();
  gzip.end();
  onProgress(gzip.outputSize);
  return { chunks, size: gzip.outputSize };
}

// Exactly entry.size bytes; a file that shrank since it was planned is an error, one
// that grew is cut at the planned size (as its header already says). Reads are
// synchronous: the deflate they feed is too, and async reads only left it idle between
// files.
function copyFile(planned: PlannedEntry, buffer: Buffer, tar: TarWriter): void {
  const { entry, source } = planned;
  let fd: number;
  try {
    fd = openSync(source!, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (err) {
    throw new TarballError('file_error', `cannot read ${entry.name}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  try {
    let remaining = entry.size;
    while (remaining > 0) {
      const bytesRead = readSync(fd, buffer, 0, Math.min(buffer.length, remaining), null);
      if (bytesRead === 0) throw new TarballError('file_error', `file changed while it was being read: ${entry.name}`);
      tar.write(buffer.subarray(0, bytesRead));
      remaining -= bytesRead;
    }
  } finally {
    closeSync(fd);
  }
}
