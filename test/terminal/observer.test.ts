/**
 * The read-only watcher of a terminal (the instructor's view), in the terminal layer: it gets the screen
 * and then live output, nothing it sends reaches the shell, and a watcher that never acknowledges is
 * dropped without ever holding the learner's terminal back.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CloseCode } from '../../src/protocol/errors.ts';
import { ClientMessage, ObserverLimits, ServerMessage, encodeAck, encodeFrame, encodeResize, type TerminalHello } from '../../src/protocol/terminal.ts';
import { decodeServerFrame } from '../../src/protocol/serverFrames.ts';
import type { TerminalClient } from '../../src/terminal/TerminalClient.ts';
import type { TerminalSession } from '../../src/terminal/TerminalSession.ts';
import { startGateway, TerminalTestClient, type TestGateway } from '../helpers/gateway.ts';

let gw: TestGateway | undefined;
afterEach(async () => {
  await gw?.close();
  gw = undefined;
});

const decoder = new TextDecoder();

/** A watcher's socket in-process: keeps the text it got, acks only when told to. */
function watcher(options: { ack: boolean }) {
  const state = {
    text: '',
    hello: null as TerminalHello | null,
    exited: false,
    errors: [] as string[],
    closed: null as { code: number; reason: string } | null,
    session: null as TerminalSession | null,
    /** Resize frames, with how much text had arrived before each. */
    resizes: [] as { cols: number; rows: number; after: string }[],
  };
  const client: TerminalClient = {
    bufferedAmount: 0,
    send: (frame, onSent) => {
      const decoded = decodeServerFrame(frame);
      if (decoded.type === ServerMessage.Hello) state.hello = decoded.hello;
      else if (decoded.type === ServerMessage.Exit) state.exited = true;
      else if (decoded.type === ServerMessage.Error) state.errors.push(decoded.error.code);
      else if (decoded.type === ServerMessage.Resize) state.resizes.push({ ...decoded.size, after: state.text });
      else if (decoded.type === ServerMessage.Output || decoded.type === ServerMessage.Replay) {
        state.text = (state.text + decoder.decode(decoded.data)).slice(-20_000);
        if (options.ack) state.session?.handleWatcherFrame(client, encodeAck(decoded.data.byteLength));
      }
      onSent?.();
    },
    close: (code, reason) => {
      state.closed ??= { code, reason };
      state.session?.unobserve(client);
    },
  };
  return { client, state };
}

async function until(predicate: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('a terminal watcher', () => {
  it('gets the screen and live output; its input and resizes never reach the shell', async () => {
    gw = await startGateway();
    const learner = await TerminalTestClient.open(gw, 'watched');
    learner.type('echo before-$((40+2))\r');
    await learner.waitForText(/before-42/);
    const session = gw.gateway.registry.entries().find((e) => e.terminalId === 'watched')!.session;
    const sizeBefore = session.size;

    const w = watcher({ ack: true });
    w.state.session = session;
    expect(session.observe(w.client)).toBe(true);
    expect(w.state.hello).toMatchObject({ readOnly: true, resumed: true, terminalId: 'watched' });
    await until(() => w.state.text.includes('before-42'), 'the replayed screen');

    // What the watcher sends: keystrokes that would leave a trace, and a resize.
    session.handleWatcherFrame(w.client, encodeFrame(ClientMessage.Input, 'echo injected-$((6*7)) > watcher-was-here\r'));
    session.handleWatcherFrame(w.client, encodeResize(33, 11));
    learner.type('echo after-$((50+5)); ls\r');
    await learner.waitForText(/after-55/);
    await until(() => w.state.text.includes('after-55'), 'live output');
    expect(learner.text).not.toContain('injected-42');
    expect(learner.text).not.toContain('watcher-was-here');
    expect(session.size).toEqual(sizeBefore);
    expect(w.state.closed).toBeNull();

    learner.type('exit\r');
    await until(() => w.state.closed !== null, 'the watcher to be closed');
    expect(w.state.exited).toBe(true);
    expect(w.state.closed?.code).toBe(CloseCode.Normal);
  });

  it("is told the pty's new size when the learner resizes, after the output that came before it", async () => {
    gw = await startGateway();
    const learner = await TerminalTestClient.open(gw, 'resized');
    const session = gw.gateway.registry.entries().find((e) => e.terminalId === 'resized')!.session;
    const w = watcher({ ack: true });
    w.state.session = session;
    expect(session.observe(w.client)).toBe(true);
    learner.type('echo wide-$((40+2))\r');
    await until(() => w.state.text.includes('wide-42'), 'output before the resize');

    learner.resize(61, 17);
    learner.type('stty size\r');
    await until(() => w.state.text.includes('17 61'), 'stty at the new size');
    expect(w.state.resizes.map(({ cols, rows }) => ({ cols, rows }))).toEqual([{ cols: 61, rows: 17 }]);
    expect(w.state.resizes[0]!.after).toContain('wide-42');
    expect(w.state.resizes[0]!.after).not.toContain('17 61');

    // The same size again changes nothing, and tells the watcher nothing.
    learner.resize(61, 17);
    learner.type('echo same-$((50+5))\r');
    await until(() => w.state.text.includes('same-55'), 'output after the same size');
    expect(w.state.resizes).toHaveLength(1);
    await learner.close();
  });

  it('drops a watcher that never acknowledges, while the learner reads on', async () => {
    gw = await startGateway();
    const learner = await TerminalTestClient.open(gw, 'flood');
    learner.type('echo ready\r');
    await learner.waitForText(/ready/);
    const session = gw.gateway.registry.entries().find((e) => e.terminalId === 'flood')!.session;
    const w = watcher({ ack: false });
    w.state.session = session;
    session.observe(w.client);
    const bytes = ObserverLimits.MAX_UNACKED_BYTES * 2;
    learner.type(`head -c ${bytes} /dev/zero | tr '\\0' x; echo; echo flood-$((1+1))-done\r`);
    await learner.waitForText(/flood-2-done/, 60_000);
    expect(learner.received).toBeGreaterThan(bytes);
    // The learner's output is sent first and the view's after it, so the drop may come a moment later.
    await expect.poll(() => w.state.errors, { timeout: 30_000 }).toEqual(['PB_OBSERVER_SLOW']);
    expect(w.state.closed?.code).toBe(CloseCode.ObserverSlow);
    expect(session.watcherCount).toBe(0);
  });
});
