/**
 * One owner for everything a terminal must release: timers, listeners, the pty, its cgroup, the screen
 * copy. In the manner of xterm.js's `Lifecycle.ts` and VS Code's `DisposableStore`: whatever a part
 * starts is added to a store as it starts, and the store releases all of it once, newest first.
 *
 * Unlike theirs, a release may take time (killing a process tree waits for it to die): the store waits
 * for it before releasing the next, so a cgroup is emptied only after its shell had its grace period.
 * Releases that return nothing run synchronously inside `dispose()`, before its first wait.
 */

export interface Disposable {
  dispose(): void | Promise<void>;
}

/** A Disposable that runs `release` once, however often it is disposed. */
export function toDisposable(release: () => void | Promise<void>): Disposable {
  let released = false;
  return {
    dispose: () => {
      if (released) return;
      released = true;
      return release();
    },
  };
}

export class DisposableStore implements Disposable {
  private readonly items: Disposable[] = [];
  private released: Promise<void> | null = null;

  get isDisposed(): boolean {
    return this.released !== null;
  }

  /** Holds `item` until the store is disposed; a store already disposed releases it at once. */
  add<T extends Disposable>(item: T): T {
    if (!this.released) {
      this.items.push(item);
      return item;
    }
    const late = item.dispose();
    // A later dispose() call waits for this one too.
    if (late) this.released = Promise.all([this.released, late]).then(() => undefined);
    return item;
  }

  /**
   * Releases everything, newest first, each after the previous one finished. A failing release does not
   * stop the others; the first error (or all of them, as an AggregateError) rejects the promise. Calling
   * it again returns the same promise.
   */
  dispose(): Promise<void> {
    this.released ??= this.releaseAll();
    return this.released;
  }

  private async releaseAll(): Promise<void> {
    const errors: unknown[] = [];
    for (let item = this.items.pop(); item; item = this.items.pop()) {
      try {
        const pending = item.dispose();
        // Only a real wait yields: synchronous releases all happen within the dispose() call.
        if (pending) await pending;
      } catch (error) {
        errors.push(error);
      }
    }
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) throw new AggregateError(errors, `${errors.length} releases failed`);
  }
}

/** A timer as a Disposable: released at once, so its dispose() returns nothing to wait for. */
export interface Timer extends Disposable {
  dispose(): void;
}

/** Runs `run` once after `ms`, unless disposed first. */
export function disposableTimeout(ms: number, run: () => void): Timer {
  const handle = setTimeout(run, ms);
  return { dispose: () => clearTimeout(handle) };
}

/** Runs `run` every `ms` until disposed. */
export function disposableInterval(ms: number, run: () => void): Timer {
  const handle = setInterval(run, ms);
  return { dispose: () => clearInterval(handle) };
}

/**
 * One pending callback at a time, armed and re-armed by its part (like VS Code's `TimeoutTimer`): added
 * to a store once, instead of a handle to keep and clear per arming. Once disposed it never runs again.
 */
export class TimerSlot implements Timer {
  private cancelPending: (() => void) | null = null;
  private disposed = false;

  /** A callback is waiting to run. */
  get isSet(): boolean {
    return this.cancelPending !== null;
  }

  /** Runs `run` after `ms`, in place of whatever was waiting. */
  after(ms: number, run: () => void): void {
    this.cancel();
    if (this.disposed) return;
    const handle = setTimeout(() => {
      this.cancelPending = null;
      run();
    }, ms);
    this.cancelPending = () => clearTimeout(handle);
  }

  /** Runs `run` at the next turn of the event loop, after pending I/O (setImmediate), in place of whatever was waiting. */
  soon(run: () => void): void {
    this.cancel();
    if (this.disposed) return;
    const handle = setImmediate(() => {
      this.cancelPending = null;
      run();
    });
    this.cancelPending = () => clearImmediate(handle);
  }

  cancel(): void {
    this.cancelPending?.();
    this.cancelPending = null;
  }

  dispose(): void {
    this.disposed = true;
    this.cancel();
  }
}
