import { describe, expect, it } from 'vitest';
import { FlowGate, ScreenBacklog } from './FlowGate.ts';
import { FlowControl } from '../protocol/terminal.ts';

describe('FlowGate', () => {
  it('pauses above HIGH and resumes only below LOW', () => {
    const gate = new FlowGate();
    gate.sent(FlowControl.HIGH_WATERMARK);
    expect(gate.paused).toBe(false);
    gate.sent(1);
    expect(gate.paused).toBe(true);
    gate.acked(FlowControl.HIGH_WATERMARK - FlowControl.LOW_WATERMARK);
    expect(gate.paused).toBe(true);
    gate.acked(2);
    expect(gate.unacked).toBeLessThan(FlowControl.LOW_WATERMARK);
    expect(gate.paused).toBe(false);
  });

  it('clamps acks to what is outstanding', () => {
    const gate = new FlowGate();
    gate.sent(1000);
    gate.acked(5_000_000);
    expect(gate.unacked).toBe(0);
    gate.acked(-50);
    expect(gate.unacked).toBe(0);
  });

  it('forgets the outstanding count when the client changes', () => {
    const gate = new FlowGate();
    gate.sent(FlowControl.HIGH_WATERMARK * 2);
    gate.socketBuffered(FlowControl.SOCKET_BUFFER_LIMIT + 1);
    gate.resetClient();
    expect(gate.unacked).toBe(0);
    expect(gate.paused).toBe(false);
  });

  it('pauses on a full socket buffer whatever the acks say, and resumes once it drains to half', () => {
    const gate = new FlowGate();
    gate.socketBuffered(FlowControl.SOCKET_BUFFER_LIMIT + 1);
    expect(gate.has('socket')).toBe(true);
    gate.socketBuffered(FlowControl.SOCKET_BUFFER_LIMIT * 0.75);
    expect(gate.has('socket')).toBe(true);
    gate.socketBuffered(FlowControl.SOCKET_BUFFER_LIMIT / 2);
    expect(gate.paused).toBe(false);
  });

  it('lets the server-side parser lag up to its own window, then pauses independent of the client', () => {
    const gate = new FlowGate();
    gate.parserQueued(ScreenBacklog.HIGH);
    expect(gate.has('parser')).toBe(false);
    gate.parserQueued(1);
    gate.resetClient();
    expect(gate.has('parser')).toBe(true);
    gate.parserDone(ScreenBacklog.HIGH - ScreenBacklog.LOW + 1);
    expect(gate.has('parser')).toBe(true);
    gate.parserDone(1);
    expect(gate.paused).toBe(false);
  });

  it('keeps the screen copy window at least the client window, so a lagging copy never throttles a client that keeps up', () => {
    expect(ScreenBacklog.LOW).toBeLessThan(ScreenBacklog.HIGH);
    expect(ScreenBacklog.HIGH).toBeGreaterThanOrEqual(FlowControl.HIGH_WATERMARK);
  });
});
