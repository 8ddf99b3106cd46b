// Fixed-window counters like PlugAttack's timed_throttle: the window is the current multiple of
// `periodMs` on the registry's clock, and a request is blocked once the count passes the limit.

export interface Throttle {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** End of the window, unix milliseconds. */
  resetAt: number;
}

export class RateLimiter {
  private readonly counts = new Map<string, number>();

  hit(key: string, limit: number, periodMs: number, now: number): Throttle {
    const window = Math.floor(now / periodMs);
    const fullKey = `${key}@${periodMs}:${window}`;
    const count = (this.counts.get(fullKey) ?? 0) + 1;
    this.counts.set(fullKey, count);
    this.prune(now);
    return { allowed: count <= limit, limit, remaining: Math.max(limit - count, 0), resetAt: (window + 1) * periodMs };
  }

  private prune(now: number): void {
    if (this.counts.size < 10_000) return;
    for (const key of this.counts.keys()) {
      const [, spec] = key.split('@') as [string, string];
      const [period, window] = spec.split(':').map(Number) as [number, number];
      if ((window + 1) * period < now) this.counts.delete(key);
    }
  }
}
