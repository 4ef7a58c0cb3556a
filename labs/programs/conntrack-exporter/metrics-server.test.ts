import { afterEach, describe, expect, it } from 'vitest';
import { MetricsServer } from './metrics-server.ts';

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
    const head = await fetch(url, { method: 'HEAD' });
    // The age line's length varies with the age, so the length is checked against the snapshot plus
    // an age line of some length.
    const tail = Number(head.headers.get('content-length')) - body.byteLength;
    const shortest = '# HELP conntrack_exporter_snapshot_age_seconds \n# TYPE conntrack_exporter_snapshot_age_seconds gauge\nconntrack_exporter_snapshot_age_seconds 0\n'.length;
    expect(tail).toBeGreaterThanOrEqual(shortest);
    expect(tail).toBeLessThan(shortest + 200);
    expect((await head.arrayBuffer()).byteLength).toBe(0);
  });

  it('serves the latest snapshot after a new one is published', async () => {
    const url = await start();
    server!.publish(new TextEncoder().encode('next\n'));
    expect(await (await fetch(url)).text()).toMatch(/^next\n# HELP conntrack_exporter_snapshot_age_seconds/);
  });
});
