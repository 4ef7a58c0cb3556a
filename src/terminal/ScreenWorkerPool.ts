/**
 * One worker thread holding the screen copies of all of a registry's terminals. Output for the worker
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
  | { op: 'resize'; id: number; cols: number; rows: number }
  | { op: 'snapshot'; id: number; token: number }
  | { op: 'close'; id: number };

export type ScreenReply =
  | { op: 'consumed'; ids: number[]; bytes: number[] }
  | { op: 'snapshot'; token: number; text: string };

/** Gathered output is posted at the next turn once it reaches this much… */
const FLUSH_NOW_BYTES = 64 * 1024;
/** …else after this delay. The copy only has to be complete when a snapshot is asked for (which flushes). */
const FLUSH_DELAY_MS = 10;

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

export class ScreenWorkerPool {
  private worker: Worker | null = null;
  private nextId = 1;
  private nextToken = 1;
  private readonly screens = new Map<number, PooledScreen>();
  private readonly snapshots = new Map<number, { id: number; resolve: (text: string) => void }>();
  private gatheredBytes = 0;
  private flushTimer: NodeJS.Timeout | null = null;
  private flushImmediate: NodeJS.Immediate | null = null;

  open(size: ScreenSize, onConsumed: ConsumedListener): ScreenMirror {
    const worker = this.ensureWorker();
    const id = this.nextId++;
    const screen: PooledScreen = { worker, onConsumed, outstanding: 0, gathered: [], gatheredBytes: 0 };
    this.screens.set(id, screen);
    worker.postMessage({ op: 'open', id, size } satisfies ScreenRequest);
    return {
      write: (data) => this.write(id, data),
      resize: (cols, rows) => {
        if (!this.alive(id)) return;
        this.flush();
        worker.postMessage({ op: 'resize', id, cols, rows } satisfies ScreenRequest);
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

  private ensureWorker(): Worker {
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
    this.cancelFlush();
    for (const snapshot of this.snapshots.values()) snapshot.resolve('');
    this.snapshots.clear();
    if (worker) await worker.terminate();
  }
}
