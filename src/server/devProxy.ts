/**
 * `patchbay dev`: everything the gateway does not serve itself goes to the Docusaurus dev server,
 * including its hot-reload WebSocket, so the page, the API and terminals share one origin.
 */
import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Fallback } from './createGateway.ts';
import { apiError } from '../protocol/errors.ts';

export function devProxy(target: { host: string; port: number }): Fallback {
  return {
    request(req: IncomingMessage, res: ServerResponse) {
      const upstream = httpRequest(
        { host: target.host, port: target.port, method: req.method, path: req.url, headers: req.headers },
        (up) => {
          // Keep the gateway's own session cookie header alongside the dev server's headers.
          const headers = { ...up.headers };
          const ours = res.getHeader('set-cookie');
          if (ours) headers['set-cookie'] = [...(Array.isArray(ours) ? ours : [String(ours)]), ...(up.headers['set-cookie'] ?? [])];
          res.writeHead(up.statusCode ?? 502, headers);
          up.pipe(res);
        },
      );
      upstream.on('error', (error) => {
        if (res.headersSent) return res.destroy();
        const body = apiError('PB_UPSTREAM', `The Docusaurus dev server is not answering yet (${error.message}); it may still be starting`);
        res.writeHead(body.statusCode, { 'content-type': 'application/json; charset=utf-8' });
        res.end(JSON.stringify(body));
      });
      req.pipe(upstream);
    },
    upgrade(req: IncomingMessage, socket: Duplex, head: Buffer) {
      const upstream = connect(target.port, target.host, () => {
        const lines = [`${req.method} ${req.url} HTTP/${req.httpVersion}`];
        for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
        upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
        if (head.length) upstream.write(head);
        upstream.pipe(socket).pipe(upstream);
      });
      upstream.on('error', () => socket.destroy());
      socket.on('error', () => upstream.destroy());
    },
  };
}
