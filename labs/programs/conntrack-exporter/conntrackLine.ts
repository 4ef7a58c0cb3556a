/**
 * Parsers for the two text forms of a conntrack entry: a line of /proc/net/nf_conntrack and a line of
 * `conntrack -E -o timestamp,extended` (the event stream). Both print the original-direction tuple first
 * (`src= dst= sport= dport=`), then the reply tuple; only the original tuple is needed.
 *
 *   /proc:  ipv4     2 tcp      6 119 TIME_WAIT src=10.0.0.1 dst=10.0.0.2 sport=5 dport=80 src=… [ASSURED] mark=0 zone=0 use=2
 *   event:  [1795392727.569095]	    [NEW] ipv4     2 tcp      6 120 SYN_SENT src=… [UNREPLIED] src=… id=20919
 */
import { canonicalAddress } from './address.ts';

/** The original-direction tuple and TCP state of one tracked connection. */
export interface ConntrackEntry {
  /** TCP state name (ESTABLISHED…); empty when a line gives none. */
  state: string;
  /** Seconds the kernel keeps the entry without further packets; undefined when the line gives none. */
  timeout: number | undefined;
  src: string;
  dst: string;
  sport: number;
  dport: number;
}

export type EventType = 'new' | 'update' | 'destroy';

export interface ConntrackEvent {
  type: EventType;
  /** Seconds since the epoch, when the stream was started with `-o timestamp`. */
  timestamp: number | undefined;
  /**
   * The kernel's id of the entry, when the stream was started with `-o id`. Two entries with the same
   * tuple (a port reused while the old entry was in TIME_WAIT) have different ids, which tells a late
   * DESTROY of the old entry from the removal of the new one.
   */
  id: number | undefined;
  entry: ConntrackEntry;
}

/** Lines that are not TCP (UDP, ICMP…) are skipped, not errors: the exporter only counts TCP. */
export type LineResult<T> = { kind: 'ok'; value: T } | { kind: 'skip' } | { kind: 'error'; reason: string };

const SKIP = { kind: 'skip' } as const;
const EVENT_TYPES: Record<string, EventType> = { '[NEW]': 'new', '[UPDATE]': 'update', '[DESTROY]': 'destroy' };

/** Table key for an entry: its original tuple, which the kernel keeps unique per table (zone 0). */
export function entryKey(e: ConntrackEntry): string {
  return `${e.src} ${e.sport} ${e.dst} ${e.dport}`;
}

/** Parses a line of /proc/net/nf_conntrack. */
export function parseTableLine(line: string): LineResult<ConntrackEntry> {
  return parseFrom(line, 0);
}

/** Parses a line of `conntrack -E` output (with or without `-o timestamp,extended`). */
export function parseEventLine(line: string): LineResult<ConntrackEvent> {
  let i = skipSpace(line, 0);
  let timestamp: number | undefined;
  if (line.charCodeAt(i) === 0x5b /* [ */ && line.charCodeAt(i + 1) <= 0x39 /* a digit, not a type */) {
    const close = line.indexOf(']', i);
    timestamp = Number(line.slice(i + 1, close));
    if (close < 0 || !Number.isFinite(timestamp)) return { kind: 'error', reason: `bad timestamp in: ${line.slice(0, 80)}` };
    i = skipSpace(line, close + 1);
  }
  const close = line.indexOf(']', i);
  const type = close < 0 ? undefined : EVENT_TYPES[line.slice(i, close + 1)];
  if (type === undefined) return { kind: 'error', reason: `no event type in: ${line.slice(0, 80)}` };
  const parsed = parseFrom(line, close + 1);
  if (parsed.kind !== 'ok') return parsed;
  const idAt = line.lastIndexOf(' id=');
  const id = idAt < 0 ? undefined : Number(field(line, 'id=', idAt)![0]);
  return { kind: 'ok', value: { type, timestamp, id: Number.isInteger(id) ? id : undefined, entry: parsed.value } };
}

function skipSpace(s: string, i: number): number {
  while (i < s.length && (s.charCodeAt(i) === 0x20 || s.charCodeAt(i) === 0x09)) i++;
  return i;
}

/** The value of `key=` at or after `from`, up to the next space; [value, index after it]. */
function field(line: string, key: string, from: number): [string, number] | undefined {
  const at = line.indexOf(key, from);
  if (at < 0) return undefined;
  const start = at + key.length;
  let end = line.indexOf(' ', start);
  if (end < 0) end = line.length;
  return [line.slice(start, end), end];
}

/** End of the token that starts at i (the next space or tab, or `end`). */
function tokenEnd(s: string, i: number, end: number): number {
  while (i < end && s.charCodeAt(i) !== 0x20 && s.charCodeAt(i) !== 0x09) i++;
  return i;
}

/** The decimal number s[i, end) spells, or -1 when it is empty or not all digits. */
function digits(s: string, i: number, end: number): number {
  if (i >= end) return -1;
  let n = 0;
  for (; i < end; i++) {
    const c = s.charCodeAt(i) - 0x30;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}

/**
 * Scans with indexOf and character codes instead of splitting the line into tokens: a resync parses
 * every line of a table that can hold 100k+ entries, and this allocates only the strings it returns.
 */
function parseFrom(line: string, from: number): LineResult<ConntrackEntry> {
  const srcAt = line.indexOf(' src=', from);
  // Everything before the tuple: [family number] protocol number [timeout] [state].
  const headEnd = srcAt < 0 ? line.length : srcAt;
  let i = skipSpace(line, from);
  let e = tokenEnd(line, i, headEnd);
  if (e - i === 4 && (line.startsWith('ipv4', i) || line.startsWith('ipv6', i))) {
    i = skipSpace(line, e); // the family number
    i = skipSpace(line, tokenEnd(line, i, headEnd));
    e = tokenEnd(line, i, headEnd);
  }
  if (i >= headEnd) return { kind: 'error', reason: 'empty line' };
  if (e - i !== 3 || !line.startsWith('tcp', i)) return SKIP;
  if (srcAt < 0) return { kind: 'error', reason: 'no original tuple' };
  i = skipSpace(line, tokenEnd(line, skipSpace(line, e), headEnd)); // the protocol number
  let timeout: number | undefined;
  let state = '';
  while (i < headEnd) {
    e = tokenEnd(line, i, headEnd);
    const n = digits(line, i, e);
    if (n >= 0) timeout = n;
    else state = line.slice(i, e);
    i = skipSpace(line, e);
  }
  const src = field(line, 'src=', srcAt);
  const dst = src && field(line, 'dst=', src[1]);
  if (!src || !dst) return { kind: 'error', reason: 'incomplete original tuple' };
  const sportAt = line.indexOf('sport=', dst[1]);
  const sportEnd = sportAt < 0 ? -1 : tokenEnd(line, sportAt + 6, line.length);
  const dportAt = sportAt < 0 ? -1 : line.indexOf('dport=', sportEnd);
  if (sportAt < 0 || dportAt < 0) return { kind: 'error', reason: 'incomplete original tuple' };
  const sp = digits(line, sportAt + 6, sportEnd);
  const dp = digits(line, dportAt + 6, tokenEnd(line, dportAt + 6, line.length));
  if (sp < 0 || dp < 0) return { kind: 'error', reason: 'bad port in original tuple' };
  return { kind: 'ok', value: { state, timeout, src: canonicalAddress(src[0]), dst: canonicalAddress(dst[0]), sport: sp, dport: dp } };
}
