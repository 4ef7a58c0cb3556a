import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClientMessage, encodeFrame, encodeResize, InputLimits } from '../../src/protocol/terminal.ts';
import { learnerIdOf, startGateway, TerminalTestClient, type TestGateway } from '../helpers/gateway.ts';

let gw: TestGateway;
/** A terminal that stays open through every bad input, to show the others are unaffected. */
let bystander: TerminalTestClient;
beforeAll(async () => {
  gw = await startGateway({ limits: { inputStallMs: 1_500 } });
  bystander = await TerminalTestClient.open(gw, 'bystander');
});
afterAll(async () => {
  await bystander.close();
  await gw.close();
});

async function bystanderStillWorks(): Promise<void> {
  bystander.mark();
  const token = `ok-${Math.random().toString(36).slice(2)}`;
  bystander.type(`echo ${token.slice(0, 3)}""${token.slice(3)}\r`);
  await bystander.waitForText(`${token}\r\n`);
  const health = await fetch(`${gw.url}/api/health`);
  expect(health.status).toBe(200);
}

async function closesWith(send: (t: TerminalTestClient) => void, code: number, errorCode?: string): Promise<void> {
  const t = await TerminalTestClient.open(gw, `bad-${code}-${Math.random().toString(36).slice(2, 8)}`);
  send(t);
  const closed = await t.closed;
  expect(closed.code).toBe(code);
  if (errorCode) expect(t.errors[0]?.code).toBe(errorCode);
  // Our own closes carry a reason; ws's own 1009 says it all in its code.
  if (errorCode) expect(closed.reason.length).toBeGreaterThan(0);
  await bystanderStillWorks();
}

describe('bad input on a terminal socket', () => {
  it('closes on an unknown message type with 4400 and a reason', async () => {
    await closesWith((t) => t.sendRaw(new Uint8Array([0x7f, 1, 2, 3])), 4400, 'PB_BAD_FRAME');
  });

  it('closes on an empty frame', async () => {
    await closesWith((t) => t.sendRaw(new Uint8Array(0)), 4400, 'PB_BAD_FRAME');
  });

  it('closes on a malformed resize frame', async () => {
    await closesWith((t) => t.sendRaw(new Uint8Array([ClientMessage.Resize, 0, 80])), 4400, 'PB_BAD_FRAME');
  });

  it('closes on a text frame', async () => {
    await closesWith((t) => t.sendRaw('hello', false), 4400, 'PB_BAD_FRAME');
  });

  it('closes on a frame larger than maxPayload with 1009', async () => {
    await closesWith((t) => t.sendRaw(encodeFrame(ClientMessage.Input, 'x'.repeat(InputLimits.MAX_FRAME_BYTES + 10))), 1009);
  });

  it('clamps a 0x0 resize and a 65535x65535 resize', async () => {
    const t = await TerminalTestClient.open(gw, 'resize');
    t.ws.send(encodeResize(0, 0));
    t.mark();
    t.type('stty size\r');
    await t.waitForText(`${InputLimits.MIN_ROWS} ${InputLimits.MIN_COLS}`);
    t.ws.send(encodeResize(65535, 65535));
    t.mark();
    t.type('stty size\r');
    await t.waitForText(`${InputLimits.MAX_ROWS} ${InputLimits.MAX_COLS}`);
    t.ws.send(encodeResize(100, 30));
    await t.close();
    await bystanderStillWorks();
  });

  it('passes input that is not valid UTF-8 to the program as bytes', async () => {
    const t = await TerminalTestClient.open(gw, 'bytes');
    t.type('stty raw -echo; echo rea""dy; head -c 3 | od -An -tx1; stty sane\r');
    await t.waitForText(/ready/);
    t.mark();
    t.sendRaw(new Uint8Array([ClientMessage.Input, 0xff, 0xfe, 0xc3]));
    await t.waitForText(/ff fe c3/);
    await t.close();
  });

  it('closes a socket that floods input into a program that does not read it, with 4413', async () => {
    const t = await TerminalTestClient.open(gw, 'flood-in');
    // Raw mode: the pty's input buffer fills and then refuses more (canonical mode would discard it).
    t.type('stty raw -echo; echo slee""ping; sleep 600\r');
    await t.waitForText(/sleeping/);
    const chunk = encodeFrame(ClientMessage.Input, 'y'.repeat(60_000));
    for (let i = 0; i < 40 && t.ws.readyState === t.ws.OPEN; i++) t.sendRaw(chunk);
    const closed = await t.closed;
    expect(closed.code).toBe(4413);
    expect(t.errors[0]?.code).toBe('PB_INPUT_OVERFLOW');
    await bystanderStillWorks();
  });

  it('ends a terminal whose program stops reading its input', async () => {
    const t = await TerminalTestClient.open(gw, 'stalled');
    // Raw mode: the pty's input buffer fills and then refuses more (canonical mode would discard it).
    t.type('stty raw -echo; echo slee""ping; sleep 600\r');
    await t.waitForText(/sleeping/);
    // Below the queue cap, more than the pty's input buffer holds: node-pty would retry forever.
    t.sendRaw(encodeFrame(ClientMessage.Input, 'z'.repeat(60_000)));
    const closed = await t.closed;
    expect(closed.code).toBe(4413);
    expect(t.errors[0]?.code).toBe('PB_INPUT_STALLED');
    expect(gw.gateway.registry.get(learnerIdOf(gw.cookie), 'stalled')).toBeUndefined();
    await bystanderStillWorks();
  });
});
