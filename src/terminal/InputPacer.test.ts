import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { INPUT_PAUSE_BYTES, INPUT_POLL_MS, INPUT_RESUME_BYTES, InputPacer, READING_WINDOW_MS } from './InputPacer.ts';

/** A pacer on vitest's fake clock over a queue the test moves by hand; records what it tells the socket. */
function pace() {
  const state = { queued: 0, accepted: 0 };
  const calls: boolean[] = [];
  const pacer = new InputPacer({ queued: () => state.queued, accepted: () => state.accepted, pauseSocket: (p) => calls.push(p) });
  const write = (bytes: number) => {
    pacer.beforeWrite();
    state.queued += bytes;
    pacer.afterWrite();
  };
  const drain = (bytes: number) => {
    state.queued -= bytes;
    state.accepted += bytes;
  };
  return { pacer, state, calls, write, drain };
}

describe('InputPacer', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('holds the socket back while a program reads a burst, and reads on once it has caught up', () => {
    const { pacer, calls, write, drain } = pace();
    write(INPUT_PAUSE_BYTES - 1);
    expect(calls).toEqual([]);
    write(1);
    expect(calls).toEqual([true]);
    drain(INPUT_PAUSE_BYTES - INPUT_RESUME_BYTES - 1);
    vi.advanceTimersByTime(INPUT_POLL_MS);
    expect(calls).toEqual([true]);
    drain(1);
    vi.advanceTimersByTime(INPUT_POLL_MS);
    expect(calls).toEqual([true, false]);
    pacer.dispose();
  });

  it('lets a program that stopped reading get the caps: no backpressure after READING_WINDOW_MS without progress', () => {
    const { pacer, calls, write } = pace();
    write(INPUT_PAUSE_BYTES);
    expect(calls).toEqual([true]);
    vi.advanceTimersByTime(READING_WINDOW_MS + INPUT_POLL_MS);
    expect(calls).toEqual([true, false]);
    write(INPUT_PAUSE_BYTES);
    expect(calls).toEqual([true, false]);
    expect(pacer.isPaused).toBe(false);
    pacer.dispose();
  });
});
