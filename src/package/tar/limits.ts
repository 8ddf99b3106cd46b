// hex_core:default_config/0 limits; the docs tarball limits have the same values.
export interface TarballLimits {
  /** The outer tar (package) or the .tar.gz (docs), in bytes. */
  maxSize: number;
  /** The uncompressed inner tar, in bytes. */
  maxUncompressedSize: number;
}

export const DEFAULT_LIMITS: TarballLimits = {
  maxSize: 16 * 1024 * 1024,
  maxUncompressedSize: 128 * 1024 * 1024,
};

export const MAX_METADATA_SIZE = 1024 * 1024;
export const MAX_VERSION_SIZE = 32;
export const MAX_CHECKSUM_SIZE = 128;
