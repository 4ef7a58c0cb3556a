/**
 * conntrack-exporter: per-remote-host TCP connection states from the kernel's conntrack table.
 * One process, two threads: this file's main thread serves HTTP; the same file, started as a
 * worker thread, runs the collector (table reads, event stream, aggregation). The file starts itself
 * as the worker so the esbuild bundle stays one file.
 */
import { writeFileSync } from 'node:fs';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { Collector, type CollectorOptions } from './collector.ts';
import { emptyStats, renderConnections, renderStats } from './exposition.ts';
import { MetricsServer } from './metricsServer.ts';
import { HELP, parseOptions } from './options.ts';
import { COLLECTOR_THREAD_NAME, Tunables } from './tunables.ts';

/** Messages from the collector thread. */
type FromCollector =
  /** The exposition text as UTF-8, its buffer transferred (not copied) to this thread. */
  | { kind: 'snapshot'; bytes: Uint8Array }
  | { kind: 'fresh' }
  | { kind: 'out'; line: string }
  | { kind: 'err'; line: string }
  /** The PID of the `conntrack -E` child (0: none now), so this thread can end it if the collector thread dies or is terminated. */
  | { kind: 'child'; pid: number };

/** Ends a child the collector thread left behind (it was terminated or crashed), by its PID. */
function reap(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    // already gone
  }
}

async function runServer(): Promise<void> {
  const parsed = parseOptions(process.argv.slice(2));
  if (parsed.kind === 'help') {
    process.stdout.write(HELP);
    return;
  }
  if (parsed.kind === 'error') {
    process.stderr.write(`conntrack-exporter: ${parsed.message}\nRun with --help to see the options.\n`);
    process.exitCode = 2;
    return;
  }
  const options = parsed.options;
  const server = new MetricsServer(options.listenPath);
  server.publish(new TextEncoder().encode(renderConnections([]) + renderStats({ ...emptyStats(), status: 'starting' })));
  let address;
  try {
    address = await server.listen(options.listenPort, options.bindAddress);
  } catch (err) {
    process.stderr.write(`conntrack-exporter: cannot listen on port ${options.listenPort}: ${(err as Error).message}\n`);
    process.exitCode = 1;
    return;
  }
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  process.stdout.write(`conntrack-exporter: listening on http://${host}:${address.port}${options.listenPath}\n`);

  let worker: Worker | undefined;
  let childPid: number | undefined;
  let stopping = false;
  const startWorker = () => {
    const data: CollectorOptions = { ...options, hostsPath: '/etc/hosts' };
    const w = collectorWorker(data);
    worker = w;
    w.on('message', (m: FromCollector) => {
      if (m.kind === 'snapshot') server.publish(m.bytes);
      else if (m.kind === 'fresh') server.touch();
      else if (m.kind === 'child') childPid = m.pid === 0 ? undefined : m.pid;
      else if (m.kind === 'out') process.stdout.write(m.line + '\n');
      else process.stderr.write(m.line + '\n');
    });
    w.on('error', (err) => process.stderr.write(`conntrack-exporter: collector failed (a bug): ${err.stack ?? err.message}\n`));
    w.on('exit', () => {
      reap(childPid);
      childPid = undefined;
      if (stopping) return;
      process.stderr.write(`conntrack-exporter: collector thread ended; restarting it in ${Tunables.collectorRestartMs} ms\n`);
      setTimeout(() => !stopping && startWorker(), Tunables.collectorRestartMs);
    });
  };
  startWorker();

  const stop = async () => {
    if (stopping) return;
    stopping = true;
    const w = worker;
    if (w !== undefined && w.threadId !== -1) {
      // Ask the collector to stop its child process; terminate it if it does not finish in time.
      const exited = new Promise<void>((resolve) => w.once('exit', () => resolve()));
      w.postMessage({ kind: 'stop' });
      const timer = setTimeout(() => void w.terminate(), Tunables.collectorStopGraceMs);
      await exited;
      clearTimeout(timer);
    }
    await server.close();
  };
  // SIGHUP: resync now (after changing sysctls or /etc/hosts, or to measure a resync).
  process.on('SIGHUP', () => worker?.postMessage({ kind: 'resync' }));
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
}

/**
 * Starts this file as the collector thread. Bundled (.mjs) it is plain JavaScript; run from source
 * (.ts, under tsx) the worker must load it through tsx's API, because Node 20 does not pass the
 * `--import tsx` loader on to worker threads.
 */
function collectorWorker(data: CollectorOptions): Worker {
  const self = import.meta.url;
  if (!self.endsWith('.ts')) return new Worker(new URL(self), { workerData: data });
  const api = import.meta.resolve('tsx/esm/api');
  const code = `import(${JSON.stringify(api)}).then((m) => m.tsImport(${JSON.stringify(self)}, ${JSON.stringify(self)}))`;
  return new Worker(code, { eval: true, workerData: data });
}

/**
 * Names this thread, so `top -H` (and the bench) can tell the collector from the HTTP thread. Linux only;
 * elsewhere, or without /proc, the thread keeps its name.
 */
function nameThread(name: string): void {
  try {
    writeFileSync('/proc/thread-self/comm', name);
  } catch {
    // not Linux: no thread names
  }
}

async function runCollector(options: CollectorOptions): Promise<void> {
  nameThread(COLLECTOR_THREAD_NAME);
  const port = parentPort!;
  const send = (m: FromCollector) => port.postMessage(m);
  const encoder = new TextEncoder();
  const collector = new Collector(options, {
    snapshot: (text) => {
      // Encoded here, and the buffer moved: the HTTP thread gets bytes to write, with no string to
      // deserialise or encode, and its heap stays small.
      const bytes = encoder.encode(text);
      port.postMessage({ kind: 'snapshot', bytes } satisfies FromCollector, [bytes.buffer]);
    },
    fresh: () => send({ kind: 'fresh' }),
    child: (pid) => send({ kind: 'child', pid }),
    out: (line) => send({ kind: 'out', line }),
    err: (line) => send({ kind: 'err', line }),
  });
  port.on('message', (m: { kind: string }) => {
    if (m.kind === 'stop') void collector.stop().then(() => port.close());
    else if (m.kind === 'resync') void collector.resync('signal');
  });
  await collector.start();
}

if (isMainThread) await runServer();
else await runCollector(workerData as CollectorOptions);
