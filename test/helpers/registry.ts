import { ApiClient, type ClientOptions } from '../../src/api/client.js';
import { startRegistry, type Registry, type RegistryOptions } from '../registry/server.js';

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
