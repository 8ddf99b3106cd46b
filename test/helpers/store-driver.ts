// Runs one CredentialStore operation in its own process, so each test picks the D-Bus
// environment (none, empty bus, locked, frozen) the keychain sees.
// Usage: node --import tsx store-driver.ts HOME API_URL get|set|delete|list SLOT [JSON] [--insecure]
import { CredentialStore } from '../../src/credentials/store.js';

const [home, apiUrl, op, slot, json] = process.argv.slice(2);
const warnings: string[] = [];
const store = new CredentialStore(home!, apiUrl!, {
  insecure: process.argv.includes('--insecure'),
  warn: (m) => warnings.push(m),
  log: () => {},
});
const started = Date.now();
try {
  let result: unknown;
  if (op === 'get') result = await store.get(slot!);
  else if (op === 'set') result = await store.set(slot!, JSON.parse(json!), {});
  else if (op === 'delete') result = await store.delete(slot!);
  else result = await store.list();
  console.log(JSON.stringify({ result: result ?? null, warnings, ms: Date.now() - started }));
} catch (err) {
  console.log(JSON.stringify({ error: (err as Error).message, warnings, ms: Date.now() - started }));
}
