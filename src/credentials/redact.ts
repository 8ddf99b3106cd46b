// The shapes of API keys, so that a key that reaches a message by some path hexts does not
// control (a registry that quotes it in an error, a proxy's page) is not shown: hex.pm's keys
// since PR #1536 (`hex_` and 40 hex digits; any run of digits after `hex_`, so that a key cut
// short or mistyped goes too) and older ones (32 lower-case hex digits standing alone as a
// word: not part of a file name or path, such as a digested asset's `app-<md5>.js`).
// Checksums are 64 digits and are left alone.

export const HEX_KEY_PREFIX = 'hex_';

const KEY_SHAPES = /(?<![0-9A-Za-z])hex_[0-9A-Fa-f]{8,}|(?<![0-9A-Za-z_./-])[0-9a-f]{32}(?![0-9A-Za-z_-])/g;

/** `text` with every key-shaped run replaced by `[REDACTED]` (`hex_[REDACTED]` for the new shape). */
export function redactKeys(text: string): string {
  return text.replace(KEY_SHAPES, (match) => (match.startsWith(HEX_KEY_PREFIX) ? `${HEX_KEY_PREFIX}[REDACTED]` : '[REDACTED]'));
}
