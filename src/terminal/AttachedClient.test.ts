import { describe, expect, it } from 'vitest';
import { CloseCode } from '../protocol/errors.ts';
import { FlowControl, ServerMessage } from '../protocol/terminal.ts';
import { AttachedClient } from './AttachedClient.ts';
import { FlowGate } from './FlowGate.ts';
import type { TerminalClient } from './TerminalClient.ts';

const text = new TextEncoder();
const decoder = new TextDecoder();

/** The socket side: records frames as `type:payload`, completes sends when told to. */
function socket() {
  const frames: string[] = [];
  const closes: number[] = [];
  const pendingSends: (() => void)[] = [];
  const client: TerminalClient & { bufferedAmount: number } = {
    bufferedAmount: 0,
    send: (frame, onSent) => {
      frames.push(`${frame[0]!.toString(16)}:${decoder.decode(frame.subarray(1))}`);
      if (onSent) pendingSends.push(onSent);
    },
    close: (code) => void closes.push(code),
  };
  return { client, frames, closes, pendingSends };
}

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** Lets the batcher's next-turn send happen. */
const nextTurn = () => new Promise((r) => setImmediate(r));

describe('AttachedClient', () => {
  it('sends a control frame given during a replay after the replay and the output held before it, uncounted', async () => {
    const { client, frames } = socket();
    const gate = new FlowGate();
    const link = new AttachedClient(client, gate, () => {});
    const snapshot = deferred<string>();
    link.replay(snapshot.promise, () => {});
    link.output(text.encode('before'));
    link.sendJson(ServerMessage.Resize, { cols: 100, rows: 30 });
    link.output(text.encode('after'));
    expect(frames).toEqual([]);
    snapshot.resolve('SCREEN');
    await snapshot.promise;
    await nextTurn();
    const hex = (type: number) => type.toString(16);
    expect(frames).toEqual([
      `${hex(ServerMessage.Replay)}:SCREEN`,
      `${hex(ServerMessage.Output)}:before`,
      `${hex(ServerMessage.Resize)}:{"cols":100,"rows":30}`,
      `${hex(ServerMessage.Output)}:after`,
    ]);
    expect(gate.unacked).toBe('SCREENbeforeafter'.length);
  });

  it('holds output back while the screen is replayed, then sends the replay and the held output, all counted', async () => {
    const { client, frames } = socket();
    const gate = new FlowGate();
    const link = new AttachedClient(client, gate, () => {});
    const snapshot = deferred<string>();
    let after = 0;
    link.replay(snapshot.promise, () => after++);
    expect(link.replaying).toBe(true);
    link.output(text.encode('late 1'));
    link.output(text.encode('late 2'));
    await nextTurn();
    expect(frames).toEqual([]);
    expect(gate.unacked).toBe(0);
    snapshot.resolve('SCREEN');
    await snapshot.promise;
    await nextTurn();
    expect(link.replaying).toBe(false);
    expect(after).toBe(1);
    const hex = (type: number) => type.toString(16);
    expect(frames).toEqual([`${hex(ServerMessage.Replay)}:SCREEN`, `${hex(ServerMessage.Output)}:late 1`, `${hex(ServerMessage.Output)}:late 2`]);
    expect(gate.unacked).toBe('SCREENlate 1late 2'.length);
    // Then output flows through the batcher, counted as it is taken.
    link.output(text.encode('live'));
    expect(gate.unacked).toBe('SCREENlate 1late 2live'.length);
    await nextTurn();
    expect(frames.at(-1)).toBe(`${hex(ServerMessage.Output)}:live`);
  });

  it('sends control messages uncounted', () => {
    const { client, frames } = socket();
    const gate = new FlowGate();
    const link = new AttachedClient(client, gate, () => {});
    link.sendJson(ServerMessage.Hello, { hi: 1 });
    expect(frames).toEqual([`${ServerMessage.Hello.toString(16)}:{"hi":1}`]);
    expect(gate.unacked).toBe(0);
  });

  it("pauses on the socket's own buffer and says when a send completes", async () => {
    const { client, pendingSends } = socket();
    const gate = new FlowGate();
    let flows = 0;
    const link = new AttachedClient(client, gate, () => flows++);
    client.bufferedAmount = FlowControl.SOCKET_BUFFER_LIMIT + 1;
    link.output(text.encode('x'));
    link.flush();
    expect(gate.has('socket')).toBe(true);
    client.bufferedAmount = 0;
    pendingSends.shift()!();
    expect(gate.has('socket')).toBe(false);
    expect(flows).toBe(1);
  });

  it('once closed, sends nothing: not gathered output, not a late replay, not a late send completion', async () => {
    const { client, frames, closes, pendingSends } = socket();
    const gate = new FlowGate();
    let flows = 0;
    const link = new AttachedClient(client, gate, () => flows++);
    link.output(text.encode('sent'));
    link.flush();
    link.output(text.encode('gathered'));
    const snapshot = deferred<string>();
    let after = 0;
    link.replay(snapshot.promise, () => after++);
    link.close(CloseCode.TakenOver, 'taken over');
    expect(closes).toEqual([CloseCode.TakenOver]);
    snapshot.resolve('SCREEN');
    await snapshot.promise;
    link.output(text.encode('after'));
    link.sendJson(ServerMessage.Exit, { exitCode: 0 });
    pendingSends.shift()!();
    await nextTurn();
    expect(frames).toEqual([`${ServerMessage.Output.toString(16)}:sent`]);
    expect(after).toBe(0);
    expect(flows).toBe(0);
  });
});
