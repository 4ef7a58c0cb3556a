/**
 * One worker thread holding the screen copies of all of a registry's terminals, started with the first
 * and ended once none has been open for `idleMs`, so the memory a burst of big screens took goes back
 * (a worker's heap does not shrink by itself: 32 copies of 1000x500 left the gateway 700 MB larger). Output for the worker
 * is gathered from every terminal and posted as one message: at once when a flood has gathered
 * FLUSH_NOW_BYTES, otherwise after FLUSH_DELAY_MS, so a hundred learners typing do not wake the worker
 * for every keystroke. Consumed counts come back in batches and drive each terminal's parser guard.
 */
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { concatBytes } from './concatBytes.ts';
import type { ConsumedListener, ScreenMirror, ScreenSize } from './ScreenMirror.ts';

export type ScreenRequest =
  | { op: 'open'; id: number; size: ScreenSize }
  | { op: 'write'; ids: number[]; chunks: Uint8Array[] }
  | { op: 'resize'; id: number; cols: number; rows: number; scrollback?: number }
  | { op: 'snapshot'; id: number; token: number }
  | { op: 'stats'; token: number }
  | { op: 'close'; id: number };

export type ScreenReply =
  | { op: 'consumed'; ids: number[]; bytes: number[] }
  | { op: 'snapshot'; token: number; text: string }
  | { op: 'stats'; token: number; screens: number; estimatedBytes: number };

/** What the pool holds: its workers, the copies open on this side, and those the worker holds. */
export interface ScreenPoolStats {
  workers: number;
  screens: number;
  workerScreens: number;
  /** The worker's copies' estimated bytes (TerminalLimits.screenCopyBytes). */
  estimatedBytes: number;
}

/** Gathered output is posted at the next turn once it reaches this much… */
const FLUSH_NOW_BYTES = 64 * 1024;
/** …else after this delay. The copy only has to be complete when a snapshot is asked for (which flushes). */
const FLUSH_DELAY_MS = 10;
/**
 * A worker with no screen open is ended after this long: its heap (hundreds of MB after big screens)
 * goes back to the system, and a learner reloading a page does not pay a worker start (about 100 ms).
 */
export const SCREEN_WORKER_IDLE_MS = 30_000;

const WORKER_URL = new URL('./screenWorker.ts', import.meta.url);
/**
 * The worker is TypeScript like the rest. Workers do not inherit the main thread's loader (and under
 * vitest there is none to inherit), so a small bootstrap registers tsx's loader, then imports it.
 */
const TSX_API = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api')).href.replace(/\.cjs$/, '.mjs');
const BOOTSTRAP = `import(${JSON.stringify(TSX_API)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(WORKER_URL.href)}); })`;

interface PooledScreen {
  worker: Worker;
  onConsumed: ConsumedListener;
  /** Bytes written and not yet reported consumed (given back if the worker dies). */
  outstanding: number;
  gathered: Uint8Array[];
  gatheredBytes: number;
}

export interface ScreenWorkerPoolOptions {
  /** End the worker once no screen has been open for this long (tests use 0). */
  idleMs?: number;
}

export class ScreenWorkerPool {
  private worker: Worker | null = null;
  private idleTimer: NodeJS.Timeout | null = null;
  private readonly idleMs: number;
  private readonly statsWaiters = new Map<number, (reply: Extract<ScreenReply, { op: 'stats' }>) => void>();
  private nextId = 1;
  private nextToken = 1;
  private readonly screens = new Map<number, PooledScreen>();
  private readonly snapshots = new Map<number, { id: number; resolve: (text: string) => void }>();
  private gatheredBytes = 0;
  private flushTimer: NodeJS.Timeout | null = null;
  private flushImmediate: NodeJS.Immediate | null = null;

  constructor(options: ScreenWorkerPoolOptions = {}) {
    this.idleMs = options.idleMs ?? SCREEN_WORKER_IDLE_MS;
  }

  /** What is held now; the worker's own count comes from the worker (0 when there is none). */
  async stats(): Promise<ScreenPoolStats> {
    const worker = this.worker;
    const screens = this.screens.size;
    if (!worker) return { workers: 0, screens, workerScreens: 0, estimatedBytes: 0 };
    const token = this.nextToken++;
    const reply = await new Promise<Extract<ScreenReply, { op: 'stats' }> | null>((resolve) => {
      this.statsWaiters.set(token, resolve);
      worker.once('exit', () => resolve(null));
      worker.postMessage({ op: 'stats', token } satisfies ScreenRequest);
    });
    this.statsWaiters.delete(token);
    return { workers: this.worker ? 1 : 0, screens: this.screens.size, workerScreens: reply?.screens ?? 0, estimatedBytes: reply?.estimatedBytes ?? 0 };
  }

  open(size: ScreenSize, onConsumed: ConsumedListener): ScreenMirror {
    const worker = this.ensureWorker();
    const id = this.nextId++;
    const screen: PooledScreen = { worker, onConsumed, outstanding: 0, gathered: [], gatheredBytes: 0 };
    this.screens.set(id, screen);
    worker.postMessage({ op: 'open', id, size } satisfies ScreenRequest);
    return {
      write: (data) => this.write(id, data),
      resize: (cols, rows, scrollback) => {
        if (!this.alive(id)) return;
        this.flush();
        worker.postMessage({ op: 'resize', id, cols, rows, ...(scrollback !== undefined && { scrollback }) } satisfies ScreenRequest);
      },
      snapshot: () => {
        if (!this.alive(id)) return Promise.resolve('');
        this.flush();
        const token = this.nextToken++;
        return new Promise<string>((resolve) => {
          this.snapshots.set(token, { id, resolve });
          worker.postMessage({ op: 'snapshot', id, token } satisfies ScreenRequest);
        });
      },
      dispose: () => {
        const open = this.screens.get(id);
        if (!open) return;
        this.screens.delete(id);
        this.gatheredBytes -= open.gatheredBytes;
        if (open.worker === this.worker) open.worker.postMessage({ op: 'close', id } satisfies ScreenRequest);
        if (this.screens.size === 0) this.idleLater();
      },
    };
  }

  /** The screen is open and its worker still runs. */
  private alive(id: number): boolean {
    const open = this.screens.get(id);
    return open !== undefined && open.worker === this.worker;
  }

  private write(id: number, data: Uint8Array): void {
    const open = this.screens.get(id);
    if (!open) return;
    if (open.worker !== this.worker) {
      // Its worker died: there is no copy to keep, so the bytes count as dealt with.
      open.onConsumed(data.byteLength);
      return;
    }
    open.outstanding += data.byteLength;
    open.gathered.push(data);
    open.gatheredBytes += data.byteLength;
    this.gatheredBytes += data.byteLength;
    if (this.gatheredBytes >= FLUSH_NOW_BYTES) this.flushImmediate ??= setImmediate(() => this.flush());
    else this.flushTimer ??= setTimeout(() => this.flush(), FLUSH_DELAY_MS);
  }

  private cancelFlush(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    if (this.flushImmediate) clearImmediate(this.flushImmediate);
    this.flushTimer = null;
    this.flushImmediate = null;
  }

  private flush(): void {
    this.cancelFlush();
    if (this.gatheredBytes === 0 || !this.worker) return;
    const ids: number[] = [];
    const chunks: Uint8Array[] = [];
    // One copy per terminal into a buffer of its own, which is then moved to the worker, not cloned.
    const transfer: ArrayBuffer[] = [];
    for (const [id, open] of this.screens) {
      if (open.gatheredBytes === 0) continue;
      const chunk = concatBytes(open.gathered, open.gatheredBytes);
      ids.push(id);
      chunks.push(chunk);
      transfer.push(chunk.buffer);
      open.gathered = [];
      open.gatheredBytes = 0;
    }
    this.gatheredBytes = 0;
    this.worker.postMessage({ op: 'write', ids, chunks } satisfies ScreenRequest, transfer);
  }

  private idleLater(): void {
    if (this.idleTimer || !this.worker) return;
    this.idleTimer = setTimeout(() => {
      this.idleTimer = null;
      if (this.screens.size > 0 || !this.worker) return;
      const worker = this.worker;
      // Forgotten first, so its exit is not taken for a failure.
      this.worker = null;
      this.cancelFlush();
      void worker.terminate();
    }, this.idleMs);
    this.idleTimer.unref();
  }

  private ensureWorker(): Worker {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    if (this.worker) return this.worker;
    const worker = new Worker(BOOTSTRAP, { eval: true });
    worker.on('message', (reply: ScreenReply) => {
      if (reply.op === 'consumed') {
        for (let i = 0; i < reply.ids.length; i++) {
          const open = this.screens.get(reply.ids[i]!);
          if (!open) continue;
          open.outstanding -= reply.bytes[i]!;
          open.onConsumed(reply.bytes[i]!);
        }
      } else if (reply.op === 'stats') {
        this.statsWaiters.get(reply.token)?.(reply);
      } else {
        const snapshot = this.snapshots.get(reply.token);
        this.snapshots.delete(reply.token);
        snapshot?.resolve(reply.text);
      }
    });
    const failed = (why: string) => {
      // A bug in the worker must not take the gateway down, pause a terminal for good or leave a
      // reattach waiting: give back what is outstanding, answer pending snapshots (replays come out
      // empty), and start a new worker for new terminals.
      console.error(`patchbay: screen worker ${why}`);
      if (this.worker === worker) this.worker = null;
      for (const [token, snapshot] of this.snapshots) {
        if (this.screens.get(snapshot.id)?.worker !== worker) continue;
        this.snapshots.delete(token);
        snapshot.resolve('');
      }
      for (const open of this.screens.values()) {
        if (open.worker !== worker) continue;
        this.gatheredBytes -= open.gatheredBytes;
        open.gathered = [];
        open.gatheredBytes = 0;
        const outstanding = open.outstanding;
        open.outstanding = 0;
        if (outstanding > 0) open.onConsumed(outstanding);
      }
    };
    worker.on('error', (error) => failed(`failed: ${error.stack ?? error.message}`));
    worker.on('exit', (code) => {
      if (this.worker === worker) failed(`exited with code ${code}`);
    });
    worker.unref();
    this.worker = worker;
    return worker;
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    this.cancelFlush();
    for (const snapshot of this.snapshots.values()) snapshot.resolve('');
    this.snapshots.clear();
    if (worker) await worker.terminate();
  }
}
