/**
 * The four connection states the exporter reports, and how TCP states map onto them (as the original
 * exporter maps them). States not listed (NONE, IGNORE, unknown) are skipped.
 */
export const Buckets = ['opening', 'open', 'closing', 'closed'] as const;
export type Bucket = 0 | 1 | 2 | 3;

// A Map, not an object: the state is a slice of a line, and looking it up as a property name would
// first intern it (a string-table lookup per entry of a 100k-entry resync).
const STATE_BUCKET: ReadonlyMap<string, Bucket> = new Map([
  ['SYN_SENT', 0],
  ['SYN_SENT2', 0],
  ['SYN_RECV', 0],
  ['ESTABLISHED', 1],
  ['FIN_WAIT', 2],
  ['CLOSE_WAIT', 2],
  ['LAST_ACK', 2],
  ['TIME_WAIT', 2],
  ['CLOSE', 3],
]);

/** The reported state for a TCP state name, or undefined for states the exporter skips. */
export function stateBucket(state: string): Bucket | undefined {
  return STATE_BUCKET.get(state);
}
