/**
 * The dock's socket client (src/components/dock/TerminalConnection.ts) against a real gateway and
 * real shells, outside the browser: `ws` stands in for the browser's WebSocket (same event API; it
 * sends the Origin and cookie a page would), and @xterm/headless is the terminal it writes into.
 * A TCP relay between them lets a test cut the connection the way a network blip does.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WS from 'ws';
import xtermHeadless from '@xterm/headless';
import { startGateway, type TestGateway } from '../helpers/gateway.ts';
import { LocalTargetResolver } from '../../src/terminal/LocalTargetResolver.ts';
import { HEALTH_PATH, type HealthResponse } from '../../src/protocol/health.ts';
import { TerminalConnection } from '../../src/components/dock/TerminalConnection.ts';
import { InputLimits } from '../../src/protocol/terminal.ts';
import { diagnose } from '../../src/components/dock/diagnoseRefusal.ts';
import type { ConnectionState } from '../../src/components/dock/dockStore.ts';

const PREFIX = 'pbb';
const WAIT_MS = 20_000;

let gw: TestGateway;
let home: string;
let relay: Relay;
const savedWebSocket = (globalThis as { WebSocket?: unknown }).WebSocket;

/** Forwards TCP to the gateway; `cut()` drops every live connection at once. */
interface Relay {
  origin: string;
  cut(): void;
  close(): Promise<void>;
}

async function startRelay(port: number): Promise<Relay> {
  const live = new Set<Socket>();
  const server: Server = createServer((inbound) => {
    const outbound = connect(port, '127.0.0.1');
    for (const s of [inbound, outbound]) {
      live.add(s);
      s.on('close', () => live.delete(s));
      s.on('error', () => {});
    }
    inbound.pipe(outbound).pipe(inbound);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  return {
    origin: `http://127.0.0.1:${address.port}`,
    cut: () => {
      for (const s of live) s.destroy();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of live) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A page's WebSocket: same-origin cookie and Origin header come with every connection. */
function installBrowserLikeWebSocket(origin: string, cookie: string): void {
  class PageWebSocket extends WS {
    constructor(url: string) {
      super(url, { headers: { origin, cookie }, perMessageDeflate: false });
      // A browser reports a failed upgrade only as a close (1006); ws would also throw an error event.
      this.on('error', () => {});
    }
  }
  (globalThis as { WebSocket?: unknown }).WebSocket = PageWebSocket;
}

interface Harness {
  connection: TerminalConnection;
  screen: InstanceType<typeof xtermHeadless.Terminal>;
  states: ConnectionState[];
  resets: number;
  text(): string;
  waitFor(test: () => boolean, what: string): Promise<void>;
}

const open: Harness[] = [];

function openTerminal(terminalId: string, target = 'tools', via = relay.origin): Harness {
  const screen = new xtermHeadless.Terminal({ cols: 100, rows: 30, scrollback: 1000, allowProposedApi: true });
  const states: ConnectionState[] = [];
  const waiters = new Set<() => void>();
  const notify = () => {
    for (const w of [...waiters]) w();
  };
  const harness: Harness = {
    screen,
    states,
    resets: 0,
    connection: new TerminalConnection({
      terminalId,
      request: { target },
      origin: via,
      size: { cols: 100, rows: 30 },
      sink: {
        write: (data, parsed) =>
          screen.write(data, () => {
            parsed?.();
            notify();
          }),
        reset: () => {
          harness.resets++;
          screen.reset();
        },
      },
      onState: (state) => {
        states.push(state);
        notify();
      },
      diagnose: async () => {
        const response = await fetch(`${gw.url}${HEALTH_PATH}`);
        return diagnose(target, (await response.json()) as HealthResponse);
      },
    }),
    text() {
      // The visible screen: what a learner sees, and cheap enough to read after every write.
      const buffer = screen.buffer.active;
      const lines: string[] = [];
      for (let i = 0; i < screen.rows; i++) lines.push(buffer.getLine(buffer.viewportY + i)?.translateToString(true) ?? '');
      return lines.join('\n');
    },
    waitFor(test, what) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out waiting for ${what}; states ${JSON.stringify(states)}; screen:\n${harness.text().trimEnd()}`));
        }, WAIT_MS);
        const check = () => {
          if (!test()) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        waiters.add(check);
        check();
      });
    },
  };
  open.push(harness);
  harness.connection.connect();
  return harness;
}

const last = (h: Harness) => h.states.at(-1);

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), `${PREFIX}-home-`));
  gw = await startGateway({
    cgroupParent: `${PREFIX}-${randomBytes(4).toString('hex')}`,
    resolver: new LocalTargetResolver({ workspace: home, env: { HOME: home } }),
  });
  relay = await startRelay(gw.gateway.port);
  installBrowserLikeWebSocket(gw.origin, gw.cookie);
});

afterEach(() => {
  for (const h of open.splice(0)) {
    h.connection.dispose();
    h.screen.dispose();
  }
});

afterAll(async () => {
  (globalThis as { WebSocket?: unknown }).WebSocket = savedWebSocket;
  await relay?.close();
  await gw?.close();
  if (home) rmSync(home, { recursive: true, force: true });
});

describe('TerminalConnection against a real gateway', () => {
  it('connects, sends input once and shows the output', async () => {
    const t = openTerminal('conn-basic');
    await t.waitFor(() => last(t)?.kind === 'connected', 'connected');
    // Wait for the prompt: a line typed before readline starts is echoed once by the tty in cooked
    // mode and again by readline, which would count as doubled input without being sent twice.
    await t.waitFor(() => /[$#]$/.test(t.text().trimEnd()), 'the prompt');
    t.connection.sendInput('echo out-$((40+2))\r');
    await t.waitFor(() => t.text().includes('out-42'), 'command output');
    expect(t.text().split('echo out-$((40+2))').length - 1).toBe(1);
  });

  it('holds input given before the shell is attached and sends it once attached', async () => {
    const t = openTerminal('conn-early');
    t.connection.sendInput('echo early-$((3*3))\r');
    await t.waitFor(() => t.text().includes('early-9'), 'output of input sent before Hello');
  });

  it('acks what it parses, so a flood far above the high watermark completes', async () => {
    const t = openTerminal('conn-flood');
    await t.waitFor(() => last(t)?.kind === 'connected', 'connected');
    // ~4 MB of output: eight times HIGH_WATERMARK; without acks the server pauses the shell for good.
    t.connection.sendInput('head -c 3000000 /dev/zero | base64 -w 200; echo flood-done-$((1+1))\r');
    await t.waitFor(() => t.text().includes('flood-done-2'), 'the end of the flood');
  });

  it('sends a 200 KiB paste in frames the gateway accepts: it arrives whole and the terminal stays open', async () => {
    const t = openTerminal('conn-paste');
    await t.waitFor(() => last(t)?.kind === 'connected', 'connected');
    // No echo while wc reads: the tty's echo of the paste may be flushed after wc's answer and scroll it away.
    t.connection.sendInput('stty -echo; echo rea""dy; wc -c; stty echo\r');
    await t.waitFor(() => t.text().includes('ready'), 'wc -c started');
    // Lines well under the tty's canonical line limit (4095), so cooked mode keeps every byte.
    const paste = ('p'.repeat(99) + '\n').repeat(2048);
    expect(paste.length).toBe(200 * 1024);
    expect(paste.length).toBeGreaterThan(InputLimits.MAX_FRAME_BYTES);
    t.connection.sendInput(paste);
    t.connection.sendInput('\x04');
    await t.waitFor(() => /^204800$/m.test(t.text()), 'wc -c counting the whole paste');
    t.connection.sendInput('echo still-$((6*7))\r');
    await t.waitFor(() => t.text().includes('still-42'), 'the same shell after the paste');
    expect(t.states.map((s) => s.kind)).toEqual(['connecting', 'connected']);
    expect(t.resets).toBe(0);
  });

  it('sends a paste larger than the input the gateway lets wait, at the pace the program reads it', async () => {
    const t = openTerminal('conn-big-paste');
    await t.waitFor(() => last(t)?.kind === 'connected', 'connected');
    t.connection.sendInput('stty -echo; echo rea""dy; wc -c; stty echo\r');
    await t.waitFor(() => t.text().includes('ready'), 'wc -c started');
    // Lines well under the tty's canonical line limit (4095), so cooked mode keeps every byte.
    const paste = ('q'.repeat(99) + '\n').repeat(15_000);
    expect(paste.length).toBeGreaterThan(InputLimits.MAX_QUEUED_INPUT_BYTES);
    t.connection.sendInput(paste);
    t.connection.sendInput('\x04');
    await t.waitFor(() => /^1500000$/m.test(t.text()), 'wc -c counting the whole paste');
    expect(t.states.map((s) => s.kind)).toEqual(['connecting', 'connected']);
  });

  it('sends a 1.5 MB paste into cat, which prints it back as the tty echoes it, without a stall', async () => {
    // Output waits for acks that come behind the paste: while the gateway holds the paste back, it must
    // not hold cat's output back for them too, or cat stops reading and the paste overflows (4413).
    const t = openTerminal('conn-cat-paste');
    await t.waitFor(() => last(t)?.kind === 'connected', 'connected');
    t.connection.sendInput('echo rea""dy; cat; echo cat-$((2+3))\r');
    await t.waitFor(() => t.text().includes('ready'), 'cat started');
    const paste = ('c'.repeat(99) + '\n').repeat(15_000);
    expect(paste.length).toBeGreaterThan(InputLimits.MAX_QUEUED_INPUT_BYTES);
    t.connection.sendInput(paste);
    t.connection.sendInput('\x04');
    await t.waitFor(() => t.text().includes('cat-5'), 'cat ended');
    expect(t.states.map((s) => s.kind)).toEqual(['connecting', 'connected']);
  });

  it('reconnects after a network drop and resumes the same shell with its screen', async () => {
    const t = openTerminal('conn-drop');
    await t.waitFor(() => last(t)?.kind === 'connected', 'connected');
    t.connection.sendInput('echo "before=$$"\r');
    await t.waitFor(() => /before=\d+/.test(t.text()), 'pid before the drop');
    const pid = /before=(\d+)/.exec(t.text())![1];

    relay.cut();
    await t.waitFor(() => t.states.some((s) => s.kind === 'reconnecting'), 'reconnecting state');
    await t.waitFor(() => { const s = last(t); return s?.kind === 'connected' && s.resumed; }, 'resumed connection');
    expect(t.resets).toBe(1);
    await t.waitFor(() => t.text().includes(`before=${pid}`), 'the replayed screen');
    t.connection.sendInput('echo "after=$$"\r');
    await t.waitFor(() => t.text().includes(`after=${pid}`), 'the same shell after the drop');
  });

  it('shows the exit code when the shell ends and does not reconnect', async () => {
    const t = openTerminal('conn-exit');
    await t.waitFor(() => last(t)?.kind === 'connected', 'connected');
    t.connection.sendInput('exit 3\r');
    await t.waitFor(() => t.text().includes('[process exited with code 3]'), 'the exit line');
    expect(last(t)).toEqual({ kind: 'exited', exitCode: 3 });
  });

  it('says clearly when the gateway refuses the target, and stops retrying', async () => {
    const t = openTerminal('conn-unknown', 'no-such-host');
    await t.waitFor(() => last(t)?.kind === 'error', 'an error state');
    const state = last(t);
    // The gateway's own words, sent in the socket before its 4003 close: not a guess from a 1006.
    expect(state?.kind === 'error' && state.message).toMatch(/No host "no-such-host": the bare gateway has only "tools"/);
    await t.waitFor(() => t.text().includes('[No host "no-such-host"'), 'the message in the terminal');
    expect(t.states.some((s) => s.kind === 'reconnecting')).toBe(false);
  });
});
