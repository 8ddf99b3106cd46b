#!/usr/bin/env node
// Latency of hexts's credential store against a real Secret Service (gnome-keyring in a
// private D-Bus session, as the tests use): set, get and delete, median and p95 of many
// calls. Prints figures; asserts nothing.
// Usage: node bench/keychain.mjs [--json]   (needs `npm run build`, dbus-run-session and gnome-keyring)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const OPERATIONS = 100;
const self = fileURLToPath(import.meta.url);

if (!process.argv.includes('--inside')) {
  // Re-run inside a private session bus with an unlocked keyring.
  const scratch = mkdtempSync(join(tmpdir(), 'hexts-bench-keychain-'));
  spawnSync('mkdir', ['-m', '700', '-p', join(scratch, 'run'), join(scratch, 'data')]);
  const args = process.argv.slice(2).join(' ');
  const result = spawnSync('dbus-run-session', ['--', 'sh', '-c',
    `echo "" | gnome-keyring-daemon --unlock --components=secrets >/dev/null && exec node --import tsx "${self}" --inside ${args}`], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, XDG_RUNTIME_DIR: join(scratch, 'run'), XDG_DATA_HOME: join(scratch, 'data'), HOME: scratch },
  });
  rmSync(scratch, { recursive: true, force: true });
  process.exit(result.status ?? 1);
}

const { CredentialStore } = await import('../src/credentials/store.ts');
const home = mkdtempSync(join(tmpdir(), 'hexts-bench-keychain-home-'));
const store = new CredentialStore(home, 'https://bench.example/api', { warn: (m) => { throw new Error(`unexpected fallback: ${m}`); }, log: () => {} });

async function timed(fn) {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}
const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return { median_ms: Number(s[Math.floor(s.length / 2)].toFixed(2)), p95_ms: Number(s[Math.floor(s.length * 0.95)].toFixed(2)) };
};

const set = [];
const get = [];
const del = [];
for (let i = 0; i < OPERATIONS; i++) {
  const slot = `repository:hexpm:bench${i}`;
  set.push(await timed(() => store.set(slot, { key: `k${i}`.padEnd(32, '0'), owner: 'organization' }, { owner: 'organization' })));
  get.push(await timed(() => store.get(slot)));
  del.push(await timed(() => store.delete(slot)));
}
rmSync(home, { recursive: true, force: true });
const result = { operations: OPERATIONS, set: stats(set), get: stats(get), delete: stats(del) };
if (process.argv.includes('--json')) console.log(JSON.stringify(result));
else {
  console.log(`credential store on the Secret Service, ${OPERATIONS} of each (index file writes included)`);
  for (const op of ['set', 'get', 'delete']) console.log(`${op.padEnd(8)} median ${result[op].median_ms} ms, p95 ${result[op].p95_ms} ms`);
}
