/**
 * One upstream HTTP/1.1 connection: a TCP socket that carries one request at a time and is reused with
 * keep-alive. Requests go through Node's HTTP client on this very socket (`createConnection`), so the
 * pool, not an `http.Agent`, decides when a connection opens, is reused and closes.
 */
import { request, type ClientRequest, type OutgoingHttpHeaders } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { HostPort } from './bootstrap.ts';

export class UpstreamConnection {
  readonly socket: Socket;
  connected = false;
  busy = false;
  closed = false;
  /** Requests sent on this connection (for `max_requests_per_connection`). */
  requests = 0;
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly endpoint: HostPort,
    connectTimeoutMs: number,
    onConnect: (c: UpstreamConnection) => void,
    onClose: (c: UpstreamConnection, connectFailed: boolean, timedOut: boolean) => void,
  ) {
    this.socket = connect({ host: endpoint.host, port: endpoint.port, noDelay: true });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      this.socket.destroy();
    }, connectTimeoutMs);
    this.socket.once('connect', () => {
      clearTimeout(timer);
      this.connected = true;
      onConnect(this);
    });
    // Errors end in 'close'; the request in flight (if any) sees its own error.
    this.socket.on('error', () => {});
    this.socket.once('close', () => {
      clearTimeout(timer);
      this.stopIdleTimer();
      this.closed = true;
      onClose(this, !this.connected, timedOut);
    });
  }

  /** Sends one request on this connection; the caller reads the response and then releases it. */
  request(method: string, path: string, headers: OutgoingHttpHeaders): ClientRequest {
    this.requests++;
    return request({
      host: this.endpoint.host,
      port: this.endpoint.port,
      method,
      path,
      // An explicit keep-alive header keeps Node's client from closing the socket after the response.
      headers: { ...headers, connection: 'keep-alive' },
      createConnection: () => this.socket,
    });
  }

  startIdleTimer(ms: number, onIdle: () => void): void {
    this.idleTimer = setTimeout(onIdle, ms);
  }

  stopIdleTimer(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }

  destroy(): void {
    this.stopIdleTimer();
    this.socket.destroy();
  }
}
