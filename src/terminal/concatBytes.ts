/**
 * Chunks joined into one fresh Uint8Array with an ArrayBuffer of its own. Unlike Buffer.concat, whose
 * small results share Node's buffer pool, the result may be transferred to a worker.
 */
export function concatBytes(chunks: readonly Uint8Array[], total: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}
