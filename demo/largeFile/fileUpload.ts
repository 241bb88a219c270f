import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { request } from 'node:http';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/**
 * Sends a file as the body of `POST {url}` (the app's upload form of a file job), streamed from
 * disk, counting the bytes sent for the live view. Resolves with the job token; a status other
 * than 201 rejects with the app's own error message.
 */
export async function uploadFileJob(url: string, file: string, onBytes: (sent: number) => void): Promise<string> {
  const { size } = await stat(file);
  let sent = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      sent += chunk.length;
      onBytes(sent);
      done(null, chunk);
    },
  });
  const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { 'Content-Type': 'text/plain', 'Content-Length': size } }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (part: Buffer) => parts.push(part));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    pipeline(createReadStream(file, { highWaterMark: 1024 * 1024 }), counter, req).catch(reject);
  });
  const { status, body } = await response;
  if (status !== 201) throw new Error(`upload of ${file} answered ${status}: ${body.slice(0, 200)}`);
  const token = (JSON.parse(body) as { token?: unknown }).token;
  if (typeof token !== 'string') throw new Error(`upload answered 201 without a token: ${body.slice(0, 200)}`);
  return token;
}
