import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ServerMessage } from '../protocol/terminal.ts';
import { OUTPUT_BATCH_MAX_BYTES, OutputBatcher, STREAM_BATCH_MS, STREAMING_GAP_MS } from './OutputBatcher.ts';

const text = new TextEncoder();
const decoder = new TextDecoder();

/** A batcher whose frames are collected as text, on vitest's fake clock (timers and Date). */
function collecting(): { batcher: OutputBatcher; frames: string[] } {
  const frames: string[] = [];
  const batcher = new OutputBatcher((frame) => {
    expect(frame[0]).toBe(ServerMessage.Output);
    frames.push(decoder.decode(frame.subarray(1)));
  }, Date.now);
  return { batcher, frames };
}

describe('OutputBatcher', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('sends output after a quiet spell at the next turn, reads of the same turn in one frame', async () => {
    const { batcher, frames } = collecting();
    batcher.push(text.encode('e'));
    batcher.push(text.encode('cho'));
    expect(frames).toEqual([]);
    expect(batcher.pending).toBe(4);
    // setImmediate, not a timer: no time needs to pass.
    await vi.advanceTimersByTimeAsync(0);
    expect(frames).toEqual(['echo']);
    expect(batcher.pending).toBe(0);
  });

  it('gathers a stream for STREAM_BATCH_MS after a frame, then sends at once again after a quiet gap', async () => {
    const { batcher, frames } = collecting();
    batcher.push(text.encode('a'));
    await vi.advanceTimersByTimeAsync(0);
    expect(frames).toEqual(['a']);
    // Within STREAMING_GAP_MS of that frame: a stream, so it waits to share a frame.
    vi.setSystemTime(Date.now() + STREAMING_GAP_MS);
    batcher.push(text.encode('b'));
    await vi.advanceTimersByTimeAsync(STREAM_BATCH_MS - 1);
    batcher.push(text.encode('c'));
    expect(frames).toEqual(['a']);
    await vi.advanceTimersByTimeAsync(1);
    expect(frames).toEqual(['a', 'bc']);
    // Quiet for longer than STREAMING_GAP_MS: at the next turn again.
    vi.setSystemTime(Date.now() + STREAMING_GAP_MS + 1);
    batcher.push(text.encode('d'));
    await vi.advanceTimersByTimeAsync(0);
    expect(frames).toEqual(['a', 'bc', 'd']);
  });

  it('sends a full frame within the push that fills it', () => {
    const { batcher, frames } = collecting();
    const read = new Uint8Array(4096).fill(0x78);
    for (let sent = 0; sent + read.byteLength < OUTPUT_BATCH_MAX_BYTES; sent += read.byteLength) batcher.push(read);
    expect(frames).toEqual([]);
    batcher.push(read);
    expect(frames).toHaveLength(1);
    expect(frames[0]!.length).toBe(Math.ceil(OUTPUT_BATCH_MAX_BYTES / read.byteLength) * read.byteLength);
    expect(batcher.pending).toBe(0);
  });

  it('flush sends at once and cancels the pending send', async () => {
    const { batcher, frames } = collecting();
    batcher.push(text.encode('out'));
    batcher.flush();
    expect(frames).toEqual(['out']);
    await vi.runAllTimersAsync();
    expect(frames).toEqual(['out']);
  });

  it('drops what it gathered, and sends nothing once disposed', async () => {
    const { batcher, frames } = collecting();
    batcher.push(text.encode('for a client that left'));
    batcher.drop();
    await vi.runAllTimersAsync();
    expect(frames).toEqual([]);
    batcher.push(text.encode('next'));
    batcher.dispose();
    batcher.push(new Uint8Array(OUTPUT_BATCH_MAX_BYTES));
    batcher.flush();
    await vi.runAllTimersAsync();
    expect(frames).toEqual([]);
  });
});
