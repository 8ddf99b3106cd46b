// Runs one CredentialStore operation in its own process, so each test picks the D-Bus
// environment (none, empty bus, locked, frozen) the keychain sees.
// Usage: node --import tsx store-driver.ts HOME API_URL get|set|delete|list SLOT [JSON] [--insecure]
import { CredentialStore } from '../../src/credentials/store.js';

const [home, apiUrl, op, slot, json] = process.argv.slice(2);
const warnings: string[] = [];
// What --verbose would show: a line for each keychain call that failed (after one, the store stops asking).
const logs: string[] = [];
const store = new CredentialStore(home!, apiUrl!, {
  insecure: process.argv.includes('--insecure'),
  warn: (m) => warnings.push(m),
  log: (m) => logs.push(m),
});
try {
  let result: unknown;
  if (op === 'get') result = await store.get(slot!);
  else if (op === 'set') result = await store.set(slot!, JSON.parse(json!), {});
  else if (op === 'delete') result = await store.delete(slot!);
  else result = await store.list();
  console.log(JSON.stringify({ result: result ?? null, warnings, logs }));
} catch (err) {
  console.log(JSON.stringify({ error: (err as Error).message, warnings, logs }));
}
