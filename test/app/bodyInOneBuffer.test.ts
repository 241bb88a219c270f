import { Readable } from 'node:stream';
import { ReadableStream } from 'node:stream/web';
import { describe, expect, it } from 'vitest';
import { readBodyInOneBuffer, type HeadVerdict } from '../../app/http/bodyInOneBuffer.js';

/**
 * A body arriving in `pieces`, as a request's stream does: `pulled` counts the pieces handed over,
 * `cancelled` says whether the reader gave up on it (which, on a Node request, ends its socket).
 */
function arriving(pieces: Uint8Array[], failAfter?: number) {
  const state = { pulled: 0, cancelled: false };
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (failAfter !== undefined && state.pulled === failAfter) return controller.error(new Error('aborted'));
        const piece = pieces[state.pulled];
        if (!piece) return controller.close();
        state.pulled++;
        controller.enqueue(piece);
      },
      cancel() {
        state.cancelled = true;
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, state };
}

/** `count` pieces of `size` bytes, each filled with its own index. */
const piecesOf = (count: number, size: number) => Array.from({ length: count }, (_, i) => new Uint8Array(size).fill(i & 0xff));
const total = (pieces: Uint8Array[]) => pieces.reduce((sum, piece) => sum + piece.length, 0);
/** A head judge that refuses anything not starting with "OK" once it has its 2 bytes. */
const startsWithOk = { bytes: 2, judge: (head: Uint8Array): HeadVerdict => (head.length < 2 ? 'more' : head[0] === 0x4f && head[1] === 0x4b ? 'read on' : { status: 400, reason: 'not OK' }) };

describe('readBodyInOneBuffer: a body held once', () => {
  it('with a Content-Length: one buffer of exactly that size, each piece copied in as it arrives, none kept', async () => {
    const pieces = piecesOf(50, 1000);
    const result = await readBodyInOneBuffer(arriving(pieces).stream, { declaredLength: 50_000, limit: 1e6 });
    if (!result.ok) throw new Error(result.reason);
    expect(result.bytes.buffer.byteLength).toBe(50_000);
    expect(result.bytes).toEqual(Buffer.concat(pieces));
    for (const piece of pieces) expect(piece.buffer).not.toBe(result.bytes.buffer);
  });

  it('without one: the pieces joined once at the end, or the only piece handed over as it is', async () => {
    const pieces = piecesOf(7, 333);
    const joined = await readBodyInOneBuffer(arriving(pieces).stream, { declaredLength: null, limit: 1e6 });
    expect(joined).toEqual({ ok: true, bytes: Buffer.concat(pieces) });
    const [only] = piecesOf(1, 5000);
    const single = await readBodyInOneBuffer(arriving([only as Uint8Array]).stream, { declaredLength: null, limit: 1e6 });
    expect(single.ok && single.bytes.buffer).toBe(only?.buffer);
  });

  it('takes more bytes than the Content-Length said (no HTTP parser held the client to it), and fewer', async () => {
    const pieces = piecesOf(3, 100);
    expect(await readBodyInOneBuffer(arriving(pieces).stream, { declaredLength: 150, limit: 1e6 })).toEqual({ ok: true, bytes: Buffer.concat(pieces) });
    expect(await readBodyInOneBuffer(arriving(pieces).stream, { declaredLength: 1000, limit: 1e6 })).toEqual({ ok: true, bytes: Buffer.concat(pieces) });
  });

  it('reads an absent or empty body as no bytes', async () => {
    expect(await readBodyInOneBuffer(null, { declaredLength: null, limit: 10, head: startsWithOk })).toEqual({ ok: true, bytes: Buffer.alloc(0) });
    expect(await readBodyInOneBuffer(arriving([]).stream, { declaredLength: 0, limit: 10, head: startsWithOk })).toEqual({ ok: true, bytes: Buffer.alloc(0) });
  });
});

describe('readBodyInOneBuffer: refused while it arrives, the rest left unread (and the stream not cancelled)', () => {
  it('on its first bytes: the judge\'s status and reason after the first piece, not one piece more', async () => {
    const { stream, state } = arriving([Buffer.from('NO, this is not the kind of body wanted'), ...piecesOf(1000, 1000)]);
    expect(await readBodyInOneBuffer(stream, { declaredLength: 1_000_040, limit: 2e6, head: startsWithOk })).toEqual({ ok: false, status: 400, reason: 'not OK', unread: true });
    expect(state).toEqual({ pulled: 1, cancelled: false });
  });

  it('on a head that arrives a byte at a time: judged after each byte until it can tell', async () => {
    const seen: number[] = [];
    const judge = (head: Uint8Array): HeadVerdict => (seen.push(head.length), head.length < 3 ? 'more' : { status: 413, reason: 'too big, by its header' });
    const { stream, state } = arriving([...[0x01, 0x02, 0x03, 0x04].map((byte) => Uint8Array.of(byte)), ...piecesOf(100, 100)]);
    expect(await readBodyInOneBuffer(stream, { declaredLength: null, limit: 1e6, head: { bytes: 8, judge } })).toEqual({ ok: false, status: 413, reason: 'too big, by its header', unread: true });
    expect(seen).toEqual([1, 2, 3]);
    expect(state.pulled).toBe(3);
  });

  it('stops judging once the judge says to read on: the rest of the body is not looked at', async () => {
    let calls = 0;
    const judge = (head: Uint8Array): HeadVerdict => (calls++, startsWithOk.judge(head));
    const result = await readBodyInOneBuffer(arriving([Buffer.from('OK'), ...piecesOf(100, 10)]).stream, { declaredLength: null, limit: 1e6, head: { bytes: 2, judge } });
    expect(result.ok).toBe(true);
    expect(calls).toBe(1);
  });

  it('over the limit by its Content-Length: 413 before a byte is read', async () => {
    const { stream, state } = arriving(piecesOf(10, 100));
    expect(await readBodyInOneBuffer(stream, { declaredLength: 1001, limit: 1000 })).toEqual({ ok: false, status: 413, reason: 'request body exceeds the limit of 1000 bytes', unread: true });
    expect(state.pulled).toBe(0);
  });

  it('over the limit without one: 413 at the piece that passes it, nothing read after it', async () => {
    const { stream, state } = arriving(piecesOf(100, 100));
    expect(await readBodyInOneBuffer(stream, { declaredLength: null, limit: 1000 })).toMatchObject({ ok: false, status: 413, unread: true });
    expect(state).toEqual({ pulled: 11, cancelled: false });
    expect(await readBodyInOneBuffer(arriving(piecesOf(10, 100)).stream, { declaredLength: null, limit: 1000 })).toMatchObject({ ok: true }); // exactly at it
  });

  it('a body whose stream fails (the client went away) is an interrupted upload, a 400, not an error thrown', async () => {
    expect(await readBodyInOneBuffer(arriving(piecesOf(10, 100), 4).stream, { declaredLength: 1000, limit: 1e6 })).toEqual({ ok: false, status: 400, reason: 'upload interrupted: aborted', unread: true });
  });

  it('a Node request (what @hono/node-server gives) is left as it was, neither destroyed nor read past the refusal', async () => {
    const pieces = [Buffer.from('NO'), ...piecesOf(50, 100).map((piece) => Buffer.from(piece))];
    const request = Readable.from(pieces, { objectMode: false, highWaterMark: 1 });
    expect(await readBodyInOneBuffer(request, { declaredLength: null, limit: 1e6, head: startsWithOk })).toEqual({ ok: false, status: 400, reason: 'not OK', unread: true });
    expect(request.destroyed).toBe(false);
    let rest = 0;
    for await (const piece of request) rest += (piece as Buffer).length;
    expect(rest).toBeGreaterThan(4000);
  });

  it('judges and reads a Node request as it does a Web stream', async () => {
    const pieces = piecesOf(20, 100).map((piece) => Buffer.from(piece));
    expect(await readBodyInOneBuffer(Readable.from(pieces), { declaredLength: 2000, limit: 1e6, head: startsWithOk })).toMatchObject({ ok: false, status: 400 });
    expect(await readBodyInOneBuffer(Readable.from(pieces), { declaredLength: 2000, limit: 1e6 })).toEqual({ ok: true, bytes: Buffer.concat(pieces) });
  });
});
