/**
 * The Host header allowlist and what counts as loopback. A page on another site can make its own name
 * resolve to 127.0.0.1 (DNS rebinding) and then talk to the gateway as same-origin; the Host header it
 * sends still names that site, so requests whose Host is not ours are refused before anything else.
 * Names are compared without the port: a rebinding page's Host names its own site whatever the port,
 * and an SSH tunnel or a local proxy reaches the gateway as localhost on a port of its own.
 */
import { isIP } from 'node:net';

/** Whether a bind address keeps the gateway on this machine. */
export function isLoopbackAddress(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1') return true;
  return isIP(h) === 4 && h.startsWith('127.');
}

/** The names a browser on this machine uses for it. */
export const LOOPBACK_HOSTNAMES = ['localhost', '127.0.0.1', '[::1]'] as const;

/** The name of a `Host` header or an `--allowed-host` entry: lower case, without the port. */
export function hostname(hostHeader: string): string {
  const h = hostHeader.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(0, h.indexOf(']') + 1);
  const colon = h.indexOf(':');
  return colon < 0 ? h : h.slice(0, colon);
}

/** The host name of a URL, as its Host header names it (IPv6 in brackets). */
export function hostnameOfUrl(url: string): string {
  return hostname(new URL(url).host);
}

/** Whether the request's Host header names a host on the list. */
export function allowedHost(header: string | undefined, allowed: ReadonlySet<string>): boolean {
  return header !== undefined && allowed.has(hostname(header));
}

/** Checks an `--allowed-host` value: a name or address, optionally with a port; no scheme, no path. */
export function validHostEntry(text: string): boolean {
  return /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$/.test(text);
}
