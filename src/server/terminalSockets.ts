/**
 * Terminals over WebSocket. Who may open a socket is checked at the HTTP upgrade and refused with an
 * HTTP error (status + JSON ApiError) before upgrading: an Origin on the allowlist (exact match; a
 * missing Origin is refused), a session the server issued (identity.ts) and a well-formed terminal id.
 * Terminals are kept under the session's learner id: another session never reaches them. What the socket may open
 * (the resolver, not the client, decides what host, shell, user and workdir a target gets) is refused
 * after the upgrade with an Error frame and a 4xxx close: a browser cannot read an upgrade's HTTP answer,
 * and the learner must see why the terminal did not open.
 *
 * After the upgrade every frame goes to the terminal's session, which closes bad ones with a reason.
 * Text frames are refused (the protocol is binary); input bytes that are not valid UTF-8 are passed to
 * the pty unchanged (it is a byte device; the program decides).
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { WebSocketServer, WebSocket } from 'ws';
import { CloseCode, apiError, closeCodeOf, terminalError, type HttpErrorCode } from '../protocol/errors.ts';
import { ClientMessage, InputLimits, ServerMessage, TERMINALS_PATH, clampSize, encodeJsonFrame, type TerminalRequest } from '../protocol/terminal.ts';
import type { TerminalClient } from '../terminal/TerminalClient.ts';
import type { TerminalRegistry } from '../terminal/TerminalRegistry.ts';
import type { Session } from './identity.ts';

/** Ping this often; a socket that misses two pongs in a row is dropped (a dead peer behind NAT). */
export const HEARTBEAT_MS = 15_000;
const MISSED_PONGS_LIMIT = 2;
/**
 * Each ping carries a fresh random token and only a pong echoing it counts (RFC 6455 5.5.3): a client
 * sending unsolicited pongs, or replaying an old one, is not alive for that. 8 bytes cannot be guessed.
 */
const PING_TOKEN_BYTES = 8;

/** A socket's heartbeat: pings in a row without their pong, and the token the last ping carried. */
interface Liveness {
  missed: number;
  token: Buffer | null;
}
/** Terminal ids name tabs in a lesson: short and URL-safe. */
const TERMINAL_ID = /^[A-Za-z0-9._:-]{1,64}$/;
/** The size a terminal starts with when the client gives none. */
const DEFAULT_SIZE = { cols: 80, rows: 24 };

export interface TerminalSocketsOptions {
  registry: TerminalRegistry;
  /** Exact origins allowed to open terminals; read on every upgrade (the port is known only after listen). */
  allowedOrigins: () => ReadonlySet<string>;
  /** The request's session, or null: a cookie this server signed and has not revoked. */
  authenticate: (req: IncomingMessage) => Session | null;
  /** A learner typed (an Input frame, not an ack or a resize): a lab pool counts it as activity. */
  onInput?: (learnerId: string) => void;
  /** A socket of the learner is about to attach to a terminal (a lab pool thaws a paused instance first). */
  onAttach?: (learnerId: string) => void | Promise<void>;
  heartbeatMs?: number;
}

export class TerminalSockets {
  private readonly wss = new WebSocketServer({
    noServer: true,
    maxPayload: InputLimits.MAX_FRAME_BYTES,
    // Compression would let a small frame inflate into a large one, and costs CPU on every output chunk.
    perMessageDeflate: false,
  });
  private readonly heartbeat: NodeJS.Timeout;
  private readonly liveness = new Map<WebSocket, Liveness>();

  constructor(private readonly options: TerminalSocketsOptions) {
    this.heartbeat = setInterval(() => this.beat(), options.heartbeatMs ?? HEARTBEAT_MS);
  }

  static handles(pathname: string): boolean {
    return pathname.startsWith(TERMINALS_PATH);
  }

  async handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, url: URL): Promise<void> {
    socket.on('error', () => socket.destroy());
    const origin = req.headers.origin;
    if (!origin || !this.options.allowedOrigins().has(origin)) return refuse(socket, 'PB_BAD_ORIGIN', origin ?? '(none)');
    const session = this.options.authenticate(req);
    if (!session) return refuse(socket, 'PB_NO_SESSION');
    const sessionId = session.learnerId;
    let terminalId: string;
    try {
      terminalId = decodeURIComponent(url.pathname.slice(TERMINALS_PATH.length));
    } catch {
      terminalId = '';
    }
    if (!TERMINAL_ID.test(terminalId)) return refuse(socket, 'PB_BAD_REQUEST', 'Terminal id must be 1-64 characters of A-Z a-z 0-9 . _ : -');
    const q = url.searchParams;
    const target = q.get('target');
    if (!target) return refuse(socket, 'PB_BAD_REQUEST', 'The target query parameter is required');
    const request: TerminalRequest = { target };
    for (const name of ['shell', 'user', 'workdir'] as const) {
      const value = q.get(name);
      if (value) request[name] = value;
    }
    const size = clampSize(Number(q.get('cols') ?? DEFAULT_SIZE.cols), Number(q.get('rows') ?? DEFAULT_SIZE.rows));
    await this.options.onAttach?.(sessionId);
    const prepared = await this.options.registry.prepare(sessionId, terminalId, request);
    if (socket.destroyed) return;
    if (!prepared.ok) {
      const error = terminalError(prepared.code, prepared.message || `No host ${JSON.stringify(target)} in this lab`);
      this.wss.handleUpgrade(req, socket, head, (ws) => {
        ws.on('error', () => {});
        ws.send(encodeJsonFrame(ServerMessage.Error, error), { binary: true });
        ws.close(closeCodeOf(prepared.code), prepared.code);
      });
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const client = terminalClientOf(ws);
      const session = this.options.registry.attach(sessionId, terminalId, prepared, client, size);
      if (!session) {
        ws.close(CloseCode.GoingAway, 'gateway shutting down');
        return;
      }
      const liveness: Liveness = { missed: 0, token: null };
      this.liveness.set(ws, liveness);
      ws.on('pong', (data: Buffer) => {
        if (liveness.token && data.equals(liveness.token)) {
          liveness.missed = 0;
          liveness.token = null;
        }
      });
      ws.on('message', (data: Buffer, isBinary: boolean) => {
        if (!isBinary) {
          session.reject(client, 'PB_BAD_FRAME', 'Text frames are not part of the terminal protocol');
          return;
        }
        if (data[0] === ClientMessage.Input) this.options.onInput?.(sessionId);
        session.handleFrame(client, data);
      });
      // ws reports protocol errors (oversize frame: 1009, bad UTF-8 in a close reason...) and closes itself.
      ws.on('error', () => {});
      ws.on('close', () => {
        this.liveness.delete(ws);
        this.options.registry.detach(session, client);
      });
    });
  }

  private beat(): void {
    for (const [ws, liveness] of this.liveness) {
      // While its terminal holds its input back (InputPacer) the socket is not read, pongs included;
      // that lasts only while a program reads what it sent, so it is alive.
      if (ws.isPaused) continue;
      if (liveness.missed >= MISSED_PONGS_LIMIT) {
        ws.terminate();
        continue;
      }
      liveness.missed += 1;
      liveness.token = randomBytes(PING_TOKEN_BYTES);
      ws.ping(liveness.token);
    }
  }

  /** Closes every socket (terminals are the registry's to end). */
  close(): void {
    clearInterval(this.heartbeat);
    for (const ws of this.wss.clients) ws.close(CloseCode.GoingAway, 'gateway shutting down');
    this.wss.close();
  }
}

/** A socket as the terminal layer sees a client (the learner's, or an instructor's read-only view). */
export function terminalClientOf(ws: WebSocket): TerminalClient {
  return {
    send(frame, onSent) {
      if (ws.readyState !== WebSocket.OPEN) return;
      ws.send(frame, { binary: true }, onSent ? () => onSent() : undefined);
    },
    close(code, reason) {
      if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) ws.close(code, reason);
    },
    get bufferedAmount() {
      return ws.bufferedAmount;
    },
    pauseInput(paused) {
      if (ws.readyState !== WebSocket.OPEN) return;
      if (paused) ws.pause();
      else ws.resume();
    },
  };
}

/** Answers an upgrade request with an HTTP error and an ApiError body, then closes the connection. */
export function refuse(socket: Duplex, code: HttpErrorCode, ...args: string[]): void {
  if (socket.destroyed) return;
  const error = apiError(code, ...args);
  const body = JSON.stringify(error);
  socket.end(
    `HTTP/1.1 ${error.statusCode} ${error.error}\r\n` +
      'Content-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'Connection: close\r\n\r\n' +
      body,
  );
}
