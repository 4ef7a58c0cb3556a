/**
 * Keeps the exporter's copy of the kernel table current and publishes rendered snapshots: an initial
 * full read, then the event stream, with a full resync every interval (and at once when events were
 * lost or the stream stopped) that repairs drift. Runs in its own worker thread, so parsing a large
 * table never delays a scrape; a scrape only sends the last published text.
 *
 * Resync and events: the dump is applied line by line as it is read, and events keep being applied
 * while it is read (they are not held back: a resync of a big table on a busy machine can take
 * seconds, and the counts must stay current meanwhile). Both carry the new generation, so the end of
 * the resync removes only entries that neither the dump nor an event has seen. Events arrive in order
 * and after the fact, so the last word on an entry is its latest event; the one race left is a dump
 * line parsed just after the DESTROY event of the same entry, which brings it back until it expires
 * or the next resync.
 */
import { readFile } from 'node:fs/promises';
import { PerformanceObserver } from 'node:perf_hooks';
import { parseEventLine, type ConntrackEvent } from './conntrackLine.ts';
import { ConnTable } from './connTable.ts';
import { EventSource } from './eventSource.ts';
import { emptyStats, renderConnections, renderStats, type CollectorStats } from './exposition.ts';
import { hostLabel, localAddresses, parseHostsFile, parseIgnoreList, type Naming } from './hostNamer.ts';
import { hasTcpSockets, readTable } from './tableReader.ts';
import { TableStatuses, type TableStatus } from './tableStatus.ts';
import { Tunables } from './tunables.ts';
import type { ExporterOptions } from './options.ts';

type ResyncReason =
  | 'start'
  | 'interval'
  | 'signal'
  | 'lost events'
  | 'event stream stopped'
  | 'event stream subscribed'
  | 'poll'
  | 'names changed'
  | 'asked for during the previous one';

export interface CollectorOptions extends ExporterOptions {
  hostsPath: string;
}

export interface CollectorOutput {
  /** A new snapshot: the whole exposition text, which differs from the last one. */
  snapshot(text: string): void;
  /** The last snapshot is still current (nothing changed since): keeps its age honest at no cost. */
  fresh(): void;
  /** The event-stream child's PID when one starts, 0 when it has ended; the owner ends it should this thread die. */
  child(pid: number): void;
  /** Lines for stdout (event log). */
  out(line: string): void;
  /** Lines for stderr (problems, debug). */
  err(line: string): void;
}

export class Collector {
  private readonly table = new ConnTable(Date.now());
  private readonly stats: CollectorStats = emptyStats();
  private naming: Naming;
  private hostsText = '';
  private localKey = '';
  private readonly source: EventSource;
  private sourceBackoffMs: number = Tunables.eventSourceRestartMinMs;
  private resyncing = false;
  private resyncAgain = false;
  private resyncCount = 0;
  private lastPublish = 0;
  private lastText = '';
  private publishTimer: NodeJS.Timeout | undefined;
  private readonly timers: NodeJS.Timeout[] = [];
  private restartTimer: NodeJS.Timeout | undefined;
  private lostTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private reportedStatus: TableStatus = 'starting';
  /** Garbage collections of this thread's heap so far (count, pause ms), for the resync debug line. */
  private readonly gc = { count: 0, ms: 0 };
  private gcObserver: PerformanceObserver | undefined;

  constructor(
    private readonly opts: CollectorOptions,
    private readonly output: CollectorOutput,
  ) {
    this.naming = { local: new Set(), names: new Map(), ignore: parseIgnoreList(opts.ignoreHosts) };
    this.source = new EventSource(opts.conntrackCommand, {
      lines: (lines) => this.onLines(lines),
      lost: () => this.onLostEvents(),
      subscribed: () => this.onSubscribed(),
      exit: (reason) => this.onSourceExit(reason),
    });
  }

  /** PID of the `conntrack -E` child, while it runs. */
  get eventSourcePid(): number | undefined {
    return this.source.pid;
  }

  async start(): Promise<void> {
    if (this.opts.debug) {
      this.gcObserver = new PerformanceObserver((list) => {
        for (const e of list.getEntries()) {
          this.gc.count++;
          this.gc.ms += e.duration;
        }
      });
      this.gcObserver.observe({ entryTypes: ['gc'] });
    }
    await this.refreshNames();
    this.startSource();
    await this.resync('start');
    this.every(this.opts.resyncIntervalSeconds * 1000, () => void this.resync('interval'));
    this.every(Tunables.namesRefreshMs, () => void this.refreshNames());
    this.every(1000, () => this.tick());
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.gcObserver?.disconnect();
    for (const t of this.timers) clearInterval(t);
    clearTimeout(this.publishTimer);
    clearTimeout(this.restartTimer);
    clearTimeout(this.lostTimer);
    await this.source.stop();
    this.output.child(0);
  }

  /**
   * A full read of the kernel table that replaces the copy. Concurrent calls coalesce into one more.
   * The reason shows in the debug log (the same code runs whatever asked for it).
   */
  async resync(reason: ResyncReason): Promise<void> {
    if (this.resyncing) {
      this.resyncAgain = true;
      return;
    }
    this.resyncing = true;
    this.debug(`resync started (${reason})`);
    const t0 = performance.now();
    const gc0 = { ...this.gc };
    const started = Date.now();
    this.table.beginResync();
    const read = await readTable(
      this.opts.procRoot,
      (e) => this.table.resyncEntry(e, this.naming, started),
      () => this.source.drain(),
    );
    this.source.drain(); // events up to the end of the read, before entries the dump lacked are removed
    const t1 = performance.now();
    const now = Date.now();
    let status: TableStatus = 'ok';
    let detail = '';
    if (read.kind === 'unreadable') {
      // Whatever was read is kept; nothing is removed on a failed read.
      status = read.status;
      detail = read.detail;
      this.stats.readErrors++;
    } else {
      this.stats.parseErrors += read.parseErrors;
      const corrections = this.table.endResync(now);
      if (this.resyncCount > 0) this.stats.resyncCorrections += corrections;
      this.resyncCount++;
      this.stats.resyncs++;
      if (read.count === 0 && (await hasTcpSockets(this.opts.procRoot))) status = 'not_tracking';
    }
    const t2 = performance.now();
    this.stats.lastResyncSeconds = (t2 - t0) / 1000;
    this.stats.lastResyncTimestamp = Date.now() / 1000;
    this.setStatus(status, detail);
    if (this.opts.debug) {
      // The bench reads this line: where a resync's wall time went (the rest of it: events handled between slices).
      const ms = (x: number) => x.toFixed(1);
      const parts = read.kind === 'ok' ? `read(2) ${ms(read.times.readMs)} ms in ${read.times.reads} calls, parse+apply ${ms(read.times.parseMs)} ms, ` : '';
      this.debug(
        `resync: ${read.kind === 'ok' ? read.count : 0} entries in ${ms(t2 - t0)} ms (${parts}removal ${ms(t2 - t1)} ms, ` +
          `GC ${this.gc.count - gc0.count} pauses ${ms(this.gc.ms - gc0.ms)} ms)`,
      );
    }
    this.resyncing = false;
    this.markDirty();
    if (this.resyncAgain && !this.stopped) {
      this.resyncAgain = false;
      await this.resync('asked for during the previous one');
    }
  }

  private setStatus(status: TableStatus, detail: string): void {
    this.stats.status = status;
    if (status !== this.reportedStatus) {
      if (status === 'ok' && this.reportedStatus !== 'starting') this.output.err('conntrack-exporter: the connection tracking table is readable again');
      else if (status === 'ok') this.debug(TableStatuses.ok);
      else this.output.err(`conntrack-exporter: ${TableStatuses[status]}${detail ? ` (${detail})` : ''}`);
      this.reportedStatus = status;
    }
  }

  private onLines(lines: string[]): void {
    this.sourceBackoffMs = Tunables.eventSourceRestartMinMs; // it works: restart quickly next time
    const now = Date.now();
    for (const line of lines) {
      if (line === '') continue;
      const r = parseEventLine(line);
      if (r.kind === 'skip') continue;
      if (r.kind === 'error') {
        this.stats.parseErrors++;
        continue;
      }
      const event = r.value;
      this.stats.events[event.type]++;
      if (this.opts.logEvents) this.logEvent(line, event);
      this.table.apply(event, this.naming, now);
    }
    this.markDirty();
  }

  private logEvent(line: string, e: ConntrackEvent): void {
    if (this.opts.logEventsFormat === 'netfilter') {
      this.output.out(line.replace(/^\[[\d.]+\]\s*/, '').trim());
      return;
    }
    const { state, src, sport, dst, dport } = e.entry;
    const host = hostLabel(e.entry, this.naming) ?? null;
    const time = e.timestamp !== undefined ? new Date(e.timestamp * 1000).toISOString() : new Date().toISOString();
    this.output.out(JSON.stringify({ time, type: e.type, state, src, sport, dst, dport, host }));
  }

  private startSource(): void {
    this.source.start();
    if (this.source.pid !== undefined) this.output.child(this.source.pid);
  }

  /** The stream is live: from here on events keep the table current; a resync covers the time before. */
  private onSubscribed(): void {
    const restarted = this.stats.eventSourceRestarts > 0 || this.resyncCount > 0;
    this.stats.eventSourceUp = true;
    this.markDirty();
    if (restarted) void this.resync('event stream subscribed');
  }

  /** Events were lost: resync, but no sooner than a gap after the last one (drift waits that long). */
  private onLostEvents(): void {
    this.stats.lostEventReports++;
    if (this.lostTimer !== undefined || this.stopped) return;
    const wait = Math.max(0, this.stats.lastResyncTimestamp * 1000 + Tunables.lostEventsResyncGapMs - Date.now());
    this.debug(`the kernel dropped events (ENOBUFS); resyncing in ${wait} ms`);
    this.lostTimer = setTimeout(() => {
      this.lostTimer = undefined;
      void this.resync('lost events');
    }, wait);
  }

  private onSourceExit(reason: string): void {
    this.output.child(0);
    if (this.stopped) return;
    this.stats.eventSourceUp = false;
    this.output.err(`conntrack-exporter: event stream stopped: ${reason}; resyncing and restarting it in ${this.sourceBackoffMs} ms`);
    void this.resync('event stream stopped'); // events were missed while it was down
    this.restartTimer = setTimeout(() => {
      if (this.stopped) return;
      this.stats.eventSourceRestarts++;
      this.startSource(); // onSubscribed resyncs again, for the time it took to start
    }, this.sourceBackoffMs);
    this.sourceBackoffMs = Math.min(this.sourceBackoffMs * 2, Tunables.eventSourceRestartMaxMs);
    this.markDirty();
  }

  private tick(): void {
    const now = Date.now();
    this.stats.expired += this.table.expire(now);
    if (this.opts.hostTtlSeconds > 0) this.table.forgetIdleHosts(this.opts.hostTtlSeconds * 1000, now);
    // Without the event stream, the table is polled instead.
    if (!this.stats.eventSourceUp && now - this.stats.lastResyncTimestamp * 1000 >= Tunables.fallbackPollMs) void this.resync('poll');
    this.markDirty();
  }

  /** Re-reads /etc/hosts and the local addresses; a change relabels everything through a resync. */
  private async refreshNames(): Promise<void> {
    let hostsText = '';
    try {
      hostsText = await readFile(this.opts.hostsPath, 'utf8');
    } catch {
      // No hosts file: addresses are shown as they are.
    }
    const local = localAddresses();
    const localKey = [...local].sort().join(',');
    if (hostsText === this.hostsText && localKey === this.localKey) return;
    const first = this.localKey === '';
    this.hostsText = hostsText;
    this.localKey = localKey;
    this.naming = { local, names: parseHostsFile(hostsText), ignore: this.naming.ignore };
    if (!first) {
      this.debug('local addresses or /etc/hosts changed; relabelling');
      void this.resync('names changed');
    }
  }

  private markDirty(): void {
    if (this.publishTimer !== undefined || this.stopped) return;
    const wait = Math.max(0, this.lastPublish + Tunables.publishIntervalMs - Date.now());
    this.publishTimer = setTimeout(() => {
      this.publishTimer = undefined;
      this.publish();
    }, wait);
  }

  /**
   * Renders the snapshot now: O(hosts), never O(entries). Only a changed text is sent to the HTTP
   * thread; an unchanged one (a table at rest) is only confirmed.
   */
  publish(): void {
    this.lastPublish = Date.now();
    this.stats.tableEntries = this.table.size;
    this.stats.hosts = this.table.hostCount;
    const text = renderConnections(this.table.rows()) + renderStats(this.stats);
    if (text === this.lastText) {
      this.output.fresh();
      return;
    }
    this.lastText = text;
    this.output.snapshot(text);
  }

  private every(ms: number, fn: () => void): void {
    this.timers.push(setInterval(fn, ms));
  }

  private debug(line: string): void {
    if (this.opts.debug) this.output.err(`conntrack-exporter: ${line}`);
  }
}
