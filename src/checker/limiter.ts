/**
 * A small concurrency limiter: at most `concurrency` tasks run at once, at most `queue` wait; beyond
 * that a task is refused at once (a value, not a throw), so a burst of expensive checks cannot pile up
 * behind one another and stall everyone.
 */
export class Limiter {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly concurrency: number,
    private readonly queue: number,
  ) {}

  /** Runs `task` when a slot is free; returns `{ refused: true }` when the queue is full. */
  async run<T>(task: () => Promise<T>): Promise<{ refused: false; value: T } | { refused: true }> {
    if (this.running >= this.concurrency) {
      if (this.waiting.length >= this.queue) return { refused: true };
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    this.running++;
    try {
      return { refused: false, value: await task() };
    } finally {
      this.running--;
      this.waiting.shift()?.();
    }
  }

  get active(): number {
    return this.running;
  }
}
