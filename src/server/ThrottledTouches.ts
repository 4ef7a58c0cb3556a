/**
 * "Last seen" times that change on every request but are written at most once per key per interval:
 * the latest time waits in memory meanwhile, and `flush` writes what waits. Readers that must be
 * current (a list, a count) flush first. A SIGKILL loses at most one interval of last-seen times.
 *
 * Used by the roster (per learner) and the session store (per session) with their own write.
 */
export class ThrottledTouches {
  /** Times not yet written, by key. */
  private readonly pending = new Map<string, number>();
  /** When each key's time was last written. */
  private readonly written = new Map<string, number>();

  constructor(
    private readonly intervalMs: number,
    /** Writes the given times (one transaction for all of them is the caller's choice). */
    private readonly write: (times: readonly (readonly [key: string, time: number])[]) => void,
  ) {}

  /** The key was seen at `now`: written at once unless it was written less than an interval ago. */
  touch(key: string, now: number): void {
    const last = this.written.get(key);
    if (last !== undefined && now - last < this.intervalMs) {
      this.pending.set(key, Math.max(now, this.pending.get(key) ?? 0));
      return;
    }
    this.pending.delete(key);
    this.written.set(key, now);
    this.write([[key, now]]);
  }

  /** The caller wrote `time` for `key` itself (a sign-in): nothing waits for it any more. */
  wrote(key: string, time: number): void {
    this.pending.delete(key);
    this.written.set(key, time);
  }

  /** The time waiting for `key`, if one does. */
  pendingTime(key: string): number | undefined {
    return this.pending.get(key);
  }

  /** The key is gone (a revoked session): nothing of it is kept or written. */
  forget(key: string): void {
    this.pending.delete(key);
    this.written.delete(key);
  }

  /** Drops what is remembered of keys last written before `before` (pruned rows). */
  forgetWrittenBefore(before: number): void {
    for (const [key, t] of this.written) if (t < before && !this.pending.has(key)) this.written.delete(key);
  }

  /** Writes every waiting time. */
  flush(): void {
    if (this.pending.size === 0) return;
    const times = [...this.pending];
    this.pending.clear();
    this.write(times);
    for (const [key, t] of times) this.written.set(key, t);
  }
}
