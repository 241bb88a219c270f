import { setMaxListeners } from 'node:events';
import { Agent, type Dispatcher } from 'undici';

/**
 * Fetches replicas' /metrics over HTTP/1.1 with kept-alive connections, through undici's
 * `request`: at one scrape per replica per second the HTTP client's own cost is the larger part
 * of the collector's CPU, and undici's is about 30% below node:http's.
 *
 * A scrape ends by its deadline, whatever the replica does: the agent's timeouts (connect, head,
 * and the silence between two pieces of the body) cannot end an answer that keeps coming, a byte
 * at a time or without end, and one such replica held every collection pass, all containers', for
 * as long as it went on. The deadline is one signal per pass (`passDeadline`), not a timer per
 * request. An answer is read up to `maxBytes`, whether or not it says its length.
 */
export class MetricsScraper {
  private readonly agent: Agent;

  constructor(
    private readonly timeoutMs: number,
    private readonly maxBytes = 4 * 1024 * 1024,
  ) {
    // The pass's deadline ends every scrape. The agent's head and body timeouts are only a backstop a
    // second behind it: at the deadline's own length, undici's coarse timer for the head won the race
    // about two times in five under load (measured), and the log said "Headers Timeout Error".
    const backstopMs = timeoutMs + 1_000;
    this.agent = new Agent({ connections: 1, pipelining: 1, keepAliveTimeout: 30_000, headersTimeout: backstopMs, bodyTimeout: backstopMs, connectTimeout: timeoutMs });
  }

  /** The deadline of the scrapes a pass starts now: the scrape timeout from now. */
  passDeadline(): AbortSignal {
    const deadline = AbortSignal.timeout(this.timeoutMs);
    // Each scrape of the pass listens on this one signal until it is answered (undici then removes
    // its listener), so a pass of more than ten targets is not a leak; Node would warn of one on
    // stderr every pass.
    setMaxListeners(0, deadline);
    return deadline;
  }

  async scrape(host: string, port: number, path: string, deadline: AbortSignal): Promise<string> {
    try {
      return await this.answerTo(host, port, path, deadline);
    } catch (error) {
      // The signal's own words ("aborted due to timeout") say nothing of what timed out.
      throw deadline.aborted ? new Error(`${path} not answered in full within ${this.timeoutMs} ms`) : error;
    }
  }

  close(): void {
    // Closing twice (a stop racing a failed scrape) rejects; there is nothing left to release then.
    this.agent.close().catch(() => undefined);
  }

  private async answerTo(host: string, port: number, path: string, deadline: AbortSignal): Promise<string> {
    const { statusCode, headers, body } = await this.agent.request({
      origin: `http://${host}:${port}`,
      path,
      method: 'GET',
      headers: { accept: 'text/plain;version=0.0.4' },
      signal: deadline,
    });
    if (statusCode !== 200) {
      await body.dump();
      throw new Error(`GET ${path} answered ${statusCode}`);
    }
    const length = headers['content-length'];
    if (length === undefined) return textWithin(body, this.maxBytes);
    if (Number(length) > this.maxBytes) {
      await body.dump();
      throw new Error(tooLarge(this.maxBytes));
    }
    // Framed by its length, which undici holds it to: read whole, the quicker way.
    return body.text();
  }
}

/** An answer without a length (chunked, or ended by the close), read until it passes `maxBytes`. */
async function textWithin(body: Dispatcher.ResponseData['body'], maxBytes: number): Promise<string> {
  const pieces: Buffer[] = [];
  let size = 0;
  for await (const piece of body as AsyncIterable<Buffer>) {
    size += piece.length;
    if (size > maxBytes) {
      body.destroy();
      throw new Error(tooLarge(maxBytes));
    }
    pieces.push(piece);
  }
  return Buffer.concat(pieces, size).toString('utf8');
}

function tooLarge(maxBytes: number): string {
  return `/metrics larger than ${maxBytes} bytes`;
}
