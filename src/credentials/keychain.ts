// The OS keychain through @napi-rs/keyring. On Linux every entry is pinned to the Secret
// Service: the library would otherwise fall back to the kernel keyring, which silently
// loses everything at reboot. Every call gives up after 3 s, so a locked, missing or hung
// keychain never hangs hexts.

export const KEYCHAIN_TIMEOUT_MS = 3000;

export class KeychainUnavailableError extends Error {
  constructor(readonly reason: string) {
    super(`the OS keychain is not usable: ${reason}`);
    this.name = 'KeychainUnavailableError';
  }
}

type Keyring = typeof import('@napi-rs/keyring');
let keyring: Promise<Keyring> | undefined;

function describe(err: unknown): string {
  const message = (err as Error)?.message ?? String(err);
  if (/DBUS_SESSION_BUS_ADDRESS|autolaunch/i.test(message)) return 'no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set)';
  if (/was not provided by any \.service files|ServiceUnknown|no such name/i.test(message)) return 'no Secret Service is running on the session bus';
  // Before the lock test: D-Bus's no-reply text says "the message bus security policy blocked the reply".
  if (/Did not receive a reply|timed? ?out/i.test(message)) return 'the Secret Service did not answer';
  if (/prompt was dismissed|\blocked\b/i.test(message)) return 'the keyring is locked';
  return message.split('\n')[0]!;
}

// gnome-keyring 42 can abort while it opens a new client's session (a race in the daemon, seen
// under load); D-Bus starts the Secret Service again on the next call. A call cut off that way
// never reached the keyring, so it is asked once more, within the same time limit.
const cutOff = (err: unknown) => /disconnected from message bus without replying/i.test((err as Error)?.message ?? '');

async function withTimeout<T>(call: (keyring: Keyring, signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new KeychainUnavailableError(`no answer within ${KEYCHAIN_TIMEOUT_MS / 1000} s`));
    }, KEYCHAIN_TIMEOUT_MS);
  });
  try {
    keyring ??= import('@napi-rs/keyring');
    const lib = await keyring;
    // async: the library can throw before it returns a promise, and that must be caught here too.
    const attempt = async () => call(lib, controller.signal);
    return await Promise.race([attempt().catch((err) => (cutOff(err) ? attempt() : Promise.reject(err))), timeout]);
  } catch (err) {
    if (err instanceof KeychainUnavailableError) throw err;
    throw new KeychainUnavailableError(describe(err));
  } finally {
    clearTimeout(timer);
  }
}

const entry = (lib: Keyring, service: string, account: string) =>
  new lib.AsyncEntry(service, account, { linux: { store: 'secret-service' } });

export const keychain = {
  get(service: string, account: string): Promise<string | null> {
    return withTimeout((lib, signal) => entry(lib, service, account).getPassword(signal));
  },
  set(service: string, account: string, secret: string): Promise<void> {
    return withTimeout((lib, signal) => entry(lib, service, account).setPassword(secret, signal));
  },
  delete(service: string, account: string): Promise<boolean> {
    return withTimeout((lib, signal) => entry(lib, service, account).deletePassword(signal));
  },
};
