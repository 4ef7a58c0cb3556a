import { afterEach, describe, expect, it } from 'vitest';
import { MetricsServer } from './metricsServer.ts';

const body = new TextEncoder().encode('# TYPE conntrack_open_connections gauge\nconntrack_open_connections{host="db:5432"} 3\n');

describe('MetricsServer', () => {
  let server: MetricsServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  async function start(): Promise<string> {
    server = new MetricsServer('/metrics');
    server.publish(body);
    const { port } = await server.listen(0, '127.0.0.1');
    return `http://127.0.0.1:${port}/metrics`;
  }

  it('serves the published bytes followed by the snapshot age, with a matching Content-Length', async () => {
    const res = await fetch(await start());
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect(Number(res.headers.get('content-length'))).toBe(bytes.byteLength);
    expect(bytes.subarray(0, body.byteLength)).toEqual(body);
    expect(new TextDecoder().decode(bytes.subarray(body.byteLength))).toMatch(/^# HELP conntrack_exporter_snapshot_age_seconds .*\n# TYPE .* gauge\nconntrack_exporter_snapshot_age_seconds [\d.e-]+\n$/);
  });

  it('answers HEAD with the length a GET would have but no body', async () => {
    const url = await start();
    const get = await fetch(url);
    const getLength = Number(get.headers.get('content-length'));
    expect(getLength).toBe((await get.arrayBuffer()).byteLength);
    const head = await fetch(url, { method: 'HEAD' });
    // Only the age's digits may differ: within this test it stays under 10 s, so between "0" and
    // "9.999" (millisecond steps), at most 4 characters apart.
    expect(Math.abs(Number(head.headers.get('content-length')) - getLength)).toBeLessThanOrEqual(4);
    expect((await head.arrayBuffer()).byteLength).toBe(0);
  });

  it('serves the latest snapshot after a new one is published', async () => {
    const url = await start();
    server!.publish(new TextEncoder().encode('next\n'));
    expect(await (await fetch(url)).text()).toMatch(/^next\n# HELP conntrack_exporter_snapshot_age_seconds/);
  });
});
