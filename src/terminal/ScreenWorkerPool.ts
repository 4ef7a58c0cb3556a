/**
 * One worker thread holding the headless screens of all of a registry's terminals. Writes of one
 * event-loop turn are coalesced into one message per terminal; parse completions come back as
 * messages that drive each terminal's parser flow guard.
 */
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import type { ScreenMirror, ScreenSize } from './ScreenMirror.ts';

export type ScreenRequest =
  | { op: 'open'; id: number; size: ScreenSize }
  | { op: 'write'; id: number; token: number; data: Uint8Array }
  | { op: 'resize'; id: number; cols: number; rows: number }
  | { op: 'snapshot'; id: number; token: number }
  | { op: 'close'; id: number };

export type ScreenReply =
  | { op: 'parsed'; id: number; token: number; bytes: number }
  | { op: 'snapshot'; id: number; token: number; text: string };

const WORKER_URL = new URL('./screenWorker.ts', import.meta.url);
/**
 * The worker is TypeScript like the rest. Workers do not inherit the main thread's loader (and under
 * vitest there is none to inherit), so a small bootstrap registers tsx's loader, then imports it.
 */
const TSX_API = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api')).href.replace(/\.cjs$/, '.mjs');
const BOOTSTRAP = `import(${JSON.stringify(TSX_API)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(WORKER_URL.href)}); })`;

export class ScreenWorkerPool {
  private worker: Worker | null = null;
  private nextId = 1;
  private nextToken = 1;
  private readonly pending = new Map<number, (reply: ScreenReply) => void>();

  open(size: ScreenSize): ScreenMirror {
    const worker = this.ensureWorker();
    const id = this.nextId++;
    worker.postMessage({ op: 'open', id, size } satisfies ScreenRequest);
    let batch: Uint8Array[] = [];
    let batchBytes = 0;
    let callbacks: (() => void)[] = [];
    let scheduled = false;
    let disposed = false;
    const flush = () => {
      scheduled = false;
      if (batch.length === 0 || disposed) return;
      const data = batch.length === 1 ? batch[0]! : Buffer.concat(batch, batchBytes);
      const done = callbacks;
      batch = [];
      batchBytes = 0;
      callbacks = [];
      const token = this.nextToken++;
      this.pending.set(token, () => {
        for (const cb of done) cb();
      });
      worker.postMessage({ op: 'write', id, token, data } satisfies ScreenRequest);
    };
    return {
      write: (data, onParsed) => {
        if (disposed) return;
        batch.push(data);
        batchBytes += data.byteLength;
        callbacks.push(onParsed);
        if (!scheduled) {
          scheduled = true;
          setImmediate(flush);
        }
      },
      resize: (cols, rows) => {
        flush();
        worker.postMessage({ op: 'resize', id, cols, rows } satisfies ScreenRequest);
      },
      snapshot: () => {
        flush();
        const token = this.nextToken++;
        return new Promise<string>((resolve) => {
          this.pending.set(token, (reply) => resolve(reply.op === 'snapshot' ? reply.text : ''));
          worker.postMessage({ op: 'snapshot', id, token } satisfies ScreenRequest);
        });
      },
      dispose: () => {
        if (disposed) return;
        disposed = true;
        batch = [];
        callbacks = [];
        worker.postMessage({ op: 'close', id } satisfies ScreenRequest);
      },
    };
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(BOOTSTRAP, { eval: true });
    worker.on('message', (reply: ScreenReply) => {
      const handler = this.pending.get(reply.token);
      this.pending.delete(reply.token);
      handler?.(reply);
    });
    const failed = (why: string) => {
      // A bug in the worker must not take the gateway down or leave a reattach waiting forever:
      // answer what is pending (replays come out empty) and start a new worker for new terminals.
      console.error(`patchbay: screen worker ${why}`);
      if (this.worker === worker) this.worker = null;
      const pending = [...this.pending.values()];
      this.pending.clear();
      for (const handler of pending) handler({ op: 'snapshot', id: 0, token: 0, text: '' });
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
    this.pending.clear();
    if (worker) await worker.terminate();
  }
}
