/**
 * The API's HTTP client for its upstream, in one of two modes switchable at run time:
 * - `per-request` (the default, the behaviour lesson 1 uncovers): no agent, `Connection: close`, so every
 *   call opens and closes a TCP connection;
 * - `pooled`: a keep-alive agent that reuses idle connections.
 * It counts the connections it opens, so the service's own metrics show the difference too.
 */
import { Agent, request } from 'node:http';

export const CLIENT_MODES = ['per-request', 'pooled'] as const;
export type ClientMode = (typeof CLIENT_MODES)[number];

/** Calls that take longer fail: the caller answers 504 instead of hanging the chain. */
const UPSTREAM_TIMEOUT_MS = 10_000;

export interface UpstreamResult {
  /** HTTP status, or -1 for a socket error or timeout. */
  status: number;
  body: string;
}

export class UpstreamClient {
  mode: ClientMode;
  connectionsOpened = 0;
  private pooledAgent = new Agent({ keepAlive: true, maxFreeSockets: 256 });

  constructor(
    readonly url: URL,
    mode: ClientMode,
  ) {
    this.mode = mode;
  }

  setMode(mode: ClientMode): void {
    if (mode === this.mode) return;
    this.mode = mode;
    if (mode === 'per-request') {
      // Idle pooled connections close now; calls in flight finish on theirs.
      this.pooledAgent.destroy();
      this.pooledAgent = new Agent({ keepAlive: true, maxFreeSockets: 256 });
    }
  }

  call(path: string, headers: Record<string, string> = {}): Promise<UpstreamResult> {
    const pooled = this.mode === 'pooled';
    return new Promise((resolve) => {
      const req = request(
        {
          host: this.url.hostname,
          port: this.url.port || 80,
          path,
          method: 'GET',
          agent: pooled ? this.pooledAgent : false,
          headers: { ...headers, connection: pooled ? 'keep-alive' : 'close' },
          timeout: UPSTREAM_TIMEOUT_MS,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? -1, body: Buffer.concat(chunks).toString() }));
          res.on('error', () => resolve({ status: -1, body: '' }));
        },
      );
      req.on('socket', (s) => {
        // A reused keep-alive socket has already connected; only fresh ones count.
        if (s.connecting) {
          this.connectionsOpened++;
        }
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', () => resolve({ status: -1, body: '' }));
      req.end();
    });
  }

  close(): void {
    this.pooledAgent.destroy();
  }
}
