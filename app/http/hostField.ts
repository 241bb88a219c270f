import { olderThanHttp11, type RequestListener } from './ownAuthority.js';
import { answerInJson } from './clientErrors.js';
import { hostFieldAnswer } from './malformedRequest.js';

/**
 * Refuses a request whose Host field is malformed (more than one Host line, an empty Host where
 * the request is addressed by it, or none in HTTP/1.1: hostFieldAnswer) before the adapter makes a URL of it, with the
 * JSON 400 the adapter's own refusals get; `onRefused` counts it as they are counted. Node keeps
 * the first of several Host lines and the adapter passes them all on, so neither would refuse the
 * request. It is well framed, so, as after the adapter's refusals, the connection stays open (Node
 * discards a body left unread before it reads the next request).
 */
export function hostFieldChecked(listener: RequestListener, onRefused: (status: number) => void): RequestListener {
  return async (request, response) => {
    const answer = hostFieldAnswer(request.rawHeaders, request.url ?? '', !olderThanHttp11(request));
    if (answer === undefined) return listener(request, response);
    onRefused(answer.status);
    answerInJson(response, answer.status, answer.message);
  };
}
