import { describe, expect, it } from 'vitest';
import { AckCounter } from './AckCounter.ts';
import { ClientMessage, FlowControl, decodeClientFrame } from './terminal.ts';

describe('AckCounter', () => {
  it('says an Ack is due once ACK_BYTES have been consumed, and acknowledges all of them', () => {
    const acks = new AckCounter();
    expect(acks.consumed(FlowControl.ACK_BYTES - 1)).toBe(false);
    expect(acks.consumed(1_000)).toBe(true);
    expect(decodeClientFrame(acks.takeAck())).toEqual({ type: ClientMessage.Ack, bytes: FlowControl.ACK_BYTES - 1 + 1_000 });
    expect(acks.pending).toBe(0);
    expect(acks.consumed(10)).toBe(false);
  });

  it('keeps counting while a due Ack is not taken, so a later flush acknowledges everything', () => {
    const acks = new AckCounter();
    for (let i = 0; i < 10; i++) acks.consumed(FlowControl.ACK_BYTES);
    expect(acks.pending).toBe(10 * FlowControl.ACK_BYTES);
    expect(decodeClientFrame(acks.takeAck())).toEqual({ type: ClientMessage.Ack, bytes: 10 * FlowControl.ACK_BYTES });
  });

  it('starts from zero after a reset (a new socket)', () => {
    const acks = new AckCounter();
    acks.consumed(FlowControl.ACK_BYTES - 1);
    acks.reset();
    expect(acks.pending).toBe(0);
    expect(acks.consumed(FlowControl.ACK_BYTES - 1)).toBe(false);
  });

  it('never lets a paused server wait for an ack that cannot come', () => {
    // The server resumes below LOW_WATERMARK; a client holding back up to ACK_BYTES must not keep it above.
    expect(FlowControl.ACK_BYTES).toBeLessThanOrEqual(FlowControl.LOW_WATERMARK);
  });
});
