import autocannon from 'autocannon';
import { quantileSorted } from 'simple-statistics';

export interface SecondOfLoad {
  sent: number;
  ok: number;
  failed: number;
  p95Ms: number | null;
}

/**
 * Sends `rps` requests during one second through autocannon (rate-limited), and reports what
 * came back. The mix is the app's two cheapest contracts: the hello counter and message
 * storage, both of which touch Redis, so load moves the app's CPU and its request rate together.
 */
export async function driveOneSecond(url: string, rps: number): Promise<SecondOfLoad> {
  if (rps <= 0) return { sent: 0, ok: 0, failed: 0, p95Ms: null };
  const latencies: number[] = [];
  let ok = 0;
  let failed = 0;
  let finish: (result: autocannon.Result) => void = () => undefined;
  let fail: (error: Error) => void = () => undefined;
  const finished = new Promise<autocannon.Result>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  const instance = autocannon({
    url,
    connections: Math.max(1, Math.min(64, Math.ceil(rps / 10))),
    overallRate: rps,
    duration: 1,
    timeout: 10,
    requests: [
      { method: 'GET', path: `/?user=demo-${Math.floor(Math.random() * 50)}` },
      { method: 'POST', path: '/messages', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message: `load ${Date.now()}` }) },
    ],
  }, (error, result) => (error ? fail(error as Error) : finish(result)));
  instance.on('response', (_client, statusCode, _bytes, responseTime) => {
    latencies.push(responseTime);
    if (statusCode >= 200 && statusCode < 400) ok += 1;
    else failed += 1;
  });
  const result = await finished;
  failed += result.errors; // connection errors, timeouts included
  latencies.sort((a, b) => a - b);
  return { sent: ok + failed, ok, failed, p95Ms: latencies.length > 0 ? quantileSorted(latencies, 0.95) : null };
}
