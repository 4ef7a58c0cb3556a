import { describe, expect, it } from 'vitest';
import type { ConntrackEntry, ConntrackEvent, EventType } from './conntrackLine.ts';
import { ConnTable } from './connTable.ts';
import type { Naming } from './hostNamer.ts';

const T0 = 1_800_000_000_000;
const naming: Naming = { local: new Set(['10.0.0.1']), names: new Map([['10.0.0.2', 'db']]), ignore: new Set() };
const entry = (sport: number, state: string, timeout: number | undefined = 100, dst = '10.0.0.2'): ConntrackEntry => ({
  state, timeout, src: '10.0.0.1', sport, dst, dport: 5432,
});
const ev = (type: EventType, e: ConntrackEntry, id?: number): ConntrackEvent => ({ type, timestamp: undefined, id, entry: e });
const row = (t: ConnTable, host: string) => t.rows().find((r) => r[0] === host);

describe('ConnTable', () => {
  it('counts each connection in the bucket of its state', () => {
    const t = new ConnTable(T0);
    t.apply(ev('new', entry(1, 'SYN_SENT')), naming, T0);
    t.apply(ev('new', entry(2, 'ESTABLISHED')), naming, T0);
    t.apply(ev('new', entry(3, 'TIME_WAIT')), naming, T0);
    t.apply(ev('new', entry(4, 'CLOSE')), naming, T0);
    expect(row(t, 'db:5432')).toEqual(['db:5432', 1, 1, 1, 1]);
  });

  it('moves a connection between buckets as its state changes', () => {
    const t = new ConnTable(T0);
    t.apply(ev('new', entry(1, 'SYN_SENT')), naming, T0);
    t.apply(ev('update', entry(1, 'ESTABLISHED')), naming, T0);
    t.apply(ev('update', entry(1, 'FIN_WAIT')), naming, T0);
    expect(row(t, 'db:5432')).toEqual(['db:5432', 0, 0, 1, 0]);
    expect(t.size).toBe(1);
  });

  it('keeps a host at zero after its last connection is destroyed', () => {
    const t = new ConnTable(T0);
    t.apply(ev('new', entry(1, 'ESTABLISHED')), naming, T0);
    t.apply(ev('destroy', entry(1, '', undefined)), naming, T0);
    expect(row(t, 'db:5432')).toEqual(['db:5432', 0, 0, 0, 0]);
    expect(t.size).toBe(0);
  });

  it('skips states the exporter does not report', () => {
    const t = new ConnTable(T0);
    t.apply(ev('new', entry(1, 'NONE')), naming, T0);
    expect(t.size).toBe(0);
    expect(t.rows()).toEqual([]);
  });

  it('does not count as a correction a dump line that an event arriving later in the resync confirms', () => {
    const t = new ConnTable(T0);
    t.apply(ev('new', entry(1, 'SYN_SENT')), naming, T0);
    t.beginResync();
    // The dump already shows the connection established, and one it has not heard of yet; the events
    // saying so were still on their way.
    t.resyncEntry(entry(1, 'ESTABLISHED'), naming, T0);
    t.resyncEntry(entry(2, 'ESTABLISHED'), naming, T0);
    t.apply(ev('update', entry(1, 'ESTABLISHED')), naming, T0);
    t.apply(ev('new', entry(2, 'SYN_SENT')), naming, T0);
    t.apply(ev('update', entry(2, 'ESTABLISHED')), naming, T0);
    expect(t.endResync(T0)).toBe(0);
    expect(row(t, 'db:5432')).toEqual(['db:5432', 0, 2, 0, 0]);
  });

  it('still counts a dump change that no event confirms', () => {
    const t = new ConnTable(T0);
    t.apply(ev('new', entry(1, 'SYN_SENT')), naming, T0);
    t.beginResync();
    t.resyncEntry(entry(1, 'ESTABLISHED'), naming, T0);
    t.apply(ev('new', entry(3, 'SYN_SENT')), naming, T0); // another entry: confirms nothing about 1
    expect(t.endResync(T0)).toBe(1);
  });

  it('counts a resync\'s additions, changes and removals as corrections and ends equal to the dump', () => {
    const t = new ConnTable(T0);
    t.apply(ev('new', entry(1, 'ESTABLISHED')), naming, T0);
    t.apply(ev('new', entry(2, 'ESTABLISHED')), naming, T0);
    t.apply(ev('new', entry(3, 'ESTABLISHED')), naming, T0);
    // 1 unchanged, 2 changed state, 3 gone, 4 new.
    const corrections = t.replace([entry(1, 'ESTABLISHED'), entry(2, 'TIME_WAIT'), entry(4, 'SYN_SENT')], naming, T0);
    expect(corrections).toBe(3);
    expect(row(t, 'db:5432')).toEqual(['db:5432', 1, 1, 1, 0]);
    expect(t.size).toBe(3);
  });

  it('drops entries when their kernel timeout passes, not before', () => {
    const t = new ConnTable(T0);
    t.apply(ev('new', entry(1, 'CLOSE', 10)), naming, T0);
    t.apply(ev('new', entry(2, 'ESTABLISHED', 432000)), naming, T0);
    expect(t.expire(T0 + 9_500)).toBe(0);
    expect(t.expire(T0 + 10_001)).toBe(1);
    expect(row(t, 'db:5432')).toEqual(['db:5432', 0, 1, 0, 0]);
  });

  it('uses the latest timeout when an update refreshes an entry', () => {
    const t = new ConnTable(T0);
    t.apply(ev('new', entry(1, 'SYN_SENT', 5)), naming, T0);
    t.apply(ev('update', entry(1, 'ESTABLISHED', 100)), naming, T0 + 1_000);
    expect(t.expire(T0 + 50_000)).toBe(0);
    t.apply(ev('update', entry(1, 'TIME_WAIT', 2)), naming, T0 + 50_000);
    expect(t.expire(T0 + 52_500)).toBe(1);
    expect(t.size).toBe(0);
  });

  it('forgets hosts that stayed at zero longer than the time to live', () => {
    const t = new ConnTable(T0);
    t.apply(ev('new', entry(1, 'ESTABLISHED', 100, '10.0.0.3')), naming, T0);
    t.apply(ev('destroy', entry(1, '', undefined, '10.0.0.3')), naming, T0);
    t.forgetIdleHosts(60_000, T0 + 59_000);
    expect(t.hostCount).toBe(1);
    t.forgetIdleHosts(60_000, T0 + 60_000);
    expect(t.hostCount).toBe(0);
  });

  it('makes one series from 1,000 inbound connections of one client', () => {
    const t = new ConnTable(T0);
    for (let port = 30000; port < 31000; port++) {
      t.apply(ev('new', { state: 'ESTABLISHED', timeout: 100, src: '10.0.0.2', sport: port, dst: '10.0.0.1', dport: 8080 }), naming, T0);
    }
    expect(t.rows()).toEqual([['db', 0, 1000, 0, 0]]);
  });

  it('keeps entries that events create or update while a resync reads the table', () => {
    const t = new ConnTable(T0);
    t.apply(ev('new', entry(1, 'ESTABLISHED')), naming, T0);
    t.apply(ev('new', entry(2, 'ESTABLISHED')), naming, T0);
    t.beginResync();
    t.apply(ev('new', entry(3, 'SYN_SENT')), naming, T0); // made during the read, after its line
    t.apply(ev('update', entry(2, 'FIN_WAIT')), naming, T0); // changed during the read
    t.resyncEntry(entry(1, 'ESTABLISHED'), naming, T0);
    expect(t.endResync(T0)).toBe(0);
    expect(row(t, 'db:5432')).toEqual(['db:5432', 1, 1, 1, 0]);
  });

  it('ignores a late DESTROY of an old entry whose tuple a new entry already reuses', () => {
    const t = new ConnTable(T0);
    t.apply(ev('new', entry(1, 'SYN_SENT'), 1), naming, T0);
    t.apply(ev('update', entry(1, 'TIME_WAIT'), 1), naming, T0);
    t.apply(ev('new', entry(1, 'SYN_SENT'), 2), naming, T0); // same tuple, new entry
    t.apply(ev('destroy', entry(1, ''), 1), naming, T0); // the old entry's removal, delivered late
    expect(row(t, 'db:5432')).toEqual(['db:5432', 1, 0, 0, 0]);
    t.apply(ev('destroy', entry(1, ''), 2), naming, T0);
    expect(t.size).toBe(0);
  });
});
