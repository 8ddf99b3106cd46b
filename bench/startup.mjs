#!/usr/bin/env node
// Start-up cost of `hexts --help` against bare `node -e 0`, runs interleaved so that machine
// noise hits both alike. Prints the medians and their ratio (target: ratio ≤ 1.3), and the
// same for a first run, before hexts has cached V8's code for its files (src/boot.ts).
// Usage: node bench/startup.mjs [runs] [--json]   (needs `npm run build` first)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from './median.mjs';

const runsArg = process.argv.slice(2).find((a) => /^\d+$/.test(a));
const runs = Math.max(15, Number(runsArg ?? 25));
const bin = fileURLToPath(new URL('../bin/hexts.cjs', import.meta.url));

const scratch = mkdtempSync(join(tmpdir(), 'hexts-bench-startup-'));
const cachedHome = join(scratch, 'hexts-home');

function time(args, hextsHome = cachedHome) {
  const env = { ...process.env, HEXTS_HOME: hextsHome };
  const start = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'inherit'], env });
  if (result.status !== 0) throw new Error(`node ${args.join(' ')} exited ${result.status}`);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

// Warm the file cache first.
time(['-e', '0']);
time([bin, '--help']);
const bare = [];
const help = [];
const firstHelp = [];
for (let i = 0; i < runs; i++) {
  bare.push(time(['-e', '0']));
  help.push(time([bin, '--help']));
  const freshHome = join(scratch, `fresh-${i}`);
  firstHelp.push(time([bin, '--help'], freshHome));
  rmSync(freshHome, { recursive: true, force: true });
}
rmSync(scratch, { recursive: true, force: true });
const result = { runs, node_ms: median(bare), hexts_help_ms: median(help), first_hexts_help_ms: median(firstHelp) };
result.ratio = result.hexts_help_ms / result.node_ms;
result.first_ratio = result.first_hexts_help_ms / result.node_ms;
if (process.argv.includes('--json')) console.log(JSON.stringify(result));
else {
  console.log(`node -e 0        median ${result.node_ms.toFixed(1)} ms (${runs} runs)`);
  console.log(`hexts --help     median ${result.hexts_help_ms.toFixed(1)} ms (${runs} runs)`);
  console.log(`ratio            ${result.ratio.toFixed(2)} (target ≤ 1.30)`);
  console.log(`first run        median ${result.first_hexts_help_ms.toFixed(1)} ms, ratio ${result.first_ratio.toFixed(2)} (no code cache yet)`);
}
