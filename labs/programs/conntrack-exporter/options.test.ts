import { describe, expect, it } from 'vitest';
import { parseOptions } from './options.ts';

describe('parseOptions', () => {
  it('defaults to the original exporter\'s port and path', () => {
    const r = parseOptions([]);
    expect(r.kind === 'ok' && [r.options.listenPort, r.options.listenPath, r.options.logEventsFormat]).toEqual([9318, '/metrics', 'netfilter']);
  });

  it('accepts the original options in both --name=value and --name value forms', () => {
    const r = parseOptions(['--listen-port=9101', '--listen-path', '/m', '--bind-address=127.0.0.1', '--ignore-hosts=a,b', '--log-events', '--log-events-format=json', '--debug']);
    expect(r.kind === 'ok' && r.options).toMatchObject({
      listenPort: 9101, listenPath: '/m', bindAddress: '127.0.0.1', ignoreHosts: 'a,b', logEvents: true, logEventsFormat: 'json', debug: true,
    });
  });

  it('rejects bad values with a message naming the option', () => {
    expect(parseOptions(['--log-events-format=xml'])).toMatchObject({ kind: 'error', message: expect.stringContaining('--log-events-format') });
    expect(parseOptions(['--resync-interval=0'])).toMatchObject({ kind: 'error', message: expect.stringContaining('--resync-interval') });
    expect(parseOptions(['--listen-port=70000'])).toMatchObject({ kind: 'error' });
    expect(parseOptions(['--no-such-option'])).toMatchObject({ kind: 'error' });
  });

  it('asks for help with --help or -h', () => {
    expect(parseOptions(['-h'])).toEqual({ kind: 'help' });
    expect(parseOptions(['--help'])).toEqual({ kind: 'help' });
  });
});
