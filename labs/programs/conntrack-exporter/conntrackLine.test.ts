import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { entryKey, parseEventLine, parseTableLine } from './conntrackLine.ts';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8').split('\n').filter((l) => l !== '');

describe('parseTableLine', () => {
  const lines = fixture('proc/net/nf_conntrack');

  it('reads the state, timeout and original tuple of an IPv4 entry', () => {
    expect(parseTableLine(lines[0]!)).toEqual({
      kind: 'ok',
      value: { state: 'ESTABLISHED', timeout: 431999, src: '10.20.0.2', dst: '10.20.0.3', sport: 40112, dport: 5432 },
    });
  });

  it('takes the original tuple, not the reply tuple, of an unreplied entry', () => {
    const r = parseTableLine(lines[3]!);
    expect(r.kind === 'ok' && r.value).toMatchObject({ state: 'SYN_SENT', src: '10.20.0.2', dst: '10.20.0.9', sport: 51000, dport: 6379 });
  });

  it('compresses the full-length IPv6 addresses that /proc prints', () => {
    const r = parseTableLine(lines[9]!);
    expect(r.kind === 'ok' && r.value).toMatchObject({ src: 'fd00:20::2', dst: 'fd00:20::3', dport: 5432 });
  });

  it('skips protocols other than TCP', () => {
    expect(parseTableLine(lines[8]!)).toEqual({ kind: 'skip' });
  });

  it('reports a truncated line as an error', () => {
    expect(parseTableLine(lines[lines.length - 1]!).kind).toBe('error');
  });

  it('gives the same key to an entry whatever the IPv6 spelling', () => {
    const full = parseTableLine('ipv6 10 tcp 6 5 ESTABLISHED src=0000:0000:0000:0000:0000:0000:0000:0001 dst=0000:0000:0000:0000:0000:0000:0000:0001 sport=1 dport=2');
    const short = parseEventLine('[NEW] ipv6 10 tcp 6 5 ESTABLISHED src=::1 dst=::1 sport=1 dport=2');
    expect(full.kind === 'ok' && short.kind === 'ok' && entryKey(full.value) === entryKey(short.value.entry)).toBe(true);
  });
});

describe('parseEventLine', () => {
  const lines = fixture('events.txt');

  it('reads the timestamp, type and entry of an extended event', () => {
    expect(parseEventLine(lines[0]!)).toEqual({
      kind: 'ok',
      value: {
        type: 'new',
        timestamp: 1795392727.569095,
        id: undefined,
        entry: { state: 'SYN_SENT', timeout: 120, src: '127.0.0.1', dst: '127.0.0.1', sport: 51548, dport: 8080 },
      },
    });
  });

  it('reads updates and IPv6 events', () => {
    const u = parseEventLine(lines[2]!);
    expect(u.kind === 'ok' && [u.value.type, u.value.entry.state]).toEqual(['update', 'ESTABLISHED']);
    const v6 = parseEventLine(lines[3]!);
    expect(v6.kind === 'ok' && v6.value.entry.src).toBe('::1');
  });

  it('reads events printed without timestamp or address family', () => {
    const r = parseEventLine(lines[5]!);
    expect(r.kind === 'ok' && r.value).toMatchObject({ type: 'new', timestamp: undefined, entry: { dst: '10.0.0.2', dport: 80 } });
  });

  it('reads a DESTROY event that has neither timeout nor state', () => {
    const r = parseEventLine(lines[6]!);
    expect(r.kind === 'ok' && r.value).toMatchObject({ type: 'destroy', entry: { state: '', timeout: undefined, src: '10.0.0.1', sport: 1000 } });
  });

  it('skips UDP events and rejects unknown event types', () => {
    expect(parseEventLine(lines[7]!)).toEqual({ kind: 'skip' });
    expect(parseEventLine(lines[8]!).kind).toBe('error');
  });

  it('reads the entry id printed with -o id', () => {
    const r = parseEventLine('[1795392727.569182]\t [UPDATE] ipv4     2 tcp      6 432000 ESTABLISHED src=127.0.0.1 dst=127.0.0.1 sport=51548 dport=8080 src=127.0.0.1 dst=127.0.0.1 sport=8080 dport=51548 [ASSURED] id=2091904119');
    expect(r.kind === 'ok' && [r.value.id, r.value.entry.state]).toEqual([2091904119, 'ESTABLISHED']);
  });
});
