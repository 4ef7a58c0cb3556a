/**
 * When the exporter cannot read or rely on the kernel table, it says why at start-up, exports the
 * reason as a metric, and keeps serving.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startExporter } from './exporterProcess.ts';
import { Net, TestNetns, waitFor } from './testNetns.ts';

describe('conntrack exporter with an unusable table', () => {
  let net: TestNetns | undefined;

  afterEach(async () => {
    await net?.dispose();
    net = undefined;
  });

  it('reports missing permission when run as an unprivileged user, and keeps serving', async () => {
    net = TestNetns.create();
    const exporter = await startExporter(net, net.a, [], ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups']);
    await waitFor('the permission message', () => (exporter.stderr().includes('permission denied') ? true : undefined));
    expect(exporter.stderr()).toContain('CAP_NET_ADMIN');
    const s = await waitFor('the status metric', () => {
      const m = exporter.samples();
      return m.get('conntrack_exporter_table_status{reason="no_permission"}') === 1 ? m : undefined;
    });
    expect(s.get('conntrack_exporter_table_readable')).toBe(0);
    expect(s.get('conntrack_exporter_read_errors_total')).toBeGreaterThan(0);
  });

  it('reports that nothing tracks connections when the namespace has sockets but no tracking rule', async () => {
    net = TestNetns.create({ track: false });
    const a = net.driver(net.a);
    await a.send({ op: 'listen', host: Net.a4, port: 8080 });
    await a.send({ op: 'connect', host: Net.a4, port: 8080, n: 2 });
    const exporter = await startExporter(net, net.a, ['--resync-interval=1']);
    await waitFor('the tracking message', () => (exporter.stderr().includes('nft add table') ? true : undefined));
    // The snapshot follows the message within a publish interval.
    const s = await waitFor('the status metric', () => {
      const m = exporter.samples();
      return m.get('conntrack_exporter_table_status{reason="not_tracking"}') === 1 ? m : undefined;
    });
    expect(s.get('conntrack_exporter_table_readable')).toBe(0);
  });
});
