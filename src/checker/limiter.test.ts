import { describe, expect, it } from 'vitest';
import { Limiter } from './limiter.ts';

describe('Limiter', () => {
  it('runs at most `concurrency` tasks at once, queues up to `queue`, and refuses beyond', async () => {
    const limiter = new Limiter(2, 1);
    const releases: (() => void)[] = [];
    let running = 0;
    let peak = 0;
    const task = () =>
      limiter.run(
        () =>
          new Promise<number>((resolve) => {
            running++;
            peak = Math.max(peak, running);
            releases.push(() => {
              running--;
              resolve(running);
            });
          }),
      );
    const a = task();
    const b = task();
    const c = task(); // queued
    const d = await task(); // refused at once
    expect(d).toEqual({ refused: true });
    expect(limiter.active).toBe(2);
    releases.shift()!();
    await a;
    await new Promise((r) => setTimeout(r, 0));
    expect(limiter.active).toBe(2); // the queued task took the free slot
    while (releases.length) releases.shift()!();
    await Promise.all([b, c]);
    await new Promise((r) => setTimeout(r, 0));
    while (releases.length) releases.shift()!();
    expect((await c).refused).toBe(false);
    expect(peak).toBe(2);
  });
});
