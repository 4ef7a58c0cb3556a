import { describe, expect, it } from 'vitest';
import {
  ClientMessage,
  FlowControl,
  InputLimits,
  clampSize,
  decodeClientFrame,
  encodeAck,
  encodeFrame,
  encodeResize,
} from './terminal.ts';
import { CloseCode, ErrorRegistry, closeCodeOf, type TerminalErrorCode } from './errors.ts';

describe('terminal protocol', () => {
  it('keeps ACK_BYTES at or below LOW_WATERMARK, below HIGH_WATERMARK', () => {
    expect(FlowControl.ACK_BYTES).toBeLessThanOrEqual(FlowControl.LOW_WATERMARK);
    expect(FlowControl.LOW_WATERMARK).toBeLessThan(FlowControl.HIGH_WATERMARK);
  });

  it('round-trips input, resize and ack frames', () => {
    const input = decodeClientFrame(encodeFrame(ClientMessage.Input, 'ls\r'));
    expect(input.type).toBe(ClientMessage.Input);
    expect(new TextDecoder().decode((input as { data: Uint8Array }).data)).toBe('ls\r');
    expect(decodeClientFrame(encodeResize(132, 43))).toEqual({ type: ClientMessage.Resize, cols: 132, rows: 43 });
    expect(decodeClientFrame(encodeAck(25_000))).toEqual({ type: ClientMessage.Ack, bytes: 25_000 });
  });

  it('decodes a frame that is a view into a larger buffer', () => {
    const backing = new Uint8Array(16);
    backing.set(encodeResize(100, 30), 7);
    expect(decodeClientFrame(backing.subarray(7, 12))).toEqual({ type: ClientMessage.Resize, cols: 100, rows: 30 });
  });

  it('reports empty, short, long and unknown frames as invalid instead of throwing', () => {
    expect(decodeClientFrame(new Uint8Array(0)).type).toBe('invalid');
    expect(decodeClientFrame(new Uint8Array([ClientMessage.Resize, 0, 80])).type).toBe('invalid');
    expect(decodeClientFrame(new Uint8Array([ClientMessage.Ack, 0, 0, 0, 1, 9])).type).toBe('invalid');
    const unknown = decodeClientFrame(new Uint8Array([0x7f, 1, 2]));
    expect(unknown).toEqual({ type: 'invalid', reason: 'unknown message type 0x7f' });
  });

  it('clamps sizes into the allowed range', () => {
    expect(clampSize(0, 0)).toEqual({ cols: InputLimits.MIN_COLS, rows: InputLimits.MIN_ROWS });
    expect(clampSize(100_000, 100_000)).toEqual({ cols: InputLimits.MAX_COLS, rows: InputLimits.MAX_ROWS });
    expect(clampSize(Number.NaN, 24.7)).toEqual({ cols: InputLimits.MIN_COLS, rows: 24 });
    expect(clampSize(80, 24)).toEqual({ cols: 80, rows: 24 });
  });

  it('closes every terminal error with a registered close code, never 1006', () => {
    const codes = Object.values(CloseCode) as number[];
    for (const name of Object.keys(ErrorRegistry.terminal) as TerminalErrorCode[]) {
      const code = closeCodeOf(name);
      expect(name).toMatch(/^PB_[A-Z_]+$/);
      expect(codes).toContain(code);
      expect(code).not.toBe(1006);
    }
  });
});
