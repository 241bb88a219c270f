import { STATUS_CODES } from 'node:http';
import { echoedValue } from './echoedValue.js';

/** The answer to a request the app never saw as one: what was wrong with it, in the app's error body. */
export interface MalformedRequestAnswer {
  status: 400 | 408 | 413 | 431;
  message: string;
}

/** The limits of Node's HTTP server that its refusals name. */
export interface ServerLimits {
  /** Bytes of request line and headers (`maxHeaderSize`, 16 KiB unless --max-http-header-size says otherwise). */
  maxHeaderSize: number;
  /** Milliseconds for the request line and headers to arrive (`headersTimeout`). */
  headersTimeoutMs: number;
}

/**
 * What each of llhttp's refusals means, said in the terms of the request the client wrote. The
 * parser's own reason follows in parentheses: one code covers several faults (HPE_INVALID_HEADER_TOKEN
 * is a bad name, a bad value byte or a folded line), and the reason tells which.
 */
const PROBLEMS: Readonly<Record<string, string>> = {
  HPE_INVALID_METHOD: 'invalid method in the request line',
  HPE_INVALID_URL: 'invalid character in the request line (the request target must be printable ASCII: percent-encode any other byte)',
  HPE_INVALID_CONSTANT: 'malformed request line (expected "<method> <target> HTTP/1.1", with no space inside the target)',
  HPE_INVALID_VERSION: 'invalid HTTP version in the request line',
  HPE_INVALID_HEADER_TOKEN: 'malformed header line',
  HPE_UNEXPECTED_SPACE: 'unexpected space in the request line or a header',
  HPE_CR_EXPECTED: 'a line that does not end with CRLF',
  HPE_LF_EXPECTED: 'a line that does not end with CRLF',
  HPE_INVALID_CONTENT_LENGTH: 'invalid Content-Length header',
  HPE_UNEXPECTED_CONTENT_LENGTH: 'conflicting Content-Length headers',
  HPE_INVALID_TRANSFER_ENCODING: 'invalid Transfer-Encoding header',
  HPE_INVALID_CHUNK_SIZE: 'malformed chunked body',
  HPE_PAUSED_H2_UPGRADE: 'HTTP/2 is not served here: send HTTP/1.1',
};

/**
 * The answer to an error Node's HTTP server reports on a connection (its 'clientError' event),
 * with the status Node itself would give: 431 for a request head over `maxHeaderSize`, 413 for
 * chunk extensions over Node's limit, 408 for a head that did not arrive within `headersTimeout`,
 * 400 for any other parse error. Undefined when nobody is there to answer: an error of the
 * socket itself (ECONNRESET, EPIPE, ...) rather than of what it carried.
 */
export function clientErrorAnswer(error: { code?: string; reason?: string }, limits: ServerLimits): MalformedRequestAnswer | undefined {
  const { code, reason } = error;
  if (code === 'HPE_HEADER_OVERFLOW') {
    return { status: 431, message: `request headers too large: the request line and headers exceed the limit of ${limits.maxHeaderSize} bytes` };
  }
  if (code === 'HPE_CHUNK_EXTENSIONS_OVERFLOW') return { status: 413, message: 'chunk extensions too large: the chunked body carries more extension bytes than the server accepts' };
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return { status: 408, message: `request headers not received within ${limits.headersTimeoutMs} ms` };
  if (code === undefined || !code.startsWith('HPE_')) return undefined;
  const problem = PROBLEMS[code];
  const detail = reason ? ` (${reason})` : '';
  return { status: 400, message: problem ? `malformed request: ${problem}${detail}` : `malformed request${reason ? `: ${reason}` : ''}` };
}

/**
 * The answer to a request whose Host field is itself malformed, whatever its HTTP version: more
 * than one Host line (RFC 9112 §3.2 requires a 400, since the lines may name different hosts and
 * Node and the adapter would each pick their own: the URL took the first, the app saw them
 * joined, `a, b`), or an empty Host where the request is addressed by it. The adapter calls an
 * empty Host missing (it reads `''` as none), which sent the client looking for a header it did
 * send. An empty Host beside an absolute http(s) target, by which the adapter addresses the
 * request, is left alone: the server must then ignore Host (§3.2.2). Any other invalid Host is
 * the adapter's to refuse, when it makes the URL. `rawHeaders` are the lines as sent, names and
 * values alternating, as Node gives them; `target` is the request target. With `hostRequired`
 * (HTTP/1.1 and later) a request without Host is refused too, also one whose absolute target
 * would address it, which the adapter served: §3.2 makes no exception for it.
 */
export function hostFieldAnswer(rawHeaders: readonly string[], target: string, hostRequired: boolean): MalformedRequestAnswer | undefined {
  const hosts = rawHeaders.filter((_value, index) => index % 2 === 1 && rawHeaders[index - 1]?.toLowerCase() === 'host');
  if (hosts.length === 0 && hostRequired) return { status: 400, message: 'malformed request: no Host header' };
  if (hosts.length > 1) return { status: 400, message: 'malformed request: more than one Host header (send one, naming the host the request is for)' };
  if (hosts[0] === '' && !addressedByTarget(target)) return { status: 400, message: 'malformed request: an empty Host header (it must name the host the request is for)' };
  return undefined;
}

/** Whether the adapter addresses a request by its target rather than its Host: an absolute http(s) URL, as the adapter tells one (case and all). */
function addressedByTarget(target: string): boolean {
  return target.startsWith('http://') || target.startsWith('https://');
}

/**
 * What @hono/node-server's refusals mean (the request parsed, but no URL could be made of it; its
 * RequestError messages), in the terms of the request the client wrote.
 */
const ADAPTER_PROBLEMS: Readonly<Record<string, string>> = {
  // Refused before the adapter (hostFieldAnswer) whenever HTTP/1.1 requires Host; kept should a request reach it without one.
  'Missing host header': 'no Host header',
  'Invalid host header': 'invalid Host header',
  'Backslash in request path': 'a backslash in the request path (percent-encode it as %5C)',
  'Invalid absolute URL': 'the request target is not a valid absolute URL',
};

/**
 * The answer to a request @hono/node-server could make no URL of (its RequestError). Its "Invalid
 * URL" is two faults: a target that is not a path (no cause), or a Host and target that the URL
 * parser refused together (the parser's error as the cause: `Host: a b`).
 */
export function requestErrorAnswer(error: { message: string; cause?: unknown }): MalformedRequestAnswer {
  const { message } = error;
  const problem = message === 'Invalid URL'
    ? (error.cause === undefined ? 'invalid request target (expected a path starting with /)' : 'the Host header and the request target make no valid URL')
    : ADAPTER_PROBLEMS[message] ?? (message === '' ? 'no URL can be made of it' : message.charAt(0).toLowerCase() + message.slice(1));
  return { status: 400, message: `malformed request: ${problem}` };
}

/** The 417 message for an `Expect` header the server cannot meet (anything but `100-continue`). */
export function unmetExpectation(expect: string): string {
  return `Expect ${echoedValue(expect, { quoted: true })} cannot be met: the only expectation this server meets is 100-continue`;
}

/**
 * A whole HTTP/1.1 answer, written straight to a socket the HTTP server has given up on: a JSON
 * body framed by its length, and `Connection: close`, as the connection ends after it (whatever
 * followed the fault in the stream cannot be read as a next request).
 */
export function rawJsonAnswer(status: number, body: Record<string, string>): string {
  const json = JSON.stringify(body);
  return [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}`,
    'Content-Type: application/json',
    `Content-Length: ${Buffer.byteLength(json)}`,
    'Connection: close',
    '',
    json,
  ].join('\r\n');
}
