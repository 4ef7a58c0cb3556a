/**
 * A terminal opened on a TerminalRegistry in this process, without HTTP: the client side is a plain
 * TerminalClient that decodes the server's frames, keeps the output's tail as text and acknowledges
 * every byte at once. For tests of what the terminal layer does with processes (limits, cleanup), which
 * need real shells and cgroups but no socket.
 */
import { ClientMessage, ServerMessage, encodeAck, encodeFrame, type TerminalHello } from '../../src/protocol/terminal.ts';
import { decodeServerFrame } from '../../src/protocol/serverFrames.ts';
import type { TerminalClient } from '../../src/terminal/TerminalClient.ts';
import type { TerminalRegistry } from '../../src/terminal/TerminalRegistry.ts';
import type { TerminalSession } from '../../src/terminal/TerminalSession.ts';
import type { TerminalRequest } from '../../src/protocol/terminal.ts';

const TAIL_CHARS = 16 * 1024;
const decoder = new TextDecoder();

export class InProcessTerminal {
  text = '';
  hello: TerminalHello | null = null;
  closed: { code: number; reason: string } | null = null;
  readonly client: TerminalClient;

  private constructor(readonly session: TerminalSession) {
    this.client = null!;
  }

  static async open(
    registry: TerminalRegistry,
    sessionId: string,
    terminalId: string,
    request: TerminalRequest = { target: 'tools' },
    size = { cols: 120, rows: 30 },
  ): Promise<InProcessTerminal> {
    const prepared = await registry.prepare(sessionId, terminalId, request);
    if (!prepared.ok) throw new Error(`refused: ${prepared.code} ${prepared.message}`);
    let self: InProcessTerminal | null = null;
    const early: Uint8Array[] = [];
    const client: TerminalClient = {
      send: (frame, onSent) => {
        if (self) self.onFrame(frame);
        else early.push(frame);
        onSent?.();
      },
      close: (code, reason) => {
        if (self) self.closed = { code, reason };
      },
      bufferedAmount: 0,
    };
    const session = registry.attach(sessionId, terminalId, prepared, client, size);
    if (!session) throw new Error('registry closed');
    self = new InProcessTerminal(session);
    (self as { client: TerminalClient }).client = client;
    for (const frame of early) self.onFrame(frame);
    return self;
  }

  type(text: string): void {
    this.session.handleFrame(this.client, encodeFrame(ClientMessage.Input, text));
  }

  /** Waits until the output's tail matches (polling; the timeout only bounds a failing test). */
  async waitForText(pattern: RegExp, timeoutMs = 20_000): Promise<RegExpExecArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = pattern.exec(this.text);
      if (m) return m;
      if (Date.now() > deadline) throw new Error(`no ${pattern} in: ${this.text.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  private onFrame(frame: Uint8Array): void {
    const decoded = decodeServerFrame(frame);
    if (decoded.type === ServerMessage.Hello) this.hello = decoded.hello;
    else if (decoded.type === ServerMessage.Output || decoded.type === ServerMessage.Replay) {
      this.text = (this.text + decoder.decode(decoded.data, { stream: true })).slice(-TAIL_CHARS);
      this.session.handleFrame(this.client, encodeAck(decoded.data.byteLength));
    }
  }
}
