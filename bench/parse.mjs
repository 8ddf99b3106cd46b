#!/usr/bin/env node
// Speed of the Erlang term text reader (metadata.config in every tarball, mix's hex.config) on
// a megabyte: the list of 20,000 items test/erlang/text.test.ts checks for correctness. Prints
// the median of several runs; asserts nothing.
// Usage: node --import tsx bench/parse.mjs [--json]
import { median } from './median.mjs';

const RUNS = 15;
const { parseTerms } = await import('../src/erlang/text.ts');

const item = '{<<"lib/some/file.ex">>,[<<"a">>,<<"b">>],#{k => "string"}}';
const text = `[${Array(20000).fill(item).join(',\n')}].`;

const times = [];
for (let i = 0; i < RUNS + 2; i++) {
  const start = process.hrtime.bigint();
  parseTerms(text);
  times.push(Number(process.hrtime.bigint() - start) / 1e6);
}
// The first runs warm V8 up; they are left out.
const ms = median(times.slice(2));
const mib = Buffer.byteLength(text) / (1024 * 1024);
const result = { term_text_bytes: Buffer.byteLength(text), term_text_ms: Number(ms.toFixed(1)), term_text_mib_per_s: Number((mib / (ms / 1000)).toFixed(1)) };
if (process.argv.includes('--json')) console.log(JSON.stringify(result));
else console.log(`Erlang term text, ${(mib).toFixed(2)} MiB: median ${result.term_text_ms} ms of ${RUNS} runs (${result.term_text_mib_per_s} MiB/s)`);
