/**
 * Canonical text for an IP address: the kernel's /proc table prints IPv6 addresses in full
 * (`0000:…:0001`), the conntrack tool compressed (`::1`). Both must give the same table key and label.
 */

const cache = new Map<string, string>();
/** Bounds the cache: a table with more distinct addresses than this just recomputes. */
const CACHE_LIMIT = 100_000;

/** Returns the RFC 5952 form of an IPv6 address, or IPv4 text unchanged. */
export function canonicalAddress(text: string): string {
  if (!text.includes(':')) return text;
  const hit = cache.get(text);
  if (hit !== undefined) return hit;
  const out = compressIPv6(text);
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(text, out);
  return out;
}

function compressIPv6(text: string): string {
  // The URL parser implements the WHATWG IPv6 serializer, which is RFC 5952 compression.
  try {
    const host = new URL(`http://[${text}]/`).hostname;
    return host.slice(1, -1);
  } catch {
    return text;
  }
}

/** Formats `address:port`, bracketing IPv6 addresses so the port stays unambiguous. */
export function withPort(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}
