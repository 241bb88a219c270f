import { olderThanHttp11, type RequestListener } from './ownAuthority.js';
import { answerInJson } from './clientErrors.js';
import { hostFieldAnswer } from './malformedRequest.js';

/**
 * Refuses a request whose Host field is malformed (more than one Host line, an empty Host where
 * the request is addressed by it, or none in HTTP/1.1: hostFieldAnswer) before the adapter makes a URL of it, with the
 * JSON 400 the adapter's own refusals get; `onRefused` counts it as they are counted. Node keeps
 * the first of several Host lines and the adapter passes them all on, so neither would refuse the
 * request. Its body, if any, is left unread, so the answer says `Connection: close` and the
 * connection ends after it, as after every refusal answered before the body (a 413 on the
 * Content-Length, a framing fault, an unmet Expect, the adapter's refusals): Node would discard
 * the body and read on, which is correct HTTP, but a client then sees one rule for some early
 * refusals and another for the rest, and the server reads a body it has already refused.
 */
export function hostFieldChecked(listener: RequestListener, onRefused: (status: number) => void): RequestListener {
  return async (request, response) => {
    const answer = hostFieldAnswer(request.rawHeaders, request.url ?? '', !olderThanHttp11(request));
    if (answer === undefined) return listener(request, response);
    onRefused(answer.status);
    answerInJson(response, answer.status, answer.message, { Connection: 'close' });
  };
}
