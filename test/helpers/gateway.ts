/**
 * Test helpers: a real gateway in-process on 127.0.0.1:0, and a small client that speaks the terminal
 * protocol the way the browser does (parses output with @xterm/headless, acks from the write callback).
 *
 *   const gw = await startGateway();            // signed in through the sign-in link, as a learner
 *   const t = await TerminalTestClient.open(gw, 'shell-1');
 *   t.type('echo hi\r'); await t.waitForText(/hi/);
 *   await t.close(); await gw.close();
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import xtermHeadless from '@xterm/headless';
import type { Terminal as HeadlessTerminal } from '@xterm/headless';
import { createGateway, type Gateway, type GatewayOptions } from '../../src/server/createGateway.ts';
import { LocalTargetResolver } from '../../src/terminal/LocalTargetResolver.ts';
import { ServerMessage, TERMINALS_PATH, encodeFrame, encodeResize, ClientMessage, type TerminalError, type TerminalExit, type TerminalHello } from '../../src/protocol/terminal.ts';
import { decodeServerFrame } from '../../src/protocol/serverFrames.ts';
import { AckCounter } from '../../src/protocol/AckCounter.ts';

const { Terminal: Headless } = xtermHeadless;
/** Prefix of everything these helpers create on the machine (cgroups, temp dirs). */
export const TEST_PREFIX = 'pba';
/** How much recent output a client keeps as text for waitForText: small, since it is re-scanned on every message. */
const TAIL_CHARS = 16 * 1024;

export interface TestGateway {
  gateway: Gateway;
  url: string;
  /** The Origin a browser on this gateway sends. */
  origin: string;
  /** `patchbay_session_PORT=…`, from the sign-in link's answer, as a browser gets it. */
  cookie: string;
  /** The printed sign-in link, on 127.0.0.1 like `url`. */
  signInUrl: string;
  workspace: string;
  cgroupParent: string;
  /** Signs in again without a cookie: a fresh session (a second learner). */
  newCookie(): Promise<string>;
  close(): Promise<void>;
}

/** What a terminal client needs of a gateway: its address, the Origin a browser there sends, a cookie. */
export type GatewayAddress = Pick<TestGateway, 'url' | 'origin' | 'cookie'>;

/**
 * Signs in through the real path: a GET of the sign-in link (`…/?token=…`), which answers with the
 * session cookie and a redirect. Returns the cookie (`name=value`); `cookie` is one the client
 * already holds (signing in again rotates it).
 */
export async function signIn(signInUrl: string, cookie?: string): Promise<string> {
  const get = () => fetch(signInUrl, { redirect: 'manual', headers: cookie ? { cookie } : {} });
  // After a restart on the same port, fetch may first try a kept-alive connection the old gateway closed.
  const res = await get().catch((error: unknown) => {
    if ((error as { cause?: { code?: string } }).cause?.code === 'UND_ERR_SOCKET') return get();
    throw error;
  });
  await res.arrayBuffer();
  const setCookie = res.headers.get('set-cookie');
  if (res.status !== 303 || !setCookie) throw new Error(`sign-in at ${signInUrl} answered ${res.status} without a session`);
  return setCookie.split(';')[0]!;
}

/**
 * The learner id inside a session cookie (what terminals and progress are kept under). The claims are
 * signed, not secret, so a test may read them; only the gateway can make them.
 */
export function learnerIdOf(cookie: string): string {
  const value = cookie.slice(cookie.indexOf('=') + 1);
  return (JSON.parse(Buffer.from(value.split('.')[0]!, 'base64url').toString('utf8')) as { lid: string }).lid;
}

/** The sign-in link a `patchbay serve`/`dev` printed at start (`sign in: open URL`, or hosted mode's operator sign-in). */
export function printedSignInUrl(output: string): string | null {
  return /(?:sign in: open|operator sign-in:) (http:\/\/\S+)/.exec(output)?.[1] ?? null;
}

/** The link on 127.0.0.1 (what the tests' URLs use), since the gateway prints localhost. */
export function onLoopbackIp(link: string): string {
  const u = new URL(link);
  u.hostname = '127.0.0.1';
  return u.toString();
}

export async function startGateway(options: GatewayOptions = {}): Promise<TestGateway> {
  const suffix = randomBytes(4).toString('hex');
  const workspace = mkdtempSync(join(tmpdir(), `${TEST_PREFIX}-ws-`));
  const cgroupParent = `${TEST_PREFIX}-${suffix}`;
  const gateway = await createGateway({
    port: 0,
    host: '127.0.0.1',
    resolver: new LocalTargetResolver({ workspace }),
    cgroupParent,
    ...options,
  });
  const url = `http://127.0.0.1:${gateway.port}`;
  // The printed link's path and token on this address (hosted mode prints its public URL).
  const printed = new URL(gateway.signInUrl);
  const signInUrl = `${url}${printed.pathname}${printed.search}`;
  const newCookie = () => signIn(signInUrl);
  return {
    gateway,
    url,
    origin: url,
    signInUrl,
    cookie: await newCookie(),
    workspace,
    cgroupParent,
    newCookie,
    async close() {
      await gateway.close();
      rmSync(workspace, { recursive: true, force: true });
    },
  };
}

export interface OpenOptions {
  target?: string;
  query?: Record<string, string>;
  cookie?: string;
  origin?: string;
  /** Parse output with a headless xterm and ack after parsing (default true). */
  parse?: boolean;
  /** Send acks at all (default true); false models a client that never acks. */
  ack?: boolean;
  cols?: number;
  rows?: number;
}

export function terminalUrl(gw: GatewayAddress, terminalId: string, options: OpenOptions = {}): string {
  const q = new URLSearchParams({ target: options.target ?? 'tools', ...(options.query ?? {}) });
  if (options.cols) q.set('cols', String(options.cols));
  if (options.rows) q.set('rows', String(options.rows));
  return `${gw.url.replace('http', 'ws')}${TERMINALS_PATH}${encodeURIComponent(terminalId)}?${q}`;
}

/** Tries an upgrade that should be refused; returns the HTTP status and the JSON body. */
export function refusedUpgrade(url: string, headers: Record<string, string>): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.on('open', () => {
      ws.close();
      reject(new Error('upgrade was accepted'));
    });
    ws.on('unexpected-response', (_req, res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString() || 'null') }));
    });
    ws.on('error', () => {});
  });
}

/**
 * Opens a terminal whose target should be refused: the upgrade succeeds, the gateway sends an Error
 * frame and closes with a 4xxx code. Returns both.
 */
export function refusedTerminal(url: string, headers: Record<string, string>): Promise<{ closeCode: number; error: TerminalError | null }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    let error: TerminalError | null = null;
    ws.on('unexpected-response', (_req, res) => reject(new Error(`upgrade refused with HTTP ${res.statusCode}`)));
    ws.on('message', (data: Buffer) => {
      const frame = decodeServerFrame(data);
      if (frame.type === ServerMessage.Error) error = frame.error;
      else if (frame.type === ServerMessage.Hello) reject(new Error('the terminal was opened'));
      else if (frame.type === 'invalid') reject(new Error(`bad frame: ${frame.reason}`));
    });
    ws.on('close', (closeCode) => resolve({ closeCode, error }));
    ws.on('error', () => {});
  });
}

export class TerminalTestClient {
  readonly screen: HeadlessTerminal;
  hello: TerminalHello | null = null;
  exit: TerminalExit | null = null;
  errors: TerminalError[] = [];
  /** Why each malformed frame from the gateway was refused; waitFor fails once there is one. */
  badFrames: string[] = [];
  /** Output and Replay payload bytes received / parsed. */
  received = 0;
  parsed = 0;
  replays = 0;
  ackEnabled: boolean;
  readonly closed: Promise<{ code: number; reason: string }>;
  private tail = '';
  private readonly acks = new AckCounter();
  private readonly decoder = new TextDecoder();
  private waiters: (() => void)[] = [];

  private constructor(
    readonly ws: WebSocket,
    private readonly parse: boolean,
    ack: boolean,
    cols: number,
    rows: number,
  ) {
    this.ackEnabled = ack;
    this.screen = new Headless({ cols, rows, scrollback: 1000, allowProposedApi: true });
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    ws.on('message', (data: Buffer) => this.onMessage(data));
    ws.on('error', () => {});
  }

  static open(gw: GatewayAddress, terminalId: string, options: OpenOptions = {}): Promise<TerminalTestClient> {
    const ws = new WebSocket(terminalUrl(gw, terminalId, options), {
      headers: { cookie: options.cookie ?? gw.cookie, origin: options.origin ?? gw.origin },
      perMessageDeflate: false,
    });
    const client = new TerminalTestClient(ws, options.parse ?? true, options.ack ?? true, options.cols ?? 80, options.rows ?? 24);
    return new Promise((resolve, reject) => {
      ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
      client.waitFor(() => client.hello !== null, 10_000).then(() => resolve(client), reject);
    });
  }

  private onMessage(data: Buffer): void {
    const frame = decodeServerFrame(data);
    switch (frame.type) {
      case ServerMessage.Hello:
        this.hello = frame.hello;
        break;
      case ServerMessage.Replay:
        this.replays++;
        this.screen.reset();
        this.output(frame.data);
        break;
      case ServerMessage.Output:
        this.output(frame.data);
        break;
      case ServerMessage.Exit:
        this.exit = frame.exit;
        break;
      case ServerMessage.Error:
        this.errors.push(frame.error);
        break;
      case 'invalid':
        // The gateway's frames are under test: a malformed one fails the test that waits on this client.
        this.badFrames.push(frame.reason);
        break;
    }
    this.notify();
  }

  private output(payload: Uint8Array): void {
    const bytes = payload.byteLength;
    this.received += bytes;
    this.tail = (this.tail + this.decoder.decode(payload, { stream: true })).slice(-TAIL_CHARS);
    const done = () => {
      this.parsed += bytes;
      if (this.acks.consumed(bytes) && this.ackEnabled) this.flushAck();
      this.notify();
    };
    if (this.parse) this.screen.write(payload, done);
    else done();
  }

  /** Acks everything parsed so far (also what a client does after re-enabling acks). */
  flushAck(): void {
    if (this.acks.pending === 0) return;
    const ack = this.acks.takeAck();
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(ack);
  }

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  /** Resolves when predicate holds (checked on every message); rejects after timeoutMs. */
  waitFor(predicate: () => boolean, timeoutMs = 15_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out; recent output: ${JSON.stringify(this.tail.slice(-400))}`)), timeoutMs);
      const check = () => {
        if (this.badFrames.length > 0) {
          clearTimeout(timer);
          reject(new Error(`the gateway sent a malformed frame: ${this.badFrames[0]}`));
        } else if (predicate()) {
          clearTimeout(timer);
          resolve();
        } else this.waiters.push(check);
      };
      check();
    });
  }

  /** Waits for pattern in output received after the last call to mark() (or ever). */
  waitForText(pattern: RegExp | string, timeoutMs = 15_000): Promise<void> {
    const test = () => (typeof pattern === 'string' ? this.text.includes(pattern) : pattern.test(this.text));
    return this.waitFor(test, timeoutMs);
  }

  /** Output text since the last mark(), at most the last TAIL_CHARS characters. */
  get text(): string {
    return this.tail;
  }

  mark(): void {
    this.tail = '';
  }

  type(text: string): void {
    this.ws.send(encodeFrame(ClientMessage.Input, text));
  }

  sendRaw(frame: Uint8Array | string, binary = true): void {
    this.ws.send(frame, { binary });
  }

  resize(cols: number, rows: number): void {
    this.ws.send(encodeResize(cols, rows));
  }

  /** The visible screen as text lines, trailing blanks trimmed. */
  screenLines(): string[] {
    const buffer = this.screen.buffer.active;
    const lines: string[] = [];
    for (let i = 0; i < this.screen.rows; i++) lines.push(buffer.getLine(buffer.viewportY + i)?.translateToString(true) ?? '');
    return lines;
  }

  /** Resolves once everything received has been parsed. */
  settled(): Promise<void> {
    return new Promise((resolve) => this.screen.write('', resolve));
  }

  async close(): Promise<void> {
    if (this.ws.readyState !== WebSocket.CLOSED) this.ws.close(1000);
    await this.closed;
    this.screen.dispose();
  }
}
