/**
 * The client's half of flow control (FlowControl in terminal.ts): counts Output and Replay bytes once
 * the client has consumed them (parsed, for a client with a screen) and says when an Ack is due, one per
 * ACK_BYTES. Acking after parsing, not on receipt, is what lets the server's pause track the renderer.
 */
import { FlowControl, encodeAck } from './terminal.ts';

export class AckCounter {
  private unacked = 0;

  /** Counts consumed bytes; true once ACK_BYTES or more wait to be acknowledged. */
  consumed(bytes: number): boolean {
    this.unacked += bytes;
    return this.unacked >= FlowControl.ACK_BYTES;
  }

  /** Bytes consumed and not yet acknowledged. */
  get pending(): number {
    return this.unacked;
  }

  /** The Ack frame for everything pending, which then counts as acknowledged (send it when consumed() says so). */
  takeAck(): Uint8Array {
    const frame = encodeAck(this.unacked);
    this.unacked = 0;
    return frame;
  }

  /** A new socket starts from zero: the server forgets the old one's unacknowledged bytes too. */
  reset(): void {
    this.unacked = 0;
  }
}
