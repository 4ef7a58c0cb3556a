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
  const tokens = line.trim().split(/\s+/);
  return parseTokens(tokens, 0);
}

/** Parses a line of `conntrack -E` output (with or without `-o timestamp,extended`). */
export function parseEventLine(line: string): LineResult<ConntrackEvent> {
  const tokens = line.trim().split(/\s+/);
  let i = 0;
  let timestamp: number | undefined;
  const first = tokens[0] ?? '';
  if (first.startsWith('[') && !(first in EVENT_TYPES)) {
    timestamp = Number(first.slice(1, -1));
    if (!Number.isFinite(timestamp)) return { kind: 'error', reason: `bad timestamp ${first}` };
    i = 1;
  }
  const type = EVENT_TYPES[tokens[i] ?? ''];
  if (type === undefined) return { kind: 'error', reason: `no event type in: ${line.slice(0, 80)}` };
  const parsed = parseTokens(tokens, i + 1);
  if (parsed.kind !== 'ok') return parsed;
  return { kind: 'ok', value: { type, timestamp, entry: parsed.value } };
}

function parseTokens(tokens: string[], from: number): LineResult<ConntrackEntry> {
  // The layer-4 name comes first in plain event lines, after "ipv4 2" in /proc and extended lines.
  let l4 = from;
  if (tokens[l4] === 'ipv4' || tokens[l4] === 'ipv6') l4 += 2;
  const proto = tokens[l4];
  if (proto === undefined) return { kind: 'error', reason: 'empty line' };
  if (proto !== 'tcp') return SKIP;
  // tcp, protocol number, then timeout and state (either may be missing from DESTROY events).
  let i = l4 + 2;
  let timeout: number | undefined;
  if (/^\d+$/.test(tokens[i] ?? '')) timeout = Number(tokens[i++]);
  let state = tokens[i] ?? '';
  if (state.includes('=')) {
    state = '';
    i -= 1; // the tuple starts here; the loop below begins one further on
  }
  let src: string | undefined;
  let dst: string | undefined;
  let sport = NaN;
  let dport = NaN;
  for (i += 1; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (src === undefined && t.startsWith('src=')) src = t.slice(4);
    else if (dst === undefined && t.startsWith('dst=')) dst = t.slice(4);
    else if (Number.isNaN(sport) && t.startsWith('sport=')) sport = Number(t.slice(6));
    else if (Number.isNaN(dport) && t.startsWith('dport=')) {
      dport = Number(t.slice(6));
      break; // the original tuple is complete
    }
  }
  if (src === undefined || dst === undefined || !Number.isInteger(sport) || !Number.isInteger(dport)) {
    return { kind: 'error', reason: 'incomplete original tuple' };
  }
  return { kind: 'ok', value: { state, timeout, src: canonicalAddress(src), dst: canonicalAddress(dst), sport, dport } };
}
