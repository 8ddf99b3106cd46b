#!/usr/bin/env node
// `npm run bench`: every benchmark in bench/, then one table of figures. Nothing is asserted;
// the targets are printed beside the figures. Builds hexts first.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const compiled = spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
if (compiled.status !== 0) process.exit(compiled.status ?? 1);

function bench(name, nodeArgs = []) {
  process.stderr.write(`bench/${name}.mjs …\n`);
  const run = spawnSync(process.execPath, [...nodeArgs, `bench/${name}.mjs`, '--json'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 16 * 1024 * 1024 });
  if (run.status !== 0) return { error: `exited ${run.status}` };
  return JSON.parse(run.stdout.trim().split('\n').pop());
}

const startup = bench('startup');
const build = bench('build');
const publish = bench('publish');
const keychain = bench('keychain');
const fetch = bench('fetch');
const lock = bench('lock');
const parse = bench('parse', ['--import', 'tsx']);
const scan = bench('scan', ['--import', 'tsx']);

const rows = [
  ['startup: hexts --help / node -e 0', fmt(startup.ratio, 2), '≤ 1.30', `${fmt(startup.hexts_help_ms, 1)} ms vs ${fmt(startup.node_ms, 1)} ms; first run ${fmt(startup.first_ratio, 2)}`],
  ['build, small (ref_tiny) / node -e 0', fmt(build.small_ratio, 2), '≤ 1.70', `${fmt(build.small_build_ms, 0)} ms; first run ${fmt(build.small_first_ratio, 2)}`],
  ['build, large: time', `${fmt(build.hexts_build_ms, 0)} ms`, '', `${build.files} files, ${fmt(build.source_bytes / 1e6, 1)} MB of source`],
  ['build, large: beyond the deflate', `${fmt(build.beyond_deflate * 100, 1)} %`, '≤ 30 %', `deflate alone ${fmt(build.deflate_ms, 0)} ms; tar|gzip -6 ${fmt(build.tar_gzip_ms, 0)} ms`],
  ['build, large: peak RSS', `${fmt(build.peak_rss_mib, 1)} MiB`, '≤ 120 MiB', ''],
  ['publish, large: total / build', fmt(publish.total_to_build_ratio, 3), '≤ 1.15', `${fmt(publish.publish_total_ms, 0)} ms vs ${fmt(publish.build_ms, 0)} ms`],
  ['publish, large: upload', `${fmt(publish.upload_mib_per_s, 1)} MiB/s`, '', `${fmt(publish.upload_ms, 0)} ms incl. the registry's checks`],
  ['keychain: set / get / delete (median)', `${fmt(keychain.set?.median_ms, 2)} / ${fmt(keychain.get?.median_ms, 2)} / ${fmt(keychain.delete?.median_ms, 2)} ms`, '', `p95 ${fmt(keychain.set?.p95_ms, 2)} / ${fmt(keychain.get?.p95_ms, 2)} / ${fmt(keychain.delete?.p95_ms, 2)} ms`],
  ['outdated, 150 locked: cold / warm', `${fmt(lock.outdated_cold_ms, 0)} / ${fmt(lock.outdated_warm_ms, 0)} ms`, '', `node -e 0 ${fmt(lock.node_ms, 0)} ms; cold: registry files downloaded, warm: 304s from the ETag cache`],
  ['audit, 150 locked: cold / warm', `${fmt(lock.audit_cold_ms, 0)} / ${fmt(lock.audit_warm_ms, 0)} ms`, '', `node -e 0 ${fmt(lock.node_ms, 0)} ms; 10 retired, 10 with advisories`],
  ['fetch 50 packages: concurrency 1 / 8', `${fmt(fetch.concurrency_1_ms, 0)} / ${fmt(fetch.concurrency_8_ms, 0)} ms`, '', `${fmt(fetch.speedup, 2)}× with ${fetch.latency_ms} ms per answer`],
  ['secret scan, large package (from disk)', `${fmt(scan.scan_disk_mb_per_s, 1)} MB/s`, '', `${fmt(scan.scan_disk_ms, 0)} ms for ${fmt(scan.scan_bytes / 1e6, 1)} MB, ${scan.scan_findings} findings; adversarial near misses ${fmt(scan.adversarial_mb_per_s, 1)} MB/s`],
  ['Erlang term text, 1.2 MB (median)', `${fmt(parse.term_text_ms, 0)} ms`, '', `${fmt(parse.term_text_mib_per_s, 1)} MiB/s; the reader of metadata.config and hex.config`],
];
const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => r[i].length), ['measure', 'figure', 'target', 'detail'][i].length));
const line = (cells) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
console.log(line(['measure', 'figure', 'target', 'detail']));
console.log(line(widths.map((w) => '-'.repeat(w))));
for (const row of rows) console.log(line(row));

function fmt(value, digits) {
  return typeof value === 'number' ? value.toFixed(digits) : 'n/a';
}
