// License identifiers mix accepts without a warning: SPDX ids, deprecated ones included
// (Hex's generated list has them), and LicenseRef-<idstring>.
import { createRequire } from 'node:module';

// Deprecated SPDX ids that Hex's list has but the spdx-license-ids package leaves out.
const DEPRECATED_PLUS_IDS = ['GPL-1.0+', 'GPL-2.0+', 'GPL-3.0+', 'LGPL-2.0+', 'LGPL-2.1+', 'LGPL-3.0+'];

let known: Set<string> | undefined;

function knownIds(): Set<string> {
  if (!known) {
    const require = createRequire(import.meta.url);
    const current = require('spdx-license-ids') as string[];
    const deprecated = require('spdx-license-ids/deprecated.json') as string[];
    known = new Set([...current, ...deprecated, ...DEPRECATED_PLUS_IDS]);
  }
  return known;
}

/** Case-sensitive, like Hex's :mix_hex_licenses.valid/1. */
export function isValidLicense(id: string): boolean {
  if (id.startsWith('LicenseRef-')) return /^[A-Za-z0-9.-]+$/.test(id.slice('LicenseRef-'.length));
  return knownIds().has(id);
}
