/**
 * Prometheus text exposition of a collector snapshot. Written by hand rather than with prom-client:
 * the aggregate is already computed, so rendering is one pass over the hosts into one string, done
 * by the collector thread when the counts change; a scrape then sends that string as it is (no
 * per-scrape registry walk, no async collect, no allocation per series on the HTTP thread).
 */
import { Buckets } from './states.ts';
import type { HostRow } from './connTable.ts';
import { tableStatusNames, type TableStatus } from './tableStatus.ts';

interface Descriptor {
  name: string;
  type: 'gauge' | 'counter';
  help: string;
}

/** The four connection gauges. Names as the original exporter's code exports them (no `_total`: they are gauges). */
export const ConnectionMetrics: readonly Descriptor[] = [
  { name: 'conntrack_opening_connections', type: 'gauge', help: 'Connections with this remote host whose TCP handshake has started but not finished.' },
  { name: 'conntrack_open_connections', type: 'gauge', help: 'Connections with this remote host that are established.' },
  { name: 'conntrack_closing_connections', type: 'gauge', help: 'Connections with this remote host that are shutting down (FIN_WAIT, CLOSE_WAIT, LAST_ACK or TIME_WAIT).' },
  { name: 'conntrack_closed_connections', type: 'gauge', help: 'Connections with this remote host that were closed by a reset and are still remembered by the kernel.' },
];
if (ConnectionMetrics.length !== Buckets.length) throw new Error('one connection metric per bucket');

/** What the collector knows about itself. */
export interface CollectorStats {
  tableEntries: number;
  hosts: number;
  events: { new: number; update: number; destroy: number };
  expired: number;
  parseErrors: number;
  readErrors: number;
  resyncs: number;
  resyncCorrections: number;
  lastResyncSeconds: number;
  lastResyncTimestamp: number;
  eventSourceUp: boolean;
  eventSourceRestarts: number;
  lostEventReports: number;
  status: TableStatus;
}

export function emptyStats(): CollectorStats {
  return {
    tableEntries: 0,
    hosts: 0,
    events: { new: 0, update: 0, destroy: 0 },
    expired: 0,
    parseErrors: 0,
    readErrors: 0,
    resyncs: 0,
    resyncCorrections: 0,
    lastResyncSeconds: 0,
    lastResyncTimestamp: 0,
    eventSourceUp: false,
    eventSourceRestarts: 0,
    lostEventReports: 0,
    status: 'starting',
  };
}

const M = {
  readable: { name: 'conntrack_exporter_table_readable', type: 'gauge', help: 'Whether the kernel connection tracking table could be read and is being tracked (1) or not (0).' },
  status: { name: 'conntrack_exporter_table_status', type: 'gauge', help: 'Why the table can or cannot be read: 1 for the current reason, 0 for the others.' },
  entries: { name: 'conntrack_exporter_table_entries', type: 'gauge', help: 'TCP entries in the exporter\'s copy of the kernel connection tracking table.' },
  hosts: { name: 'conntrack_exporter_hosts', type: 'gauge', help: 'Remote hosts currently exported, including hosts whose counts are all zero.' },
  events: { name: 'conntrack_exporter_events_total', type: 'counter', help: 'Connection tracking events received from the kernel, by event type.' },
  expired: { name: 'conntrack_exporter_expired_entries_total', type: 'counter', help: 'Entries dropped because their kernel timeout passed before the kernel reported their removal.' },
  parseErrors: { name: 'conntrack_exporter_parse_errors_total', type: 'counter', help: 'Lines from the table or the event stream that could not be parsed.' },
  readErrors: { name: 'conntrack_exporter_read_errors_total', type: 'counter', help: 'Failed attempts to read the connection tracking table.' },
  resyncs: { name: 'conntrack_exporter_resyncs_total', type: 'counter', help: 'Full reads of the kernel table that replaced the exporter\'s copy.' },
  corrections: { name: 'conntrack_exporter_resync_corrections_total', type: 'counter', help: 'Entries that resyncs added, changed or removed because the event stream had missed them.' },
  resyncSeconds: { name: 'conntrack_exporter_last_resync_duration_seconds', type: 'gauge', help: 'How long the last full read and parse of the kernel table took, in seconds.' },
  resyncTime: { name: 'conntrack_exporter_last_resync_timestamp_seconds', type: 'gauge', help: 'When the last full resync finished, in seconds since the epoch.' },
  sourceUp: { name: 'conntrack_exporter_event_source_up', type: 'gauge', help: 'Whether the kernel event stream (conntrack -E) is running (1) or the exporter is polling the table instead (0).' },
  sourceRestarts: { name: 'conntrack_exporter_event_source_restarts_total', type: 'counter', help: 'Times the event stream process was restarted after it stopped.' },
  lost: { name: 'conntrack_exporter_lost_events_reports_total', type: 'counter', help: 'Times the kernel reported dropping events (ENOBUFS); a resync follows within a few seconds to repair the counts.' },
} as const satisfies Record<string, Descriptor>;

/** Escapes a label value per the text format: backslash, double quote and newline. */
export function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function header(d: Descriptor): string {
  return `# HELP ${d.name} ${d.help}\n# TYPE ${d.name} ${d.type}\n`;
}

/** The four connection gauges for all hosts. */
export function renderConnections(rows: readonly HostRow[]): string {
  const labels = rows.map((r) => `{host="${escapeLabel(r[0])}"} `);
  let out = '';
  ConnectionMetrics.forEach((d, b) => {
    out += header(d);
    for (let i = 0; i < rows.length; i++) out += `${d.name}${labels[i]}${rows[i]![b + 1]}\n`;
  });
  return out;
}

/** The exporter's metrics about itself. */
export function renderStats(s: CollectorStats): string {
  const line = (d: Descriptor, v: number | boolean, labels = '') => `${header(d)}${d.name}${labels} ${Number(v)}\n`;
  let out = line(M.readable, s.status === 'ok');
  out += header(M.status);
  for (const reason of tableStatusNames) out += `${M.status.name}{reason="${reason}"} ${reason === s.status ? 1 : 0}\n`;
  out += line(M.entries, s.tableEntries);
  out += line(M.hosts, s.hosts);
  out += header(M.events);
  for (const t of ['new', 'update', 'destroy'] as const) out += `${M.events.name}{type="${t}"} ${s.events[t]}\n`;
  out += line(M.expired, s.expired);
  out += line(M.parseErrors, s.parseErrors);
  out += line(M.readErrors, s.readErrors);
  out += line(M.resyncs, s.resyncs);
  out += line(M.corrections, s.resyncCorrections);
  out += line(M.resyncSeconds, s.lastResyncSeconds);
  out += line(M.resyncTime, s.lastResyncTimestamp);
  out += line(M.sourceUp, s.eventSourceUp);
  out += line(M.sourceRestarts, s.eventSourceRestarts);
  out += line(M.lost, s.lostEventReports);
  return out;
}
