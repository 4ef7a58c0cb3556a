import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DisposableStore, TimerSlot, disposableInterval, disposableTimeout, toDisposable } from './lifecycle.ts';

describe('DisposableStore', () => {
  it('releases everything once, newest first', async () => {
    const store = new DisposableStore();
    const released: string[] = [];
    for (const name of ['cgroup', 'pty', 'listener', 'timer']) store.add(toDisposable(() => void released.push(name)));
    const first = store.dispose();
    expect(store.dispose()).toBe(first);
    await first;
    await store.dispose();
    expect(released).toEqual(['timer', 'listener', 'pty', 'cgroup']);
    expect(store.isDisposed).toBe(true);
  });

  it('waits for a slow release before the next, and runs quick ones within the dispose() call', async () => {
    const store = new DisposableStore();
    const released: string[] = [];
    let finishKill!: () => void;
    store.add(toDisposable(() => void released.push('cgroup')));
    store.add(
      toDisposable(() => {
        released.push('kill started');
        return new Promise<void>((resolve) => (finishKill = resolve));
      }),
    );
    store.add(toDisposable(() => void released.push('timer')));
    let done = false;
    const disposing = store.dispose().then(() => (done = true));
    expect(released).toEqual(['timer', 'kill started']);
    await new Promise((r) => setTimeout(r, 20));
    expect(released).toEqual(['timer', 'kill started']);
    expect(done).toBe(false);
    finishKill();
    await disposing;
    expect(released).toEqual(['timer', 'kill started', 'cgroup']);
  });

  it('releases at once what is added after it was disposed, and a later dispose() waits for that too', async () => {
    const store = new DisposableStore();
    await store.dispose();
    let syncReleased = false;
    store.add(toDisposable(() => void (syncReleased = true)));
    expect(syncReleased).toBe(true);
    let asyncReleased = false;
    store.add(toDisposable(() => new Promise<void>((r) => setTimeout(r, 20)).then(() => void (asyncReleased = true))));
    expect(asyncReleased).toBe(false);
    await store.dispose();
    expect(asyncReleased).toBe(true);
  });

  it('keeps releasing after a failure and rejects with it', async () => {
    const store = new DisposableStore();
    const released: string[] = [];
    store.add(toDisposable(() => void released.push('first')));
    store.add(toDisposable(() => Promise.reject(new Error('async boom'))));
    store.add(toDisposable(() => void released.push('last')));
    await expect(store.dispose()).rejects.toThrow('async boom');
    expect(released).toEqual(['last', 'first']);
  });

  it('reports several failures together', async () => {
    const store = new DisposableStore();
    store.add(
      toDisposable(() => {
        throw new Error('one');
      }),
    );
    store.add(toDisposable(() => Promise.reject(new Error('two'))));
    const error = await store.dispose().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AggregateError);
    expect((error as AggregateError).errors.map((e: Error) => e.message)).toEqual(['two', 'one']);
  });

  it('toDisposable releases once however often it is disposed', () => {
    let count = 0;
    const d = toDisposable(() => void count++);
    d.dispose();
    d.dispose();
    expect(count).toBe(1);
  });
});

describe('timers', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('disposableTimeout runs once, and never once disposed', () => {
    const ran: string[] = [];
    disposableTimeout(100, () => ran.push('kept'));
    const cancelled = disposableTimeout(100, () => ran.push('cancelled'));
    vi.advanceTimersByTime(99);
    cancelled.dispose();
    vi.advanceTimersByTime(1000);
    expect(ran).toEqual(['kept']);
  });

  it('disposableInterval ticks until disposed', () => {
    let ticks = 0;
    const interval = disposableInterval(100, () => ticks++);
    vi.advanceTimersByTime(350);
    interval.dispose();
    vi.advanceTimersByTime(1000);
    expect(ticks).toBe(3);
  });

  it('a TimerSlot holds one callback: re-arming replaces it, cancel and dispose drop it', () => {
    const slot = new TimerSlot();
    const ran: string[] = [];
    slot.after(100, () => ran.push('first'));
    expect(slot.isSet).toBe(true);
    slot.after(50, () => ran.push('second'));
    vi.advanceTimersByTime(200);
    expect(ran).toEqual(['second']);
    expect(slot.isSet).toBe(false);

    slot.soon(() => ran.push('soon'));
    slot.cancel();
    expect(slot.isSet).toBe(false);
    vi.runAllTimers();
    expect(ran).toEqual(['second']);

    slot.after(100, () => ran.push('timeout'));
    slot.soon(() => ran.push('immediate'));
    vi.runAllTimers();
    expect(ran).toEqual(['second', 'immediate']);

    slot.after(100, () => ran.push('disposed'));
    slot.dispose();
    slot.soon(() => ran.push('after dispose'));
    expect(slot.isSet).toBe(false);
    vi.runAllTimers();
    expect(ran).toEqual(['second', 'immediate']);
  });
});
