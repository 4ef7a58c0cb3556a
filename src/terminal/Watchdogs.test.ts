import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { WATCHDOG_TICK_MS, Watchdogs } from './Watchdogs.ts';

const limits = { ackStallMs: 5_000, inputStallMs: 3_000, idleMs: 60_000, maxLifetimeMs: 600_000 };

/** Watchdogs on vitest's fake clock, with hooks that record what they were told to do. */
function watch(state: { attached?: boolean; queued?: number; accepted?: number } = {}) {
  const calls: string[] = [];
  const dogs = new Watchdogs(limits, {
    attached: () => state.attached ?? true,
    queuedInput: () => state.queued ?? 0,
    acceptedInput: () => state.accepted ?? 0,
    dropClient: (code, ...args) => calls.push(['drop', code, ...args].join(' ')),
    end: (code, ...args) => calls.push(['end', code, ...args].join(' ')),
  });
  return { dogs, calls, state };
}

describe('Watchdogs', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('drops a client that leaves output waiting for acks past ackStallMs; an ack restarts the count', () => {
    const { dogs, calls } = watch();
    dogs.ackPaused(true);
    vi.advanceTimersByTime(limits.ackStallMs - WATCHDOG_TICK_MS);
    dogs.acked();
    vi.advanceTimersByTime(limits.ackStallMs);
    expect(calls).toEqual([]);
    vi.advanceTimersByTime(WATCHDOG_TICK_MS);
    expect(calls).toEqual(['drop PB_ACK_STALL 5000']);
    dogs.dispose();
  });

  it('does not count while output flows, nor without a client', () => {
    const { dogs, calls, state } = watch({ attached: false });
    dogs.ackPaused(true);
    vi.advanceTimersByTime(limits.ackStallMs * 2);
    expect(calls).toEqual([]);
    state.attached = true;
    dogs.ackPaused(false);
    vi.advanceTimersByTime(limits.ackStallMs * 2);
    expect(calls).toEqual([]);
    // Paused again: the count starts now, not when it first paused.
    dogs.ackPaused(true);
    vi.advanceTimersByTime(limits.ackStallMs);
    expect(calls).toEqual([]);
    vi.advanceTimersByTime(WATCHDOG_TICK_MS);
    expect(calls).toEqual(['drop PB_ACK_STALL 5000']);
    dogs.dispose();
  });

  it('ends a terminal whose queued input does not shrink for inputStallMs', () => {
    const { dogs, calls, state } = watch({ queued: 4096 });
    vi.advanceTimersByTime(limits.inputStallMs);
    // Shrinking (the program reads, slowly) restarts the count.
    state.queued = 2048;
    vi.advanceTimersByTime(limits.inputStallMs);
    expect(calls).toEqual([]);
    vi.advanceTimersByTime(2 * WATCHDOG_TICK_MS);
    expect(calls[0]).toBe('end PB_INPUT_STALLED');
    dogs.dispose();
  });

  it('keeps a terminal whose program reads, though its queue stays as full (a long paste refills it)', () => {
    const { dogs, calls, state } = watch({ queued: 256 * 1024, accepted: 0 });
    for (let t = 0; t < 3 * limits.inputStallMs; t += WATCHDOG_TICK_MS) {
      state.accepted! += 64 * 1024;
      vi.advanceTimersByTime(WATCHDOG_TICK_MS);
    }
    expect(calls).toEqual([]);
    // The program stops reading: the count starts at its last progress.
    vi.advanceTimersByTime(limits.inputStallMs + WATCHDOG_TICK_MS);
    expect(calls).toEqual(['end PB_INPUT_STALLED']);
    dogs.dispose();
  });

  it('ends a terminal with no input for idleMs', () => {
    const { dogs, calls } = watch();
    vi.advanceTimersByTime(limits.idleMs - WATCHDOG_TICK_MS);
    dogs.input();
    vi.advanceTimersByTime(limits.idleMs);
    expect(calls).toEqual([]);
    vi.advanceTimersByTime(WATCHDOG_TICK_MS);
    expect(calls).toEqual(['end PB_LIMIT The terminal was idle too long']);
    dogs.dispose();
  });

  it('ends a terminal at maxLifetimeMs, however busy', () => {
    const { dogs, calls } = watch();
    for (let t = 0; t < limits.maxLifetimeMs - 1; t += 30_000) {
      dogs.input();
      vi.advanceTimersByTime(Math.min(30_000, limits.maxLifetimeMs - 1 - t));
    }
    expect(calls).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(calls).toEqual(['end PB_LIMIT The terminal reached its maximum lifetime']);
    dogs.dispose();
  });

  it('says nothing once disposed', () => {
    const { dogs, calls } = watch({ queued: 1 });
    dogs.ackPaused(true);
    dogs.dispose();
    vi.advanceTimersByTime(limits.maxLifetimeMs * 2);
    expect(calls).toEqual([]);
  });
});
