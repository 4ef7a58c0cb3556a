/**
 * The exporter's copy of the kernel's TCP conntrack entries, with per-host counts kept current on every
 * change so that publishing a snapshot never walks the table.
 *
 * Entries expire at the time the kernel gave them (its timeout field), because the kernel reports the
 * DESTROY of an expired entry only when its garbage collector gets to it, which can be a minute later,
 * while /proc/net/nf_conntrack hides expired entries at once.
 */
import { entryKey, type ConntrackEntry, type ConntrackEvent } from './conntrackLine.ts';
import { hostLabel, type Naming } from './hostNamer.ts';
import { stateBucket, type Bucket } from './states.ts';

interface Slot {
  host: string;
  bucket: Bucket;
  /** Milliseconds since the epoch; Infinity when the kernel gave no timeout. */
  expiresAt: number;
  /** The wheel second this slot is filed under (Infinity: not filed). A slot is filed once at a time. */
  filedAt: number;
  /** The resync generation that last saw this entry; older ones are gone from the kernel. */
  gen: number;
  /** The kernel's entry id, once an event has told it (/proc does not show ids). */
  id: number | undefined;
  /** The naming the host label was made with: while it is current, the same tuple gets the same label. */
  naming: Naming;
}

export interface HostCounts {
  /** Connections per bucket: opening, open, closing, closed. */
  counts: [number, number, number, number];
  total: number;
  /** When total last fell to zero (ms), undefined while non-zero. */
  zeroSince: number | undefined;
}

/** One row of a snapshot: a host and its four counts. */
export type HostRow = readonly [host: string, opening: number, open: number, closing: number, closed: number];

export class ConnTable {
  private readonly entries = new Map<string, Slot>();
  private readonly hosts = new Map<string, HostCounts>();
  /** Expiry wheel: whole second → keys that may expire then (checked against the slot on the way). */
  private readonly wheel = new Map<number, string[]>();
  private sweptUpTo: number;
  private gen = 0;
  /**
   * Entries the current resync's dump changed, with what it set (host undefined: removed). An event
   * applied later in the same resync that leaves the entry the same way shows the stream knew it: the
   * dump line was only newer than an event still on its way, not a repair. What is left at the end
   * counts as corrections.
   */
  private readonly dumpChanged = new Map<string, { host: string | undefined; bucket: Bucket | undefined }>();

  constructor(now: number) {
    this.sweptUpTo = Math.floor(now / 1000);
  }

  get size(): number {
    return this.entries.size;
  }

  get hostCount(): number {
    return this.hosts.size;
  }

  /** Applies one event from the kernel's stream. */
  apply(event: ConntrackEvent, naming: Naming, now: number): void {
    const key = entryKey(event.entry);
    // One lookup per event (a hot path): the slot is passed on rather than looked up again.
    const old = this.entries.get(key);
    let slot: Slot | undefined;
    if (event.type === 'destroy') {
      // Events from different CPUs can arrive out of order: the DESTROY of an old entry after the NEW
      // of a new one with the same tuple. The ids tell them apart.
      if (old !== undefined && old.id !== undefined && event.id !== undefined && old.id !== event.id) return;
      this.remove(key, old, now);
    } else {
      slot = this.put(key, old, event.entry, naming, now);
      if (slot !== undefined && event.id !== undefined && (event.type === 'new' || slot.id === undefined)) slot.id = event.id;
    }
    if (this.dumpChanged.size > 0) {
      const set = this.dumpChanged.get(key);
      if (set !== undefined && set.host === slot?.host && set.bucket === slot?.bucket) this.dumpChanged.delete(key);
    }
  }

  /**
   * Replaces the whole table with a fresh dump, keeping hosts already seen (at zero when they have no
   * entries now). Returns how many entries the dump added, changed or removed: drift that events missed.
   */
  replace(dump: Iterable<ConntrackEntry>, naming: Naming, now: number): number {
    this.beginResync();
    for (const e of dump) this.resyncEntry(e, naming, now);
    return this.endResync(now);
  }

  /**
   * A resync in three steps, so a dump can be applied while it is read, line by line, without holding
   * it in memory: begin, one call per entry, end (which removes entries the dump did not have).
   */
  beginResync(): void {
    this.gen++;
    this.dumpChanged.clear();
  }

  resyncEntry(e: ConntrackEntry, naming: Naming, now: number): void {
    const key = entryKey(e);
    const old = this.entries.get(key);
    const slot = this.put(key, old, e, naming, now);
    if (slot === old) return; // unchanged
    this.dumpChanged.set(key, { host: slot?.host, bucket: slot?.bucket });
  }

  /**
   * Removes entries the dump did not contain; returns the resync's corrections: entries the dump
   * added, changed or removed that no event applied since has confirmed.
   */
  endResync(now: number): number {
    let removed = 0;
    for (const [key, slot] of this.entries) {
      if (slot.gen !== this.gen) {
        this.remove(key, slot, now);
        removed++;
      }
    }
    const corrections = this.dumpChanged.size + removed;
    this.dumpChanged.clear();
    return corrections;
  }

  /** Drops entries whose kernel timeout has passed. Returns how many it dropped. */
  expire(now: number): number {
    let dropped = 0;
    const upTo = Math.floor(now / 1000);
    for (let s = this.sweptUpTo; s <= upTo; s++) {
      const keys = this.wheel.get(s);
      if (keys === undefined) continue;
      const later: string[] = [];
      for (const key of keys) {
        const slot = this.entries.get(key);
        if (slot === undefined || slot.filedAt !== s) continue; // stale record
        if (slot.expiresAt > now) {
          // Refreshed since it was filed: due later in this second, or re-filed at its new second.
          const due = Math.floor(slot.expiresAt / 1000);
          slot.filedAt = Infinity;
          if (due === s) {
            slot.filedAt = s;
            later.push(key);
          } else this.fileExpiry(key, slot);
          continue;
        }
        this.remove(key, slot, now);
        dropped++;
      }
      if (later.length > 0) this.wheel.set(s, later);
      else this.wheel.delete(s);
    }
    // The current second stays open: entries expiring later in it are looked at next time.
    this.sweptUpTo = upTo;
    return dropped;
  }

  /** Forgets hosts whose counts have all been zero for at least ttlMs. */
  forgetIdleHosts(ttlMs: number, now: number): void {
    for (const [host, h] of this.hosts) {
      if (h.total === 0 && h.zeroSince !== undefined && now - h.zeroSince >= ttlMs) this.hosts.delete(host);
    }
  }

  /** Rows sorted by host, for a stable exposition. O(hosts), independent of the table size. */
  rows(): HostRow[] {
    const rows: HostRow[] = [];
    for (const [host, h] of this.hosts) rows.push([host, h.counts[0], h.counts[1], h.counts[2], h.counts[3]]);
    rows.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    return rows;
  }

  /**
   * Sets the entry at key, whose current slot (or undefined) the caller passes as old. Returns its slot
   * afterwards, undefined when it is not kept (a state or host not counted). An unchanged entry keeps
   * its slot; a new or changed one (host or bucket) gets a new slot, so the result differs from old
   * exactly when the entry was added, changed or removed.
   */
  private put(key: string, old: Slot | undefined, e: ConntrackEntry, naming: Naming, now: number): Slot | undefined {
    const bucket = stateBucket(e.state);
    if (bucket === undefined) {
      this.remove(key, old, now);
      return undefined;
    }
    // The key is the tuple, so an entry labelled with the current naming keeps its label: most entries
    // of a resync are unchanged, and this skips making a label string for each of them.
    const host = old !== undefined && old.naming === naming ? old.host : hostLabel(e, naming);
    if (host === undefined) {
      this.remove(key, old, now);
      return undefined;
    }
    const expiresAt = e.timeout === undefined ? Infinity : now + e.timeout * 1000;
    if (old !== undefined && old.host === host && old.bucket === bucket) {
      old.expiresAt = expiresAt;
      old.gen = this.gen;
      old.naming = naming;
      this.fileExpiry(key, old);
      return old;
    }
    if (old !== undefined) this.count(old.host, old.bucket, -1, now);
    const slot: Slot = { host, bucket, expiresAt, filedAt: Infinity, gen: this.gen, id: old?.id, naming };
    this.entries.set(key, slot);
    this.fileExpiry(key, slot);
    this.count(host, bucket, +1, now);
    return slot;
  }

  /** Removes the entry at key, whose slot (or undefined: nothing to do) the caller has already looked up. */
  private remove(key: string, old: Slot | undefined, now: number): void {
    if (old === undefined) return;
    this.entries.delete(key);
    this.count(old.host, old.bucket, -1, now);
  }

  /** Files the slot under its expiry second unless it is already filed at or before it. */
  private fileExpiry(key: string, slot: Slot): void {
    if (slot.expiresAt === Infinity) return;
    const s = Math.max(Math.floor(slot.expiresAt / 1000), this.sweptUpTo);
    if (slot.filedAt <= s) return; // the earlier record will re-file it when it fires
    slot.filedAt = s;
    const list = this.wheel.get(s);
    if (list === undefined) this.wheel.set(s, [key]);
    else list.push(key);
  }

  private count(host: string, bucket: Bucket, delta: 1 | -1, now: number): void {
    let h = this.hosts.get(host);
    if (h === undefined) {
      h = { counts: [0, 0, 0, 0], total: 0, zeroSince: undefined };
      this.hosts.set(host, h);
    }
    h.counts[bucket] += delta;
    h.total += delta;
    h.zeroSince = h.total === 0 ? now : undefined;
  }
}
