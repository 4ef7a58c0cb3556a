/**
 * The conntrack exporter against real kernel tables: connections made between two test network
 * namespaces, counted by an exporter running in one of them.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startExporter, type RunningExporter } from './exporterProcess.ts';
import { Net, TestNetns, waitFor } from './testNetns.ts';

/** Short kernel timeouts in the watched namespace, so closing and closed entries go away quickly. */
const TIMEOUT_SECONDS = 3;

describe('conntrack exporter in a network namespace', () => {
  let net: TestNetns;
  let exporter: RunningExporter;
  let fromA: Awaited<ReturnType<TestNetns['driver']>>;
  let fromB: Awaited<ReturnType<TestNetns['driver']>>;

  const value = (series: string) => exporter.samples().get(series);
  const becomes = (series: string, want: number) =>
    waitFor(`${series} == ${want}`, () => (value(series) === want ? true : undefined));

  beforeAll(async () => {
    net = TestNetns.create({
      sysctls: {
        'net.netfilter.nf_conntrack_tcp_timeout_time_wait': TIMEOUT_SECONDS,
        'net.netfilter.nf_conntrack_tcp_timeout_close': TIMEOUT_SECONDS,
      },
    });
    // b drops SYNs to port 7003, so a connection there stays in SYN_SENT.
    net.nft(net.b, 'table inet pbe_drop {\n chain drop_in { type filter hook input priority 0; tcp dport 7003 drop; }\n}\n');
    fromA = net.driver(net.a);
    fromB = net.driver(net.b);
    for (const port of [7001, 7002, 7006]) await fromB.send({ op: 'listen', host: Net.b4, port });
    await fromB.send({ op: 'listen', host: Net.d4, port: 7004 });
    await fromB.send({ op: 'listen', host: Net.b6, port: 7005 });
    await fromA.send({ op: 'listen', host: Net.a4, port: 8080 });
    exporter = await startExporter(net, net.a, ['--ignore-hosts=delta', '--resync-interval=2', '--log-events', '--log-events-format=json']);
    // The HTTP side answers before the collector thread has started its event stream: wait for both.
    await waitFor('the collector to be up', () => {
      const m = exporter.samples();
      return m.get('conntrack_exporter_event_source_up') === 1 && (m.get('conntrack_exporter_resyncs_total') ?? 0) >= 1 ? true : undefined;
    });
  });

  afterAll(async () => {
    await net?.dispose();
  });

  it('shows N open connections for the remote host and port they go to', async () => {
    await fromA.send({ op: 'connect', host: Net.b4, port: 7001, n: 5 });
    await becomes('conntrack_open_connections{host="bravo:7001"}', 5);
    expect(value('conntrack_opening_connections{host="bravo:7001"}')).toBe(0);
  });

  it('logs each event as JSON with --log-events-format=json', async () => {
    const established = () =>
      exporter
        .stdout()
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .filter((e) => e.host === 'bravo:7001' && e.state === 'ESTABLISHED');
    const logged = await waitFor('5 ESTABLISHED event lines', () => (established().length >= 5 ? established() : undefined));
    expect(logged.length).toBe(5);
    expect(logged[0]).toMatchObject({ type: 'update', src: Net.a4, dst: Net.b4, dport: 7001 });
  });

  it('moves closed connections to closing, then keeps the host at zero once the kernel forgets them', async () => {
    await fromA.send({ op: 'end' });
    await becomes('conntrack_closing_connections{host="bravo:7001"}', 5);
    expect(value('conntrack_open_connections{host="bravo:7001"}')).toBe(0);
    // TIME_WAIT lasts TIME_WAIT_SECONDS here; the series stays, at zero.
    await becomes('conntrack_closing_connections{host="bravo:7001"}', 0);
  });

  it('counts reset connections as closed until the close timeout passes', async () => {
    await fromA.send({ op: 'connect', host: Net.b4, port: 7002, n: 3 });
    await becomes('conntrack_open_connections{host="bravo:7002"}', 3);
    await fromA.send({ op: 'reset' });
    await becomes('conntrack_closed_connections{host="bravo:7002"}', 3);
    await becomes('conntrack_closed_connections{host="bravo:7002"}', 0);
  });

  it('counts a connection whose SYN is dropped as opening', async () => {
    await fromA.send({ op: 'connect', host: Net.b4, port: 7003, n: 1, wait: false });
    await becomes('conntrack_opening_connections{host="bravo:7003"}', 1);
    await fromA.send({ op: 'reset' });
  });

  it('leaves ignored hosts out', async () => {
    await fromA.send({ op: 'connect', host: Net.d4, port: 7004, n: 2 });
    await fromA.send({ op: 'connect', host: Net.b4, port: 7001, n: 1 });
    await becomes('conntrack_open_connections{host="bravo:7001"}', 1); // made after the ignored ones
    expect(exporter.scrape()).not.toMatch(/delta|10\.77\.0\.4/);
    await fromA.send({ op: 'reset' });
  });

  it('counts IPv6 connections under the name /etc/hosts gives the address', async () => {
    await fromA.send({ op: 'connect', host: Net.b6, port: 7005, n: 2 });
    await becomes('conntrack_open_connections{host="bravo6:7005"}', 2);
    await fromA.send({ op: 'reset' });
  });

  it('makes one series, not one per client port, from 1,000 inbound connections of one client', async () => {
    await fromB.send({ op: 'connect', host: Net.a4, port: 8080, n: 1000, from: Net.c4 });
    await becomes('conntrack_open_connections{host="charlie"}', 1000);
    const charlie = exporter.scrape().split('\n').filter((l) => l.startsWith('conntrack_open_connections') && l.includes('charlie'));
    expect(charlie).toEqual(['conntrack_open_connections{host="charlie"} 1000']);
    await fromB.send({ op: 'reset' });
    await becomes('conntrack_open_connections{host="charlie"}', 0);
  });

  it('repairs the counts through a resync after the event stream is killed', async () => {
    const pid = eventSourcePid(exporter.child.pid!);
    const restartsBefore = value('conntrack_exporter_event_source_restarts_total') ?? 0;
    const correctionsBefore = value('conntrack_exporter_resync_corrections_total') ?? 0;
    // Stopped, the event source cannot report the four connections; killed, it loses them for good.
    // (Killed first, it could be restarted before they are made, and would report them.)
    process.kill(pid, 'SIGSTOP');
    await fromA.send({ op: 'connect', host: Net.b4, port: 7006, n: 4 });
    process.kill(pid, 'SIGKILL');
    await becomes('conntrack_open_connections{host="bravo:7006"}', 4);
    // No event told of these four: a resync found them, and counts them as repairs.
    expect(value('conntrack_exporter_resync_corrections_total')).toBeGreaterThanOrEqual(correctionsBefore + 4);
    await waitFor('the event stream to restart', () => (value('conntrack_exporter_event_source_up') === 1 ? true : undefined));
    expect(value('conntrack_exporter_event_source_restarts_total')).toBeGreaterThan(restartsBefore);
    expect(eventSourcePid(exporter.child.pid!)).not.toBe(pid);
    // Events flow again after the restart.
    await fromA.send({ op: 'end' });
    await becomes('conntrack_closing_connections{host="bravo:7006"}', 4);
  });

  it('serves output that promtool check metrics accepts', () => {
    const text = exporter.scrape();
    expect(execFileSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' })).toBe('');
    expect(value('conntrack_exporter_table_readable')).toBe(1);
  });
});

/** The PID of the exporter's `conntrack -E` child (a child of one of its threads). */
function eventSourcePid(exporterPid: number): number {
  for (const tid of execFileSync('ls', [`/proc/${exporterPid}/task`], { encoding: 'utf8' }).split('\n').filter(Boolean)) {
    let children = '';
    try {
      children = readFileSync(`/proc/${exporterPid}/task/${tid}/children`, 'utf8');
    } catch {
      continue;
    }
    for (const pid of children.trim().split(/\s+/).filter(Boolean)) {
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'conntrack') return Number(pid);
    }
  }
  throw new Error('no conntrack child found');
}
