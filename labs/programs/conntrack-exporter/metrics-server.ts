/**
 * The HTTP side: serves the last snapshot the collector thread published. Nothing here depends on the
 * table's size, so a scrape costs the same at 10 or 100,000 entries and is never held up by a resync.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export class MetricsServer {
  private body = '';
  private publishedAt = Date.now();
  private readonly server: Server;

  constructor(private readonly path: string) {
    this.server = createServer((req, res) => {
      const url = (req.url ?? '/').split('?')[0];
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { Allow: 'GET, HEAD' }).end();
      } else if (url === this.path) {
        const age = (Date.now() - this.publishedAt) / 1000;
        const text =
          this.body +
          '# HELP conntrack_exporter_snapshot_age_seconds How old the served counts are: time since the collector last published them.\n' +
          '# TYPE conntrack_exporter_snapshot_age_seconds gauge\n' +
          `conntrack_exporter_snapshot_age_seconds ${age}\n`;
        res.writeHead(200, { 'Content-Type': CONTENT_TYPE, 'Content-Length': Buffer.byteLength(text) });
        res.end(req.method === 'HEAD' ? undefined : text);
      } else if (url === '/') {
        res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
        res.end(`<html><head><title>conntrack exporter</title></head><body><h1>conntrack exporter</h1><p><a href="${this.path}">Metrics</a></p></body></html>\n`);
      } else {
        res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('not found\n');
      }
    });
  }

  /** Replaces the served snapshot. */
  publish(body: string): void {
    this.body = body;
    this.publishedAt = Date.now();
  }

  listen(port: number, host: string | undefined): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve(this.server.address() as AddressInfo);
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.closeAllConnections();
      this.server.close(() => resolve());
    });
  }
}
