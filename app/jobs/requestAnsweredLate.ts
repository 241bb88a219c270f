/**
 * An enqueue refused because its request had already been answered (408 or 503) for running out
 * of time: the client was told the request failed, and may send it again.
 */
export class RequestAnsweredLate extends Error {
  constructor(readonly answer: unknown) {
    super('the request was answered for running out of time before its job was queued');
    this.name = 'RequestAnsweredLate';
  }
}
