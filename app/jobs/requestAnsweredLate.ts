/**
 * An enqueue refused because its request had already been answered (408 or 503) for running out
 * of time: the client was told the request failed, and may send it again.
 *
 * Its message is that answer's (`no answer within 4000 ms`): the handler that meets this error is
 * answered too, and when the deadline's answer and this one come in the same moment (an enqueue
 * waiting on a frozen Redis is refused the instant the deadline passes) either may be the one the
 * client gets. Both then say the same thing, on every route.
 */
export class RequestAnsweredLate extends Error {
  constructor(readonly answer: unknown) {
    super(answer instanceof Error && answer.message ? answer.message : 'the request ran out of time before its job was queued');
    this.name = 'RequestAnsweredLate';
  }
}
