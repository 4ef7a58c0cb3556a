import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ConntrackEntry } from './conntrackLine.ts';
import { hostLabel, parseHostsFile, parseIgnoreList, type Naming } from './hostNamer.ts';

const names = parseHostsFile(readFileSync(new URL('./fixtures/hosts', import.meta.url), 'utf8'));
const naming = (ignore = ''): Naming => ({ local: new Set(['10.20.0.2', 'fd00:20::2', '127.0.0.1']), names, ignore: parseIgnoreList(ignore) });
const conn = (src: string, sport: number, dst: string, dport: number): ConntrackEntry => ({ state: 'ESTABLISHED', timeout: 1, src, sport, dst, dport });

describe('parseHostsFile', () => {
  it('maps each address to the first name of its first line and ignores comments', () => {
    expect(names.get('10.20.0.2')).toBe('api');
    expect(names.get('10.20.0.3')).toBe('db');
    expect([...names.values()]).not.toContain('hosts');
  });

  it('keys IPv6 addresses in their compressed form', () => {
    expect(names.get('fd00:20::7')).toBe('web6');
  });
});

describe('hostLabel', () => {
  it('labels an outbound connection with the remote name and port', () => {
    expect(hostLabel(conn('10.20.0.2', 40000, '10.20.0.3', 5432), naming())).toBe('db:5432');
  });

  it('labels an inbound connection with the remote name only, whatever its client port', () => {
    expect(hostLabel(conn('10.20.0.4', 33001, '10.20.0.2', 8080), naming())).toBe('web');
    expect(hostLabel(conn('10.20.0.4', 61000, '10.20.0.2', 8080), naming())).toBe('web');
  });

  it('shows addresses without a name, bracketing IPv6 before a port', () => {
    expect(hostLabel(conn('10.20.0.2', 1, '10.20.0.77', 80), naming())).toBe('10.20.0.77:80');
    expect(hostLabel(conn('fd00:20::2', 1, 'fd00:20::99', 80), naming())).toBe('[fd00:20::99]:80');
    expect(hostLabel(conn('fd00:20::99', 1, 'fd00:20::2', 80), naming())).toBe('fd00:20::99');
  });

  it('labels loopback connections by the port they go to', () => {
    expect(hostLabel(conn('127.0.0.1', 5000, '127.0.0.1', 9090), naming())).toBe('localhost:9090');
  });

  it('leaves out hosts ignored by address, by name or by label', () => {
    expect(hostLabel(conn('10.20.0.2', 1, '10.20.0.3', 5432), naming('10.20.0.3'))).toBeUndefined();
    expect(hostLabel(conn('10.20.0.4', 1, '10.20.0.2', 80), naming('web'))).toBeUndefined();
    expect(hostLabel(conn('10.20.0.2', 1, '10.20.0.3', 5432), naming('db:5432'))).toBeUndefined();
    expect(hostLabel(conn('10.20.0.2', 1, '10.20.0.3', 6432), naming('db:5432'))).toBe('db:6432');
    expect(hostLabel(conn('fd00:20::2', 1, 'fd00:20::99', 80), naming('fd00:0020::99'))).toBeUndefined();
  });
});
