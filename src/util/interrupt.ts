import { rmSync } from 'node:fs';

// Work in progress that an interrupt must not leave behind: a temporary file or directory
// with partial contents, or holding a secret. A signal that ends the process (Ctrl-C, a
// kill, a closed terminal) first runs the pending cleanups, then ends the process by the
// same signal, so that whoever started it still sees how it ended (130 for Ctrl-C).
// The handlers are installed only while something is pending.

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const pending = new Set<() => void>();

/** Runs `cleanup` (synchronous) if a signal ends the process before the returned function is called. */
export function onInterrupt(cleanup: () => void): () => void {
  if (pending.size === 0) for (const signal of SIGNALS) process.on(signal, interrupted);
  pending.add(cleanup);
  return () => {
    if (pending.delete(cleanup) && pending.size === 0) for (const signal of SIGNALS) process.off(signal, interrupted);
  };
}

/** Removes `path` (a file or a whole directory) if a signal ends the process before the returned function is called. */
export function removeOnInterrupt(path: string): () => void {
  return onInterrupt(() => rmSync(path, { recursive: true, force: true, maxRetries: 3 }));
}

function interrupted(signal: NodeJS.Signals): void {
  for (const s of SIGNALS) process.off(s, interrupted);
  for (const cleanup of pending) {
    try {
      cleanup();
    } catch {
      // The others still run; the process ends either way.
    }
  }
  pending.clear();
  process.kill(process.pid, signal);
}
