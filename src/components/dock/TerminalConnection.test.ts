import { describe, expect, it } from 'vitest';
import { CloseCode } from '../../protocol/errors.ts';
import { RECONNECT_BASE_MS, RECONNECT_JITTER, RECONNECT_MAX_MS, describeClose, reconnectDelay, terminalSocketUrl } from './TerminalConnection.ts';

describe('terminalSocketUrl', () => {
  it('points at the same host over ws and carries the request in the query', () => {
    const url = new URL(terminalSocketUrl('http://localhost:3000', 'my tools', { target: 'tools', shell: '/bin/bash', cols: 80, rows: 24 }));
    expect(url.protocol).toBe('ws:');
    expect(url.host).toBe('localhost:3000');
    expect(url.pathname).toBe('/api/terminals/my%20tools');
    expect(Object.fromEntries(url.searchParams)).toEqual({ target: 'tools', shell: '/bin/bash', cols: '80', rows: '24' });
  });

  it('uses wss for an https page and leaves out absent fields', () => {
    const url = new URL(terminalSocketUrl('https://lab.example', 't', { target: 'tools', user: undefined, workdir: '' }));
    expect(url.protocol).toBe('wss:');
    expect([...url.searchParams.keys()]).toEqual(['target']);
  });
});

describe('reconnectDelay', () => {
  it('doubles from the base and stops growing at the cap', () => {
    const noJitter = () => 0;
    expect(reconnectDelay(1, noJitter)).toBe(RECONNECT_BASE_MS);
    expect(reconnectDelay(2, noJitter)).toBe(RECONNECT_BASE_MS * 2);
    expect(reconnectDelay(30, noJitter)).toBe(RECONNECT_MAX_MS);
  });

  it('adds at most the jitter fraction', () => {
    expect(reconnectDelay(1, () => 1)).toBe(Math.round(RECONNECT_BASE_MS * (1 + RECONNECT_JITTER)));
  });
});

describe('describeClose', () => {
  it('prefers the server reason and names our own close codes', () => {
    expect(describeClose(CloseCode.TargetRefused, 'No host nope in this lab')).toBe('No host nope in this lab');
    expect(describeClose(CloseCode.TakenOver, '')).toMatch(/another tab/);
    expect(describeClose(1006, '')).toMatch(/cannot reach/);
  });
});
