/**
 * Input far beyond the gateway's input cap, sent as fast as a socket takes it (64 KiB frames, no
 * waiting), into a program that reads it: the gateway holds the socket back while the program reads
 * (InputPacer), so every byte arrives and the terminal stays open. A program that does not read gets
 * what it got before: the terminal is ended with 4413.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClientMessage, encodeFrame, InputLimits } from '../../src/protocol/terminal.ts';
import { startGateway, TerminalTestClient, type TestGateway } from '../helpers/gateway.ts';

let gw: TestGateway;
beforeAll(async () => {
  gw = await startGateway();
});
afterAll(async () => {
  await gw.close();
});

/** 1.5 MB: half again the gateway's input cap (InputLimits.MAX_QUEUED_INPUT_BYTES). */
const BURST_BYTES = 1_500_000;
/** Lines well under the tty's canonical line limit (4095), so cooked mode keeps every byte. */
const LINE = 'x'.repeat(99) + '\n';
/** Frames as large as the gateway accepts, sent back to back. */
const FRAME_LINES = Math.floor((InputLimits.MAX_FRAME_BYTES - 1) / LINE.length);

function burst(t: TerminalTestClient, bytes: number): void {
  const frame = encodeFrame(ClientMessage.Input, LINE.repeat(FRAME_LINES));
  const lines = bytes / LINE.length;
  let sent = 0;
  for (; sent + FRAME_LINES <= lines; sent += FRAME_LINES) t.sendRaw(frame);
  if (sent < lines) t.sendRaw(encodeFrame(ClientMessage.Input, LINE.repeat(lines - sent)));
}

/** Resolves with null when pattern shows, or with the close if the terminal closes first. */
function textOrClose(t: TerminalTestClient, pattern: RegExp): Promise<{ code: number; reason: string } | null> {
  return Promise.race([t.closed, t.waitForText(pattern, 60_000).then(() => null)]);
}

describe('input bursts', () => {
  it('1.5 MB into wc -c arrives whole, and the terminal stays open', async () => {
    expect(BURST_BYTES).toBeGreaterThan(InputLimits.MAX_QUEUED_INPUT_BYTES);
    const t = await TerminalTestClient.open(gw, 'burst-wc');
    t.type('echo rea""dy; wc -c\r');
    await t.waitForText(/ready/);
    burst(t, BURST_BYTES);
    t.mark();
    t.type('\x04');
    // The tty's echo of the paste may be flushed around wc's answer, but never inside its one write.
    expect(await textOrClose(t, new RegExp(`${BURST_BYTES}\\r\\n`))).toBeNull();
    expect(t.errors).toEqual([]);
    t.mark();
    t.type('echo sti""ll-open\r');
    await t.waitForText('still-open');
    await t.close();
  });

  it('1.5 MB into cat > /dev/null goes through', async () => {
    const t = await TerminalTestClient.open(gw, 'burst-cat');
    t.type('echo rea""dy; cat > /dev/null; echo cat-""exit=$?\r');
    await t.waitForText(/ready/);
    burst(t, BURST_BYTES);
    t.mark();
    t.type('\x04');
    expect(await textOrClose(t, /cat-exit=0/)).toBeNull();
    expect(t.errors).toEqual([]);
    await t.close();
  });

  it('1.5 MB into a program that never reads still ends the terminal with 4413', async () => {
    const t = await TerminalTestClient.open(gw, 'burst-sleep');
    // Raw mode: the pty's input buffer fills and then refuses more (canonical mode would discard it).
    t.type('stty raw -echo; echo slee""ping; sleep 1000\r');
    await t.waitForText(/sleeping/);
    burst(t, BURST_BYTES);
    const closed = await t.closed;
    expect(closed.code).toBe(4413);
    expect(t.errors[0]?.code).toBe('PB_INPUT_OVERFLOW');
  });
});
