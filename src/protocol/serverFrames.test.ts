import { describe, expect, it } from 'vitest';
import { decodeServerFrame } from './serverFrames.ts';
import { ServerMessage, encodeFrame, encodeJsonFrame, type TerminalHello } from './terminal.ts';

const hello: TerminalHello = {
  terminalId: 'tools-1',
  host: 'tools',
  shell: '/bin/bash',
  user: 'root',
  workdir: '/root',
  resumed: false,
  cols: 80,
  rows: 24,
  promptMarks: true,
};

describe('decodeServerFrame', () => {
  it('decodes the JSON frames into typed values', () => {
    expect(decodeServerFrame(encodeJsonFrame(ServerMessage.Hello, hello))).toEqual({ type: ServerMessage.Hello, hello });
    expect(decodeServerFrame(encodeJsonFrame(ServerMessage.Exit, { exitCode: 3 }))).toEqual({ type: ServerMessage.Exit, exit: { exitCode: 3 } });
    expect(decodeServerFrame(encodeJsonFrame(ServerMessage.Exit, { exitCode: 0, signal: 9 }))).toEqual({
      type: ServerMessage.Exit,
      exit: { exitCode: 0, signal: 9 },
    });
    expect(decodeServerFrame(encodeJsonFrame(ServerMessage.Error, { code: 'PB_LIMIT', message: 'too long' }))).toEqual({
      type: ServerMessage.Error,
      error: { code: 'PB_LIMIT', message: 'too long' },
    });
    expect(decodeServerFrame(encodeJsonFrame(ServerMessage.Resize, { cols: 120, rows: 40 }))).toEqual({ type: ServerMessage.Resize, size: { cols: 120, rows: 40 } });
    expect(decodeServerFrame(encodeJsonFrame(ServerMessage.Resize, { cols: 120, rows: '40' }))).toEqual({ type: 'invalid', reason: 'Resize frame: rows must be an integer' });
  });

  it('hands Output and Replay payloads over as views, byte for byte', () => {
    const backing = new Uint8Array(32);
    backing.set(encodeFrame(ServerMessage.Output, 'héllo\x1b[0m'), 5);
    const length = 1 + new TextEncoder().encode('héllo\x1b[0m').length;
    const output = decodeServerFrame(backing.subarray(5, 5 + length));
    expect(output.type).toBe(ServerMessage.Output);
    if (output.type !== ServerMessage.Output) return;
    expect(new TextDecoder().decode(output.data)).toBe('héllo\x1b[0m');
    expect(output.data.buffer).toBe(backing.buffer);
    const replay = decodeServerFrame(encodeFrame(ServerMessage.Replay, new Uint8Array([0xff, 0, 1])));
    expect(replay).toEqual({ type: ServerMessage.Replay, data: new Uint8Array([0xff, 0, 1]) });
  });

  it('leaves out fields a newer server adds', () => {
    const frame = decodeServerFrame(encodeJsonFrame(ServerMessage.Hello, { ...hello, colour: 'blue' }));
    expect(frame).toEqual({ type: ServerMessage.Hello, hello });
  });

  it('says which field of which frame is wrong instead of trusting it', () => {
    const { promptMarks: _, ...noMarks } = hello;
    expect(decodeServerFrame(encodeJsonFrame(ServerMessage.Hello, noMarks))).toEqual({
      type: 'invalid',
      reason: 'Hello frame: promptMarks must be true or false',
    });
    expect(decodeServerFrame(encodeJsonFrame(ServerMessage.Hello, { ...hello, cols: '80' }))).toEqual({
      type: 'invalid',
      reason: 'Hello frame: cols must be an integer',
    });
    expect(decodeServerFrame(encodeJsonFrame(ServerMessage.Exit, { exitCode: 1.5 }))).toEqual({ type: 'invalid', reason: 'Exit frame: exitCode must be an integer' });
    expect(decodeServerFrame(encodeJsonFrame(ServerMessage.Exit, { exitCode: 1, signal: 'KILL' }))).toEqual({
      type: 'invalid',
      reason: 'Exit frame: signal must be an integer',
    });
    expect(decodeServerFrame(encodeJsonFrame(ServerMessage.Error, { code: 'PB_LIMIT' }))).toEqual({ type: 'invalid', reason: 'Error frame: message must be a string' });
    expect(decodeServerFrame(encodeJsonFrame(ServerMessage.Error, { code: 'PB_NOT_FOUND', message: 'an HTTP code' }))).toEqual({
      type: 'invalid',
      reason: 'Error frame: code "PB_NOT_FOUND" is not a terminal error code (errors.ts)',
    });
  });

  it('reports payloads that are not a JSON object, and empty frames, as invalid without throwing', () => {
    expect(decodeServerFrame(new Uint8Array(0))).toEqual({ type: 'invalid', reason: 'empty frame' });
    expect(decodeServerFrame(encodeFrame(ServerMessage.Hello, '{"terminalId":'))).toMatchObject({ type: 'invalid', reason: expect.stringMatching(/^Hello frame: /) });
    expect(decodeServerFrame(encodeJsonFrame(ServerMessage.Exit, [0]))).toEqual({ type: 'invalid', reason: 'Exit frame: payload is not a JSON object' });
    expect(decodeServerFrame(encodeJsonFrame(ServerMessage.Error, null))).toEqual({ type: 'invalid', reason: 'Error frame: payload is not a JSON object' });
    expect(decodeServerFrame(encodeFrame(ServerMessage.Exit, new Uint8Array([0x7b, 0xff, 0x7d])))).toMatchObject({ type: 'invalid' });
  });

  it('passes a type it does not know on as unknown, so a newer server does not break an older client', () => {
    expect(decodeServerFrame(new Uint8Array([0x1f, 1, 2]))).toEqual({ type: 'unknown', code: 0x1f });
  });
});
