import { describe, expect, it } from 'vitest';
import { parseDuration, parseGatewayArgs } from './serve.ts';

describe('patchbay serve arguments', () => {
  it('parses durations with units, bare numbers as seconds, and refuses the rest', () => {
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('30s')).toBe(30_000);
    expect(parseDuration('5m')).toBe(300_000);
    expect(parseDuration('2h')).toBe(7_200_000);
    expect(parseDuration('90')).toBe(90_000);
    expect(parseDuration('5 minutes')).toBeNull();
    expect(parseDuration('-1s')).toBeNull();
  });

  it('defaults to 127.0.0.1:3000 and takes PORT and HOST from the environment', () => {
    const defaults = parseGatewayArgs([], {});
    expect(defaults).toMatchObject({ ok: true, options: { port: 3000, host: '127.0.0.1' } });
    // Beyond loopback only in hosted mode.
    const fromEnv = parseGatewayArgs([], { PORT: '8080', HOST: '0.0.0.0', PATCHBAY_HOSTED: '1' });
    expect(fromEnv).toMatchObject({ ok: true, options: { port: 8080, host: '0.0.0.0' } });
    const flagsWin = parseGatewayArgs(['--port', '9000'], { PORT: '8080' });
    expect(flagsWin).toMatchObject({ ok: true, options: { port: 9000 } });
  });

  it('collects repeated --allowed-origin and the terminal limits', () => {
    const parsed = parseGatewayArgs(
      ['--allowed-origin', 'https://a.example', '--allowed-origin', 'http://b.example:8080', '--grace', '10m', '--idle-timeout', '1h', '--max-lifetime', '2h'],
      {},
    );
    expect(parsed).toMatchObject({
      ok: true,
      options: {
        allowedOrigins: ['https://a.example', 'http://b.example:8080'],
        limits: { graceMs: 600_000, idleMs: 3_600_000, maxLifetimeMs: 7_200_000 },
      },
    });
  });

  it('refuses a bad port, a bad duration, an origin with a path and unknown flags with a message', () => {
    for (const args of [['--port', 'abc'], ['--grace', 'soon'], ['--allowed-origin', 'https://a.example/path'], ['--frobnicate']]) {
      const parsed = parseGatewayArgs(args, {});
      expect(parsed.ok).toBe(false);
      if (!parsed.ok) expect(parsed.message.length).toBeGreaterThan(0);
    }
  });

  it('takes the lab pool tunables from flags or PATCHBAY_POOL_*, flags first, and checks them', () => {
    const r = parseGatewayArgs(['--pool-idle', '5m', '--pool-warm', '0', '--pool-max-instances', '3'], { PATCHBAY_POOL_WARN: '30s', PATCHBAY_POOL_MAX_INSTANCES: '9' });
    expect(r).toMatchObject({ ok: true, pool: { idleMs: 300_000, warnMs: 30_000, warm: 0, maxInstances: 3 } });
    expect(parseGatewayArgs([], {})).toMatchObject({ ok: true, pool: {} });
    expect(parseGatewayArgs(['--pool-max-instances', '0'], {})).toMatchObject({ ok: false, message: expect.stringContaining('--pool-max-instances') });
    expect(parseGatewayArgs(['--pool-idle', 'soon'], {})).toMatchObject({ ok: false, message: expect.stringContaining('--pool-idle') });
    expect(parseGatewayArgs(['--pool-idle', '1m', '--pool-warn', '2m'], {})).toMatchObject({ ok: false, message: expect.stringContaining('shorter than --pool-idle') });
  });
});
