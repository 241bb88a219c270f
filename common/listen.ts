import type { Server } from 'node:net';

/** A server could not take its address; the message is one line naming the port and the flag that set it. */
export class ListenError extends Error {
  override name = 'ListenError';
}

/**
 * Starts `server` listening, and rejects with a ListenError ("port 9105 is already in use
 * (--port)") instead of the unhandled 'error' event a busy port otherwise is. The server is not
 * left listening when it fails.
 */
export function listen(server: Server, port: number, host: string, flag = '--port'): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      reject(listenError(error, port, host, flag));
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

function listenError(error: NodeJS.ErrnoException, port: number, host: string, flag: string): Error {
  switch (error.code) {
    case 'EADDRINUSE':
      return new ListenError(`port ${port} is already in use (${flag})`);
    case 'EACCES':
      return new ListenError(`port ${port} needs privileges this process does not have (${flag})`);
    case 'EADDRNOTAVAIL':
      return new ListenError(`address ${host} is not one of this host's (--host)`);
    default:
      return error;
  }
}
