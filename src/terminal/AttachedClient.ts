/**
 * The client (socket) attached to a terminal, and the output on its way to it: the pty's reads gathered
 * into frames (OutputBatcher), every output byte counted in the flow gate as it is sent, and, while the
 * screen is being replayed, output held back to follow the replay. Once closed it sends nothing more,
 * and what arrives late for it (a send completing, a snapshot) is ignored.
 */
import type { CloseCodeValue } from '../protocol/errors.ts';
import { ServerMessage, encodeFrame, encodeJsonFrame } from '../protocol/terminal.ts';
import type { FlowGate } from './FlowGate.ts';
import type { Disposable } from './lifecycle.ts';
import { OutputBatcher } from './OutputBatcher.ts';
import type { TerminalClient } from './TerminalClient.ts';

export class AttachedClient implements Disposable {
  private readonly batcher = new OutputBatcher((frame) => this.sendFrame(frame));
  /** Output and control frames that came while a replay was being prepared; sent after it, in order. */
  private held: ({ output: Uint8Array } | { control: Uint8Array })[] | null = null;
  private closed = false;

  /** @param onFlow runs when the socket's buffer may have drained (the gate may resume the pty). */
  constructor(
    readonly client: TerminalClient,
    private readonly gate: FlowGate,
    private readonly onFlow: () => void,
  ) {}

  /** A replay is being prepared: output is held back. */
  get replaying(): boolean {
    return this.held !== null;
  }

  /** Sends the screen as Replay once `snapshot` has it, then the output held meanwhile, then runs `then`. */
  replay(snapshot: Promise<string>, then: () => void): void {
    this.held = [];
    void snapshot.then((text) => {
      if (this.closed) return;
      const held = this.held ?? [];
      this.held = null;
      this.sendCounted(ServerMessage.Replay, Buffer.from(text));
      for (const item of held) {
        if ('output' in item) this.sendCounted(ServerMessage.Output, item.output);
        else this.sendFrame(item.control);
      }
      then();
    });
  }

  /** Output of the pty, counted now and sent with the next frame (or after the replay). */
  output(data: Uint8Array): void {
    if (this.closed) return;
    if (this.held) {
      this.held.push({ output: data });
      return;
    }
    this.gate.sent(data.byteLength);
    this.batcher.push(data);
  }

  /** A control message (Hello, Resize, Exit): not output, so not counted; during a replay, after it. */
  sendJson(type: number, value: unknown): void {
    if (this.closed) return;
    const frame = encodeJsonFrame(type, value);
    if (this.held) this.held.push({ control: frame });
    else this.client.send(frame);
  }

  /** Sends gathered output now (before an Exit frame). */
  flush(): void {
    this.batcher.flush();
  }

  close(code: CloseCodeValue, reason: string): void {
    this.dispose();
    this.client.close(code, reason);
  }

  /** Stops sending (the socket closed or was taken over); the client itself is left alone. */
  dispose(): void {
    this.closed = true;
    this.held = null;
    this.batcher.dispose();
  }

  /** Sends output that was not counted yet (Replay, output held during a replay). */
  private sendCounted(type: number, data: Uint8Array): void {
    this.gate.sent(data.byteLength);
    this.sendFrame(encodeFrame(type, data));
  }

  private sendFrame(frame: Uint8Array): void {
    if (this.closed) return;
    this.client.send(frame, () => {
      if (this.closed) return;
      this.gate.socketBuffered(this.client.bufferedAmount);
      this.onFlow();
    });
    this.gate.socketBuffered(this.client.bufferedAmount);
  }
}
