import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { devProxy } from '../../src/server/devProxy.ts';
import type { HealthResponse } from '../../src/protocol/health.ts';
import { startGateway, terminalUrl, TerminalTestClient, type TestGateway } from '../helpers/gateway.ts';

let gw: TestGateway | undefined;
let upstream: Server | undefined;
afterEach(async () => {
  await gw?.close();
  gw = undefined;
  await new Promise<void>((resolve) => (upstream ? upstream.close(() => resolve()) : resolve()));
  upstream = undefined;
});

async function waitUntil(predicate: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('condition not met');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('heartbeat', () => {
  it('drops a socket whose peer stops answering pings, and keeps the terminal for a reattach', async () => {
    gw = await startGateway({ heartbeatMs: 100 });
    const t = await TerminalTestClient.open(gw, 'silent');
    const session = gw.gateway.registry.all()[0]!;
    expect(session.attached).toBe(true);
    // Stop reading the socket: pings go unanswered, as with a peer that vanished.
    (t.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    await waitUntil(() => !session.attached);
    expect(session.hasEnded).toBe(false);
    const again = await TerminalTestClient.open(gw, 'silent');
    expect(again.hello?.resumed).toBe(true);
    await again.close();
    t.ws.terminate();
  });

  it('drops a socket that sends pongs of its own but never answers a ping', async () => {
    gw = await startGateway({ heartbeatMs: 100 });
    // A raw client that does not answer pings and keeps sending unsolicited pongs instead.
    const ws = new WebSocket(terminalUrl(gw, 'pongs'), { headers: { cookie: gw.cookie, origin: gw.origin }, autoPong: false });
    ws.on('error', () => {});
    const closed = new Promise<void>((resolve) => ws.on('close', () => resolve()));
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('unexpected-response', () => reject(new Error('upgrade refused')));
    });
    let pings = 0;
    ws.on('ping', () => pings++);
    const pong = setInterval(() => {
      if (ws.readyState === WebSocket.OPEN) ws.pong('alive');
    }, 20);
    try {
      await waitUntil(() => gw!.gateway.registry.all().length === 1);
      const session = gw.gateway.registry.all()[0]!;
      await waitUntil(() => !session.attached);
      await closed;
      expect(pings).toBeGreaterThanOrEqual(2);
      expect(session.hasEnded).toBe(false);
    } finally {
      clearInterval(pong);
      ws.terminate();
    }
  });

  it('keeps a socket whose peer answers pings', async () => {
    gw = await startGateway({ heartbeatMs: 100 });
    const t = await TerminalTestClient.open(gw, 'chatty');
    let pings = 0;
    t.ws.on('ping', () => pings++);
    await waitUntil(() => pings >= 5);
    expect(gw.gateway.registry.all()[0]!.attached).toBe(true);
    await t.close();
  });
});

describe('dev proxy', () => {
  it('passes pages and WebSocket upgrades it does not own to the dev server, and keeps the API', async () => {
    upstream = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(`dev page ${req.url}`);
    });
    const hmr = new WebSocketServer({ server: upstream, path: '/ws' });
    hmr.on('connection', (socket) => socket.send('hot-update'));
    await new Promise<void>((resolve) => upstream!.listen(0, '127.0.0.1', resolve));
    const port = (upstream.address() as AddressInfo).port;
    gw = await startGateway({ fallback: devProxy({ host: '127.0.0.1', port }) });

    const page = await fetch(`${gw.url}/docs/welcome`, { headers: { cookie: gw.cookie } });
    expect(await page.text()).toBe('dev page /docs/welcome');
    expect((await fetch(`${gw.url}/docs/welcome`)).status).toBe(401);
    expect(((await (await fetch(`${gw.url}/api/health`)).json()) as HealthResponse).status).toBe('ok');

    const ws = new WebSocket(`${gw.url.replace('http', 'ws')}/ws`, { headers: { cookie: gw.cookie } });
    const message = await new Promise<string>((resolve, reject) => {
      ws.on('message', (data) => resolve(data.toString()));
      ws.on('error', reject);
    });
    expect(message).toBe('hot-update');
    ws.close();
    hmr.close();
    const t = await TerminalTestClient.open(gw, 'dev-terminal');
    t.type('echo dev-""ok\r');
    await t.waitForText('dev-ok');
    await t.close();
  });
});
