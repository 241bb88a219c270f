import { open } from 'node:fs/promises';
import { throwIfAborted } from './abort.js';

/**
 * The length of the token that starts at byte `offset` of a file: up to its first separator byte,
 * or the end of the file. Read through one buffer of 1 MiB, whatever the token's length; a token
 * longer than `most` is not read further and gives undefined (all there is to say is "longer").
 */
export async function tokenLength(path: string, offset: number, isSeparator: Uint8Array, most: number, signal?: AbortSignal): Promise<number | undefined> {
  const file = await open(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    let length = 0;
    while (length <= most) {
      throwIfAborted(signal);
      const { bytesRead } = await file.read(buf, 0, buf.length, offset + length);
      if (bytesRead === 0) return length;
      let k = 0;
      while (k < bytesRead && isSeparator[buf[k]!] === 0) k++;
      length += k;
      if (k < bytesRead) break;
    }
    return length <= most ? length : undefined;
  } finally {
    await file.close();
  }
}
