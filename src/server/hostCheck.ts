/**
 * The Host header allowlist and what counts as loopback. A page on another site can make its own name
 * resolve to 127.0.0.1 (DNS rebinding) and then talk to the gateway as same-origin; the Host header it
 * sends still names that site, so requests whose Host is not ours are refused before anything else.
 */
import { isIP } from 'node:net';

/** Whether a bind address keeps the gateway on this machine. */
export function isLoopbackAddress(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1') return true;
  return isIP(h) === 4 && h.startsWith('127.');
}

/** localhost, 127.0.0.1 and [::1] with the port (and bare, on port 80), as browsers send them. */
export function loopbackHosts(port: number): string[] {
  const names = ['localhost', '127.0.0.1', '[::1]'];
  return [...names.map((n) => `${n}:${port}`), ...(port === 80 ? names : [])];
}

/** `host[:port]` of a URL as a browser's Host header gives it (no port when it is the scheme's default). */
export function hostOfUrl(url: string): string {
  return new URL(url).host.toLowerCase();
}

/** The request's Host header when it is on the list, else null. */
export function allowedHost(header: string | undefined, allowed: ReadonlySet<string>): boolean {
  return header !== undefined && allowed.has(header.toLowerCase());
}

/** Checks an `--allowed-host` value: a name or address, optionally with a port; no scheme, no path. */
export function validHostEntry(text: string): boolean {
  return /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$/.test(text);
}
