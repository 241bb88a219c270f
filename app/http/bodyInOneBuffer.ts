import { bodyPieces, type RequestBodySource } from './requestBodySource.js';

/** Why a body is refused before it has been read whole, and with which status. */
export interface EarlyRefusal {
  status: 400 | 413;
  reason: string;
}

/** What a look at a body's first bytes decides: wait for more of them, read the rest, or refuse it now. */
export type HeadVerdict = 'more' | 'read on' | EarlyRefusal;

export type BodyInOneBuffer =
  | { ok: true; bytes: Buffer }
  | {
      ok: false;
      status: 400 | 413;
      reason: string;
      /** Refused on what had arrived, the rest left unread (or never arrived): the connection cannot carry another request. */
      unread: boolean;
    };

export interface BodyInOneBufferOptions {
  /** Content-Length, when the request gives one: the buffer is allocated once, at that size. */
  declaredLength: number | null;
  /** The most bytes accepted: a body over it is refused with 413 as soon as it is. */
  limit: number;
  /** Judges the first `bytes` bytes (what has arrived of them) after each piece, until it says other than 'more'. */
  head?: { bytes: number; judge: (head: Uint8Array) => HeadVerdict };
}

/**
 * Reads a request body into one buffer, judging its first bytes while the rest is still arriving,
 * so that a body refused on them (not the right kind of file, a header over a limit) is refused
 * without being read, and one accepted is held once. Given a Content-Length, the buffer is
 * allocated at that size once the head has been judged (a body refused on its first bytes never
 * costs it), and each piece is copied in as it arrives; without one, the pieces are kept as they
 * came and joined at the end (the one moment two copies exist). Either way no more than `limit`
 * bytes are taken. Stopping early leaves the rest unread (see bodyPieces).
 */
export async function readBodyInOneBuffer(source: RequestBodySource, options: BodyInOneBufferOptions): Promise<BodyInOneBuffer> {
  const tooLarge = { ok: false, status: 413, reason: `request body exceeds the limit of ${options.limit} bytes`, unread: true } as const;
  const declared = options.declaredLength;
  if (declared !== null && declared > options.limit) return tooLarge;
  const head = options.head ? { judge: options.head.judge, bytes: Buffer.alloc(options.head.bytes), filled: 0 } : null;
  let judging = head !== null;
  /** The body so far, once it has a buffer of the declared length; until then (or without one), `pieces`. */
  let whole: Buffer | null = null;
  let pieces: Uint8Array[] = [];
  let received = 0;
  try {
    for await (const piece of bodyPieces(source)) {
      if (received + piece.length > options.limit) return tooLarge;
      if (whole && received + piece.length <= whole.length) whole.set(piece, received);
      else {
        // More than the Content-Length said (only where no HTTP parser holds the client to it).
        if (whole) pieces = [whole.subarray(0, received)];
        whole = null;
        pieces.push(piece);
      }
      received += piece.length;
      if (head && judging) {
        const take = Math.min(piece.length, head.bytes.length - head.filled);
        head.bytes.set(piece.subarray(0, take), head.filled);
        head.filled += take;
        const verdict = head.judge(head.bytes.subarray(0, head.filled));
        if (typeof verdict === 'object') return { ok: false, ...verdict, unread: true };
        judging = verdict === 'more' && head.filled < head.bytes.length;
      }
      if (!judging && declared !== null && pieces.length > 0 && received <= declared && !whole) {
        whole = Buffer.allocUnsafe(declared);
        let at = 0;
        for (const kept of pieces) {
          whole.set(kept, at);
          at += kept.length;
        }
        pieces = [];
      }
    }
  } catch (error) {
    // The client went away, or its stream failed: no answer will reach it, but none must be a 500.
    return { ok: false, status: 400, reason: `upload interrupted: ${(error as Error).message}`, unread: true };
  }
  if (whole) return { ok: true, bytes: whole.subarray(0, received) };
  const only = pieces.length === 1 ? pieces[0] : undefined;
  return { ok: true, bytes: only ? Buffer.from(only.buffer, only.byteOffset, only.byteLength) : Buffer.concat(pieces, received) };
}
