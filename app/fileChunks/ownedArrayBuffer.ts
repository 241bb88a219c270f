/**
 * An ArrayBuffer holding exactly these bytes, fit to be moved to another thread: the view's own
 * buffer when the view covers all of it (no copy), otherwise one copy of just the viewed bytes.
 * Never the buffer behind a partial view: moving it would take its other bytes along (Buffer's
 * small-allocation pool, a socket read) and structured cloning would copy all of them.
 */
export function ownedArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  const { buffer } = bytes;
  if (buffer instanceof ArrayBuffer && bytes.byteOffset === 0 && bytes.byteLength === buffer.byteLength) return buffer;
  // Not bytes.slice(): on a Buffer that is another view of the same memory, not a copy.
  return new Uint8Array(bytes).buffer;
}
