import { afterEach, describe, expect, it } from 'vitest';
import { FlowControl } from '../../src/protocol/terminal.ts';
import { startGateway, TerminalTestClient, type TestGateway } from '../helpers/gateway.ts';

let gw: TestGateway | undefined;
afterEach(async () => {
  await gw?.close();
  gw = undefined;
});

const FLOOD_BYTES = 20_000_000;
const DENSE_FLOOD_BYTES = 6_000_000;
/** One pty read is at most this much: how far past HIGH the last chunk before a pause may reach. */
const MAX_PTY_CHUNK = 256 * 1024;

describe('flow control over a real pty and socket', () => {
  it('delivers floods completely to a client that parses and acks', async () => {
    gw = await startGateway();
    const t = await TerminalTestClient.open(gw, 'flood');
    t.mark();
    let start = t.received;
    t.type(`head -c ${FLOOD_BYTES} /dev/zero | tr '\\0' x; echo; echo end-""of-long\r`);
    await t.waitForText(/end-of-long\r\n/, 120_000);
    expect(t.received - start).toBeGreaterThanOrEqual(FLOOD_BYTES);
    t.mark();
    start = t.received;
    // Newline-dense output is the slowest to parse (each line scrolls): a smaller flood keeps the test short.
    t.type(`yes | head -c ${DENSE_FLOOD_BYTES}; echo; echo end-""of-flood\r`);
    await t.waitForText(/end-of-flood\r\n/, 60_000);
    // Everything the pty produced reached the client: the flood plus a little prompt/echo traffic
    // (the pty turns each "\n" into "\r\n", so yes's 2-byte lines arrive as 3 bytes).
    expect(t.received - start).toBeGreaterThanOrEqual(DENSE_FLOOD_BYTES * 1.5);
    await t.close();
  });

  it('pauses the pty when the client stops acking and resumes when acks return', async () => {
    gw = await startGateway();
    const t = await TerminalTestClient.open(gw, 'stall', { ack: false });
    t.type('yes\r');
    const session = gw.gateway.registry.all()[0]!;
    await t.waitFor(() => session.flow.paused, 30_000);
    // Everything sent before the pause arrives (the last batch may still be in flight).
    await t.waitFor(() => t.received === session.flow.unacked, 30_000);
    const atPause = t.received;
    expect(atPause).toBeGreaterThan(FlowControl.HIGH_WATERMARK);
    expect(atPause).toBeLessThanOrEqual(FlowControl.HIGH_WATERMARK + MAX_PTY_CHUNK);
    // While paused, nothing more than one in-flight chunk arrives.
    await new Promise((r) => setTimeout(r, 300));
    expect(t.received - atPause).toBeLessThanOrEqual(MAX_PTY_CHUNK);
    t.ackEnabled = true;
    t.flushAck();
    await t.waitFor(() => t.received > atPause + FlowControl.HIGH_WATERMARK * 2, 30_000);
    t.type('\x03');
    await t.close();
  });

  it('returns a prompt after Ctrl-C during a flood', async () => {
    gw = await startGateway();
    const t = await TerminalTestClient.open(gw, 'ctrlc');
    t.type('yes ctrl-c-flood\r');
    await t.waitFor(() => t.received > 2 * FlowControl.HIGH_WATERMARK, 30_000);
    t.type('\x03');
    t.mark();
    t.type('echo back-""at-prompt\r');
    await t.waitForText(/back-at-prompt\r\n/, 30_000);
    await t.close();
  });

  it('drops a client that keeps the pty paused without acking, and keeps the terminal for a reattach', async () => {
    gw = await startGateway({ limits: { ackStallMs: 1_000 } });
    const t = await TerminalTestClient.open(gw, 'noack', { ack: false });
    t.type('yes\r');
    const closed = await t.closed;
    expect(closed.code).toBe(1008);
    expect(t.errors[0]?.code).toBe('PB_ACK_STALL');
    expect(gw.gateway.registry.size).toBe(1);
    const again = await TerminalTestClient.open(gw, 'noack');
    expect(again.hello?.resumed).toBe(true);
    again.type('\x03');
    again.mark();
    again.type('echo still-""alive\r');
    await again.waitForText('still-alive', 30_000);
    await again.close();
  });
});

describe('a terminal nobody watches', () => {
  it('pauses a flood after its socket leaves and resumes it on reattach', async () => {
    gw = await startGateway();
    const t = await TerminalTestClient.open(gw, 'unwatched');
    t.type('yes unwatched\r');
    await t.waitFor(() => t.received > 100_000, 30_000);
    await t.close();
    const session = gw.gateway.registry.all()[0]!;
    // Paused with the screen copy caught up: not the parser guard (which resumes below LOW) but the
    // unwatched-output budget, which holds until someone attaches.
    await new Promise<void>((resolve, reject) => {
      const deadline = Date.now() + 30_000;
      const poll = () =>
        session.flow.paused && session.flow.parserPending === 0
          ? resolve()
          : Date.now() > deadline
            ? reject(new Error(`never paused with the parser idle: ${JSON.stringify(session.flow)}`))
            : setTimeout(poll, 20);
      poll();
    });
    const again = await TerminalTestClient.open(gw, 'unwatched');
    await again.waitFor(() => again.received > FlowControl.HIGH_WATERMARK * 2, 30_000);
    again.type('\x03');
    await again.close();
  });
});
