import { CliError } from '../../errors.js';

// What went wrong, for callers that branch on it (the local registry maps these to the
// server's responses); the message follows hex_core's format_error wording.
export type TarballErrorCode =
  | 'too_big_compressed'
  | 'too_big_uncompressed'
  | 'file_too_big'
  | 'unsafe_path'
  | 'unsafe_symlink'
  | 'unsupported_file_type'
  | 'unwritable_path'
  | 'file_error'
  | 'empty'
  | 'missing_files'
  | 'invalid_files'
  | 'bad_version'
  | 'invalid_checksum'
  | 'checksum_mismatch'
  | 'metadata'
  | 'tar'
  | 'inner_tar'
  | 'docs';

export class TarballError extends CliError {
  constructor(readonly code: TarballErrorCode, message: string) {
    super(message);
    this.name = 'TarballError';
  }
}

// hex_core prints limits as `Max / 1000000` with ~w: 16.777216 and 134.217728 for the
// defaults. (Erlang would switch to exponent notation for tiny custom limits.)
export function formatMegabytes(bytes: number): string {
  const mb = bytes / 1_000_000;
  return Number.isInteger(mb) ? `${mb}.0` : String(mb);
}

export const tooBigCompressed = (max: number) =>
  new TarballError('too_big_compressed', `package exceeds max compressed size ${formatMegabytes(max)} MB`);

export const tooBigUncompressed = (max: number) =>
  new TarballError('too_big_uncompressed', `package exceeds max uncompressed size ${formatMegabytes(max)} MB`);

export const unsafePath = (name: string) =>
  new TarballError('unsafe_path', `unsafe path in tarball: ${name}`);

export const unsafeSymlink = (name: string, target: string) =>
  new TarballError('unsafe_symlink', `unsafe symlink in tarball: ${name} -> ${target}`);
