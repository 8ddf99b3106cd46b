#!/usr/bin/env node
// Speed of the secret scan publish runs before any upload: the large bench package (≈1,500
// files, ≈45 MB, bench/large-package.mjs) read from disk and scanned, and scanned from memory;
// and 5 MB of adversarial text (near misses of every rule's prefix, one long line and short
// ones), which must scan at a similar rate since the work is bounded per character. Medians;
// asserts nothing.
// Usage: node --import tsx bench/scan.mjs [--json]
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { generatePackage } from './large-package.mjs';
import { median } from './median.mjs';

const RUNS = 5;
const { scanForSecrets } = await import('../src/package/secret-scan.ts');
const { filesOnDisk } = await import('../src/package/scan-input.ts');

const root = mkdtempSync(join(tmpdir(), 'hexts-bench-scan-'));
try {
  const bytes = generatePackage(root);
  const paths = readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(root, join(e.parentPath, e.name)))
    .sort();
  const inMemory = [...filesOnDisk(root, paths)];
  const total = inMemory.reduce((n, f) => n + f.data.length, 0);

  const time = (fn) => {
    const times = [];
    let result;
    for (let i = 0; i < RUNS + 1; i++) {
      const start = process.hrtime.bigint();
      result = fn();
      times.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
    return { ms: median(times.slice(1)), result };
  };
  const disk = time(() => scanForSecrets(filesOnDisk(root, paths)));
  const memory = time(() => scanForSecrets(inMemory));

  // Near misses: every prefix, cut short or followed by the wrong characters, and assignments
  // to secret names whose values never close.
  const misses = ['hex_0123', 'eyJhbGci.eyJ', 'AKIA12', 'AIza_', 'AccountKey=abc', 'ghp_abc', 'github_pat_x', 'glpat-x', 'xoxb-1-', 'sk_live_',
    '-----BEGIN PRIVATE KEY-----', 'token = "', 'password: \'', 'api_key=', 'secret ', 'a.b.c.d-', '"auth" => "'];
  const unit = misses.join(' ');
  const longLine = unit.repeat(Math.ceil(2.5e6 / unit.length));
  const shortLines = `${unit}\n`.repeat(Math.ceil(2.5e6 / (unit.length + 1)));
  const adversarial = [{ path: 'lib/long.ex', data: Buffer.from(longLine) }, { path: 'lib/short.ex', data: Buffer.from(shortLines) }, { path: '.env', data: Buffer.from(shortLines) }];
  const adversarialBytes = adversarial.reduce((n, f) => n + f.data.length, 0);
  const hostile = time(() => scanForSecrets(adversarial));

  const mbPerS = (n, ms) => Number((n / 1e6 / (ms / 1000)).toFixed(1));
  const result = {
    scan_files: paths.length,
    scan_bytes: total,
    scan_disk_ms: Number(disk.ms.toFixed(0)),
    scan_disk_mb_per_s: mbPerS(total, disk.ms),
    scan_memory_ms: Number(memory.ms.toFixed(0)),
    scan_memory_mb_per_s: mbPerS(total, memory.ms),
    scan_findings: disk.result.findings.length,
    adversarial_bytes: adversarialBytes,
    adversarial_ms: Number(hostile.ms.toFixed(0)),
    adversarial_mb_per_s: mbPerS(adversarialBytes, hostile.ms),
    adversarial_findings: hostile.result.findings.length,
  };
  if (bytes <= 0) throw new Error('no package generated');
  if (process.argv.includes('--json')) console.log(JSON.stringify(result));
  else {
    console.log(`secret scan, ${paths.length} files, ${(total / 1e6).toFixed(1)} MB: ${result.scan_disk_ms} ms from disk (${result.scan_disk_mb_per_s} MB/s), ${result.scan_memory_ms} ms from memory (${result.scan_memory_mb_per_s} MB/s), ${result.scan_findings} findings`);
    console.log(`adversarial, ${(adversarialBytes / 1e6).toFixed(1)} MB of near misses: ${result.adversarial_ms} ms (${result.adversarial_mb_per_s} MB/s), ${result.adversarial_findings} findings`);
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}
