/**
 * Every tunable number of the exporter, named once with the reason for its value.
 * Options that a user may change (`--resync-interval` …) take their defaults from here.
 */
export const Tunables = {
  /** Port of the original exporter, so scrape configs written for it keep working. */
  defaultListenPort: 9318,
  /**
   * Seconds between full resyncs. A resync at 100k entries costs a few hundred ms of one worker
   * thread's CPU, so twice a minute keeps drift short-lived at under 1% of a core.
   */
  defaultResyncIntervalSeconds: 30,
  /**
   * How often, at most, the collector publishes a new snapshot to the HTTP thread. Scrapes come
   * every 2 s in the course's lab (every second at the fastest): 500 ms keeps a snapshot fresh for
   * them without re-rendering per event (100 ms cost an instance about 0.5 % of a 2-core machine in
   * wake-ups under its background churn; bench:instance).
   */
  publishIntervalMs: 500,
  /** Re-read /etc/hosts and the local interface addresses this often: lab hosts come and go. */
  namesRefreshMs: 5_000,
  /** When `conntrack -E` cannot run, poll the whole table this often instead of listening to events. */
  fallbackPollMs: 2_000,
  /** First delay before restarting a dead event source; doubles up to the maximum below. */
  eventSourceRestartMinMs: 250,
  /** A broken event source (missing tool, no permission) is retried no faster than this. */
  eventSourceRestartMaxMs: 10_000,
  /** Delay before restarting a collector thread that crashed (a bug): long enough not to spin. */
  collectorRestartMs: 1_000,
  /**
   * Hosts whose four counts have all been zero this long are dropped from the output. Zeros keep
   * `rate()` and graphs continuous for hosts that come and go; an hour bounds series from hosts
   * that never come back.
   */
  defaultHostTtlSeconds: 3_600,
  /** On shutdown, how long the collector may take to stop its event stream before it is terminated. */
  collectorStopGraceMs: 2_000,
  /**
   * Netlink receive buffer of `conntrack -E`: 8 MiB holds about 40k events (≈200 bytes each), several
   * seconds of heavy churn, so a collector busy with a resync does not make the kernel drop events.
   */
  eventBufferBytes: 8 << 20,
  /**
   * Least time between the end of a resync and a resync asked for by lost events (ENOBUFS). Under
   * churn on a loaded machine the kernel reported ENOBUFS every few seconds (even with a 64 MiB
   * buffer); back-to-back resyncs of 100k entries would then take a whole core.
   */
  lostEventsResyncGapMs: 5_000,
  /**
   * How often the event stream's FIFO is drained while events come: under churn of 1,000 connections
   * a second each drain takes ~500 lines in one wake-up instead of one wake-up per line, and lines
   * wait at most this long (snapshots go out at most every publishIntervalMs anyway). The FIFO holds
   * 64 KiB and `conntrack -E` keeps what does not fit in its 8 MiB netlink buffer meanwhile.
   */
  eventReadIntervalMs: 100,
  /** After empty drains the interval doubles up to this: an idle stream costs two reads a second. */
  eventReadIdleMs: 500,
  /** Bytes per read of the event FIFO: a whole pipe's worth (64 KiB on Linux) in one call. */
  eventReadBytes: 64 << 10,
  /**
   * A full read of /proc/net/nf_conntrack goes in slices of this many bytes (about 1,700 entries), read
   * into one reused buffer and parsed before the collector thread yields to pending events: about 10 ms
   * of work per slice at 100k entries, so events wait at most that long during a resync.
   */
  procSliceBytes: 256 << 10,
  /** Stop filling a slice when less than a page is left: /proc hands out at most a page per read(2). */
  procMinReadBytes: 4096,
} as const;

/**
 * The collector thread's name in /proc/<pid>/task/<tid>/comm (at most 15 bytes). Not a tunable; kept in
 * this module because it has no side effects, so bench/exporter.ts can import it (importing main.ts would
 * start the exporter).
 */
export const COLLECTOR_THREAD_NAME = 'ct-collector';
