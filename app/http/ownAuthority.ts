import type { IncomingMessage, ServerResponse } from 'node:http';

/** A request listener as Node's HTTP server calls it (the adapter's, which returns when it has answered). */
export type RequestListener = (request: IncomingMessage, response: ServerResponse) => Promise<void>;

/**
 * Serves a request without Host in an HTTP version older than 1.1 (1.0, and 0.9, which Node's parser
 * still reads) as addressed to the server's own authority, where the adapter between Node and the
 * app would refuse it for lack of a URL: only HTTP/1.1 requires Host (RFC 9112 §3.2), and without
 * one the authority is the server's own (§3.3). `listenerFor` makes the adapter's listener with the
 * authority it falls back on when a request names none (its `hostname` option); that fallback is
 * given only to these requests, so that an HTTP/1.1 request without Host is still refused. Such a
 * listener is made per request, since the authority depends on the connection: these requests are
 * rare, and a listener is a closure. The request is left as sent (no Host appears in its headers),
 * and one whose target is an absolute URL is addressed by it, as before.
 */
export function hostOptionalBeforeHttp11(listenerFor: (defaultAuthority: string | undefined) => RequestListener): RequestListener {
  const usual = listenerFor(undefined);
  return (request, response) => {
    const authority = request.headers.host === undefined && olderThanHttp11(request)
      ? ownAuthority(request.socket.localAddress, request.socket.localPort)
      : undefined;
    return (authority === undefined ? usual : listenerFor(authority))(request, response);
  };
}

/**
 * The authority (`host:port`) of the address a connection was accepted on, as a URL writes it: an
 * IPv4 address as itself (also when a dual-stack socket reports it IPv4-mapped, `::ffff:10.0.0.5`),
 * an IPv6 one bracketed and without its zone (`%eth0`, which a URL cannot hold), normalised as the
 * URL parser would, since the adapter refuses a host that the parser would write otherwise.
 * Undefined for a connection with no address left (closed): the request is then refused as before.
 */
export function ownAuthority(address: string | undefined, port: number | undefined): string | undefined {
  if (address === undefined || port === undefined) return undefined;
  const ipv4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  const host = ipv4 ?? (address.includes(':') ? `[${address.replace(/%.*$/, '')}]` : address);
  // An exception here would escape the request listener and bring the server down; a socket's
  // address always parses, but a refusal is the better failure should one ever not.
  try {
    return new URL(`http://${host}:${port}`).host;
  } catch {
    return undefined;
  }
}

/** HTTP/1.0 or 0.9, where Host is optional. */
export function olderThanHttp11(request: IncomingMessage): boolean {
  return request.httpVersionMajor < 1 || (request.httpVersionMajor === 1 && request.httpVersionMinor < 1);
}
