/**
 * A small pool of worker threads that analyse answers (analysis.ts: syntax, types, query facts) off the
 * gateway's main thread, each job within a time budget. A job over budget has its worker terminated (the
 * only way to stop a parser mid-parse) and replaced, and comes back as `timeout`; other learners' checks
 * never wait behind it on the main thread.
 *
 *   const outcome = await sharedAnalysisPool().analyse('sum(rate(x[1m]))');
 *   if (outcome.status === 'done' && outcome.result.ok) use(outcome.result.facts);
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { AnalysisResult, ExplainAnalysis } from './analysis.ts';

export const AnalysisPoolDefaults = {
  /** Workers at most: the machine has 2 cores, and an answer within ChallengeLimits is analysed in milliseconds. */
  SIZE: 2,
  /**
   * Budget per answer, counted from when a ready worker gets it (not its start-up). Answers within
   * ChallengeLimits take tens of milliseconds; this leaves room for a busy machine.
   */
  TIMEOUT_MS: 5_000,
  /** Answers waiting for a worker beyond which new ones are refused at once (`busy`). */
  QUEUE: 64,
} as const;

/** What a job asks of the worker: a check's analysis (the default), or the explain view's tree. */
export type AnalysisTask = 'check' | 'explain';
export type AnalysisRequest = { id: number; query: string; task?: AnalysisTask };
export type AnalysisReply = { ready: true } | { id: number; result: AnalysisResult | ExplainAnalysis } | { id: number; failed: string };

export type AnalysisOutcome<T = AnalysisResult> =
  | { status: 'done'; result: T }
  /** The budget passed; the worker was terminated. */
  | { status: 'timeout'; budgetMs: number }
  /** The queue was full. */
  | { status: 'busy' }
  /** The worker threw or died (a bug, not the answer's fault). */
  | { status: 'failed'; message: string };

const WORKER_URL = new URL('./analysisWorker.ts', import.meta.url);
/** Workers do not inherit the main thread's loader (see ScreenWorkerPool.ts): register tsx's, then import. */
const TSX_API = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api')).href.replace(/\.cjs$/, '.mjs');
const BOOTSTRAP = `import(${JSON.stringify(TSX_API)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(WORKER_URL.href)}); })`;

interface Job {
  id: number;
  query: string;
  task: AnalysisTask;
  resolve(outcome: AnalysisOutcome<AnalysisResult | ExplainAnalysis>): void;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  job: Job | null;
  timer: NodeJS.Timeout | null;
}

export interface AnalysisPoolOptions {
  size?: number;
  timeoutMs?: number;
  queue?: number;
}

export class AnalysisPool {
  private readonly size: number;
  private readonly timeoutMs: number;
  private readonly queueLimit: number;
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private nextId = 1;
  private closed = false;

  constructor(options: AnalysisPoolOptions = {}) {
    this.size = options.size ?? AnalysisPoolDefaults.SIZE;
    this.timeoutMs = options.timeoutMs ?? AnalysisPoolDefaults.TIMEOUT_MS;
    this.queueLimit = options.queue ?? AnalysisPoolDefaults.QUEUE;
  }

  analyse(query: string): Promise<AnalysisOutcome> {
    return this.run(query, 'check') as Promise<AnalysisOutcome>;
  }

  /** The explain view's tree of `query` (analysis.ts: analyseForExplain), within the same budget and queue. */
  explain(query: string): Promise<AnalysisOutcome<ExplainAnalysis>> {
    return this.run(query, 'explain') as Promise<AnalysisOutcome<ExplainAnalysis>>;
  }

  private run(query: string, task: AnalysisTask): Promise<AnalysisOutcome<AnalysisResult | ExplainAnalysis>> {
    if (this.closed) return Promise.resolve({ status: 'failed', message: 'the analysis pool is closed' });
    if (this.queue.length >= this.queueLimit) return Promise.resolve({ status: 'busy' });
    return new Promise((resolve) => {
      this.queue.push({ id: this.nextId++, query, task, resolve });
      this.dispatch();
    });
  }

  /** Starts a worker now, so the first answer does not wait for the parsers to load (seconds on a busy machine). */
  warm(): void {
    if (this.closed || this.slots.length > 0) return;
    this.spawn();
    this.updateRefs();
  }

  /** Workers running now (for tests: a timed-out one is replaced, not added to). */
  get workers(): number {
    return this.slots.length;
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (this.queue.length === 0) break;
      if (!slot.ready || slot.job) continue;
      const job = this.queue.shift()!;
      slot.job = job;
      slot.timer = setTimeout(() => this.timedOut(slot), this.timeoutMs);
      slot.worker.postMessage({ id: job.id, query: job.query, task: job.task } satisfies AnalysisRequest);
    }
    const starting = this.slots.filter((s) => !s.ready).length;
    while (this.slots.length < this.size && this.queue.length > starting + this.slots.filter((s) => s.ready && !s.job).length) this.spawn();
    this.updateRefs();
  }

  /** A worker keeps the process alive only while it has work, so a CLI check can exit when done. */
  private updateRefs(): void {
    for (const slot of this.slots) {
      if (slot.job || this.queue.length > 0) slot.worker.ref();
      else slot.worker.unref();
    }
  }

  private spawn(): void {
    const worker = new Worker(BOOTSTRAP, { eval: true });
    const slot: Slot = { worker, ready: false, job: null, timer: null };
    this.slots.push(slot);
    worker.on('message', (reply: AnalysisReply) => {
      if ('ready' in reply) slot.ready = true;
      else if (slot.job && slot.job.id === reply.id) {
        const job = this.finish(slot);
        job.resolve('result' in reply ? { status: 'done', result: reply.result } : { status: 'failed', message: reply.failed });
      }
      this.dispatch();
    });
    worker.on('error', (error) => this.lost(slot, error.message));
    worker.on('exit', (code) => this.lost(slot, `exited with code ${code}`));
  }

  private finish(slot: Slot): Job {
    const job = slot.job!;
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = null;
    slot.job = null;
    return job;
  }

  private timedOut(slot: Slot): void {
    if (!slot.job) return;
    const job = this.finish(slot);
    this.remove(slot);
    void slot.worker.terminate();
    job.resolve({ status: 'timeout', budgetMs: this.timeoutMs });
    // Replace it now rather than on the next answer, so the next one does not wait for a start-up.
    if (!this.closed && this.slots.length < this.size) this.spawn();
    this.dispatch();
  }

  /** A worker that died: its job fails; one that never became ready fails the waiting ones too (it would loop). */
  private lost(slot: Slot, why: string): void {
    if (!this.remove(slot)) return;
    const message = `analysis worker ${why}`;
    if (slot.job) this.finish(slot).resolve({ status: 'failed', message });
    if (!slot.ready) for (const job of this.queue.splice(0)) job.resolve({ status: 'failed', message });
    this.dispatch();
  }

  private remove(slot: Slot): boolean {
    const i = this.slots.indexOf(slot);
    if (i < 0) return false;
    this.slots.splice(i, 1);
    return true;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.resolve({ status: 'failed', message: 'the analysis pool is closed' });
    const slots = this.slots.splice(0);
    for (const slot of slots) if (slot.job) this.finish(slot).resolve({ status: 'failed', message: 'the analysis pool is closed' });
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }
}

let shared: AnalysisPool | null = null;

/** The process's pool, started on first use; its idle workers do not keep the process alive. */
export function sharedAnalysisPool(): AnalysisPool {
  shared ??= new AnalysisPool();
  return shared;
}
