import assert from 'node:assert/strict';
import { ApiClient, type ClientOptions } from '../../src/api/client.js';
import { startRegistry, type Registry, type RegistryOptions } from '../../registry/server.js';
import { runCli } from './cli.js';

export type { Registry };

/** A registry for one test file: device codes poll without waiting. Stop it in `after`. */
export async function testRegistry(options: RegistryOptions = {}): Promise<Registry> {
  const registry = await startRegistry(options);
  registry.configure({ deviceInterval: 0 });
  return registry;
}

/** Our own API client pointed at the registry, trusting its CA. */
export function clientFor(registry: Registry, options: Partial<ClientOptions> = {}): ApiClient {
  return new ApiClient({
    apiUrl: registry.apiUrl,
    userAgent: 'hexts-test',
    timeoutMs: 5000,
    caCertsPath: registry.caCertPath,
    ...options,
  });
}

/** Environment for running hexts against the registry with a private HOME. */
export function cliEnv(registry: Registry, home: string, extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    PATH: process.env.PATH,
    HOME: home,
    DBUS_SESSION_BUS_ADDRESS: process.env.DBUS_SESSION_BUS_ADDRESS,
    ...registry.env(),
    ...extra,
  };
}

/** The device code `hexts user auth` shows ("  ABCD-EFGH"), as the registry knows it (no hyphen). */
export function deviceCodeIn(text: string): string | undefined {
  const code = text.match(/^ {2}([A-Z0-9]{4})-([A-Z0-9]{4})$/m);
  return code ? code[1]! + code[2]! : undefined;
}

/** A stderr watcher that approves the first device code shown, as `username` would in the browser. */
export function approvingAs(registry: Registry, username: string): (text: string) => void {
  let approved = false;
  return (text) => {
    const code = deviceCodeIn(text);
    if (code && !approved) {
      approved = true;
      registry.approveDevice(code, username);
    }
  };
}

/**
 * A stderr watcher that does the identity-provider step of the first single sign-on verification
 * URI shown (`hexts user auth --sso ORG`), as `username` would in the browser.
 */
export function signingInAs(registry: Registry, username: string): (text: string) => void {
  let seen = '';
  let done = false;
  return (text) => {
    seen += text;
    const uri = seen.match(/visit: (https:\/\/\S+\/sso\/authorize\?\S+)/)?.[1];
    if (uri && !done) {
      done = true;
      registry.completeSso(new URL(uri).searchParams.get('code')!, username);
    }
  };
}

/** `hexts user auth` through the device flow as `username`, checked to succeed. */
export async function deviceLogin(registry: Registry, env: Record<string, string | undefined>, username: string): Promise<void> {
  const login = await runCli(['user', 'auth', '--no-browser'], { env, onStderr: approvingAs(registry, username) });
  assert.equal(login.code, 0, login.stderr);
}
