/**
 * A request body over its route's limit is answered 413 as soon as the limit is crossed (or
 * Content-Length says so), and the gateway stops reading: the connection closes while the client is
 * still sending, instead of the gateway draining a 100 MB body first. Real gateway, raw sockets.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MAX_JSON_BYTES } from '../../src/server/Route.ts';
import { startGateway, type TestGateway } from '../helpers/gateway.ts';

const PATH = '/api/test-body';
/** What the client offers to send: far more than any limit, and more than socket buffers hold. */
const HUGE = 100 * 1024 * 1024;
const CHUNK = Buffer.alloc(64 * 1024, 'x');

let gw: TestGateway;
beforeAll(async () => {
  gw = await startGateway({
    routes: [
      {
        method: 'POST',
        path: PATH,
        handler: async (_req, _res, ctx) => {
          const body = await ctx.readJson();
          if (body.ok) ctx.sendJson(200, { ok: true });
        },
      },
    ],
  });
});
afterAll(async () => {
  await gw?.close();
});

/**
 * Sends `head`, then body chunks (`frame` wraps each) until the server closes the connection or HUGE
 * bytes are out; then half-closes. Resolves with what came back and how much was sent.
 */
function post(head: string, frame: (chunk: Buffer) => Buffer): Promise<{ response: string; sent: number }> {
  const { port } = new URL(gw.url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), '127.0.0.1');
    const received: Buffer[] = [];
    let sent = 0;
    let closed = false;
    socket.on('data', (d: Buffer) => received.push(d));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      closed = true;
      resolve({ response: Buffer.concat(received).toString('latin1'), sent });
    });
    const pump = () => {
      while (!closed && sent < HUGE) {
        sent += CHUNK.length;
        if (!socket.write(frame(CHUNK))) return void socket.once('drain', pump);
      }
      if (!closed) socket.end();
    };
    socket.write(head);
    pump();
  });
}

const headers = () => `Host: 127.0.0.1\r\nCookie: ${gw.cookie}\r\nContent-Type: application/json\r\n`;

describe('request bodies over the limit', () => {
  it('answers 413 to a Content-Length over the limit and closes without reading the body', async () => {
    const r = await post(`POST ${PATH} HTTP/1.1\r\n${headers()}Content-Length: ${HUGE}\r\n\r\n`, (c) => c);
    expect(r.response).toMatch(/^HTTP\/1\.1 413 /);
    expect(r.response).toContain('PB_PAYLOAD_TOO_LARGE');
    expect(r.sent).toBeLessThan(HUGE);
    expect(r.response.toLowerCase()).toContain('connection: close');
  });

  it('answers 413 once a chunked body crosses the limit and stops reading it', async () => {
    const r = await post(`POST ${PATH} HTTP/1.1\r\n${headers()}Transfer-Encoding: chunked\r\n\r\n`, (c) => Buffer.concat([Buffer.from(`${c.length.toString(16)}\r\n`), c, Buffer.from('\r\n')]));
    expect(r.response).toMatch(/^HTTP\/1\.1 413 /);
    expect(r.response).toContain(`larger than ${DEFAULT_MAX_JSON_BYTES} bytes`);
    expect(r.sent).toBeLessThan(HUGE);
  });

  it('still reads a body within the limit', async () => {
    const res = await fetch(`${gw.url}${PATH}`, { method: 'POST', headers: { cookie: gw.cookie, 'content-type': 'application/json' }, body: JSON.stringify({ q: 'x'.repeat(1000) }) });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });
  });
});
