/**
 * Turns a connection into its `host` label.
 *
 * Rule: when the connection's original source is a local address, the local side opened it
 * (outbound) and the label is the remote name or address WITH the remote port: `db:5432`. Otherwise
 * the remote side opened it (inbound, or forwarded) and the label is the remote name or address
 * WITHOUT a port: `api`. Client ephemeral ports therefore never become series, and a label with a
 * port always means "we connect to it", one without "it connects to us". Loopback connections have
 * a local source, so they are labelled by the port they connect to: `localhost:8080`.
 */
import { networkInterfaces } from 'node:os';
import { canonicalAddress, withPort } from './address.ts';
import type { ConntrackEntry } from './conntrackLine.ts';

export interface Naming {
  /** Addresses of this host (its network namespace's interfaces). */
  local: ReadonlySet<string>;
  /** Address → first name given to it in /etc/hosts. */
  names: ReadonlyMap<string, string>;
  /** Remote addresses, names or whole labels to leave out. */
  ignore: ReadonlySet<string>;
}

/** The `host` label for an entry, or undefined when the remote host is ignored. */
export function hostLabel(e: ConntrackEntry, n: Naming): string | undefined {
  const outbound = n.local.has(e.src);
  const address = outbound ? e.dst : e.src;
  const name = n.names.get(address);
  if (n.ignore.size > 0 && (n.ignore.has(address) || (name !== undefined && n.ignore.has(name)))) return undefined;
  const shown = name ?? address;
  if (!outbound) return shown;
  const label = name !== undefined ? `${name}:${e.dport}` : withPort(address, e.dport);
  return n.ignore.size > 0 && n.ignore.has(label) ? undefined : label;
}

/** Parses hosts(5) text into address → first name. Later lines do not override earlier ones, as in libc. */
export function parseHostsFile(text: string): Map<string, string> {
  const names = new Map<string, string>();
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    if (line === '') continue;
    const [address, name] = line.split(/\s+/);
    if (address === undefined || name === undefined) continue;
    const key = canonicalAddress(address.replace(/%.*$/, ''));
    if (!names.has(key)) names.set(key, name);
  }
  return names;
}

/** The addresses of this network namespace's interfaces, read now (they change as the lab changes). */
export function localAddresses(): Set<string> {
  const out = new Set<string>();
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) out.add(canonicalAddress(a.address.replace(/%.*$/, '')));
  }
  return out;
}

/** Splits `--ignore-hosts` (comma separated) into a set, canonicalising addresses. */
export function parseIgnoreList(text: string | undefined): Set<string> {
  const out = new Set<string>();
  for (const item of (text ?? '').split(',')) {
    const t = item.trim();
    if (t !== '') out.add(canonicalAddress(t));
  }
  return out;
}
