import { rmSync } from 'node:fs';

// Work in progress that an interrupt must not leave behind: a temporary file or directory
// with partial contents, or holding a secret. A signal that ends the process (Ctrl-C, a
// kill, a closed terminal) first runs the pending cleanups, then ends the process by the
// same signal, so that whoever started it still sees how it ended (130 for Ctrl-C). So does
// an early process.exit (a reader of stdout that went away: `hexts package diff … | head`).
// The handlers are installed only while something is pending.

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const pending = new Set<() => void>();

/** Runs `cleanup` (synchronous) if a signal ends the process before the returned function is called. */
export function onInterrupt(cleanup: () => void): () => void {
  if (pending.size === 0) {
    for (const signal of SIGNALS) process.on(signal, interrupted);
    process.on('exit', runPending);
  }
  pending.add(cleanup);
  return () => {
    if (pending.delete(cleanup) && pending.size === 0) {
      for (const signal of SIGNALS) process.off(signal, interrupted);
      process.off('exit', runPending);
    }
  };
}

/** Removes `path` (a file or a whole directory) if a signal ends the process before the returned function is called. */
export function removeOnInterrupt(path: string): () => void {
  return onInterrupt(() => rmSync(path, { recursive: true, force: true, maxRetries: 3 }));
}

function interrupted(signal: NodeJS.Signals): void {
  runPending();
  process.kill(process.pid, signal);
}

function runPending(): void {
  for (const s of SIGNALS) process.off(s, interrupted);
  process.off('exit', runPending);
  for (const cleanup of pending) {
    try {
      cleanup();
    } catch {
      // The others still run; the process ends either way.
    }
  }
  pending.clear();
}
