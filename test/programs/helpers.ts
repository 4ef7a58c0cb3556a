/**
 * Helpers for the lab-program tests: free ports, a sidecar bootstrap for 127.0.0.1, an upstream that
 * can hold its responses, stats parsing, and running a program as a real process.
 */
import { spawn } from 'node:child_process';
import { createServer as createHttpServer, request, type Agent, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export interface BootstrapOptions {
  adminPort: number;
  listenerPort: number;
  upstreamPort: number;
  cluster?: string;
  statPrefix?: string;
  listenerName?: string;
  thresholds?: string;
  extraCluster?: string;
}

/** A one-listener, one-cluster bootstrap on 127.0.0.1 (the shape the lab's api sidecar uses). */
export function bootstrapYaml(o: BootstrapOptions): string {
  const cluster = o.cluster ?? 'payments';
  return `admin:
  address: { socket_address: { address: 127.0.0.1, port_value: ${o.adminPort} } }
static_resources:
  listeners:
  - name: ${o.listenerName ?? `outbound_listener:127.0.0.1:${o.listenerPort}`}
    address: { socket_address: { address: 127.0.0.1, port_value: ${o.listenerPort} } }
    filter_chains:
    - filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: ${o.statPrefix ?? 'upstream_payments'}
          route_config:
            name: ${cluster}
            virtual_hosts:
            - name: ${cluster}
              domains: ["*"]
              routes:
              - match: { prefix: "/" }
                route: { cluster: ${cluster} }
  clusters:
  - name: ${cluster}
    connect_timeout: 1s
    type: STATIC
    load_assignment:
      cluster_name: ${cluster}
      endpoints:
      - lb_endpoints:
        - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: ${o.upstreamPort} } } }
${o.thresholds ?? ''}${o.extraCluster ?? ''}`;
}

/** An upstream HTTP server; with `hold`, responses wait until `releaseAll()`. */
export class Upstream {
  readonly server: Server;
  held: ServerResponse[] = [];
  hold = false;
  delayMs = 0;
  requests = 0;
  connections = 0;

  constructor() {
    this.server = createHttpServer((req: IncomingMessage, res: ServerResponse) => {
      this.requests++;
      req.resume();
      const answer = () => res.end(`ok ${req.url}\n`);
      if (this.hold) this.held.push(res);
      else if (this.delayMs) setTimeout(answer, this.delayMs);
      else answer();
    });
    this.server.keepAliveTimeout = 3_600_000;
    this.server.on('connection', () => this.connections++);
  }

  async listen(port = 0): Promise<number> {
    await new Promise<void>((r) => this.server.listen(port, '127.0.0.1', () => r()));
    const a = this.server.address();
    return typeof a === 'object' && a ? a.port : 0;
  }

  releaseAll(): void {
    for (const res of this.held.splice(0)) res.end('ok\n');
  }

  close(): Promise<void> {
    this.releaseAll();
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }
}

export interface Reply {
  status: number;
  headers: IncomingMessage['headers'];
  body: string;
  localPort: number | undefined;
}

export function get(url: string, agent: Agent | false = false, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString(), localPort: req.socket?.localPort }));
    });
    req.on('error', reject);
    req.end();
  });
}

export async function fetchText(url: string, init?: RequestInit): Promise<string> {
  const r = await fetch(url, init);
  return r.text();
}

/** `/stats` text as a map of dotted name to value. */
export async function stats(adminPort: number): Promise<Map<string, number>> {
  const text = await fetchText(`http://127.0.0.1:${adminPort}/stats`);
  const m = new Map<string, number>();
  for (const line of text.split('\n')) {
    const i = line.lastIndexOf(': ');
    if (i > 0) m.set(line.slice(0, i), Number(line.slice(i + 2)));
  }
  return m;
}

export function stat(m: Map<string, number>, name: string): number {
  const v = m.get(name);
  if (v === undefined) throw new Error(`no stat ${name}`);
  return v;
}

/** Polls `check` until it returns true (behaviour, not time: the limit only stops a hung test). */
export async function waitFor(check: () => Promise<boolean> | boolean, what: string, limitMs = 10_000): Promise<void> {
  const end = Date.now() + limitMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export interface ProcessResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion. */
export function run(cmd: string, args: string[], input?: string): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, stdout, stderr }));
    p.stdin.end(input ?? '');
  });
}

/** Runs a lab program from source (labs/programs/<name>/main.ts) through tsx. */
export function runProgram(name: string, args: string[]): Promise<ProcessResult> {
  return run(process.execPath, ['--import', 'tsx', `labs/programs/${name}/main.ts`, ...args]);
}

export interface Started {
  pid: number;
  /** The first stderr line matching the ready pattern. */
  match: RegExpExecArray;
  stop(): Promise<void>;
}

/** Starts a lab program as a long-running process and waits until its stderr matches `ready`. */
export function startProgram(name: string, args: string[], ready: RegExp): Promise<Started> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', `labs/programs/${name}/main.ts`, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    const exited = new Promise<void>((r) => p.once('exit', () => r()));
    const stop = async () => {
      if (p.exitCode === null && p.signalCode === null) p.kill('SIGTERM');
      await exited;
    };
    p.stdout.resume();
    p.stderr.on('data', (d) => {
      err += d;
      const m = ready.exec(err);
      if (m) resolve({ pid: p.pid!, match: m, stop });
    });
    p.once('exit', (code) => reject(new Error(`${name} exited (${code}) before it was ready: ${err}`)));
  });
}
