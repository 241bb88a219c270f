/**
 * Real containers for the collector's tests, from the local base image (node only, no shell):
 * each runs a `node -e` script. Every container carries `scalewright.test=<run id>` so that a
 * suite's afterAll removes exactly its own containers and never anyone else's.
 */
import Docker from 'dockerode';

export { baseImage, docker, ensureBaseImage, newRunId, testLabel } from '../../support/docker.js';
import { baseImage, docker, testLabel } from '../../support/docker.js';

export interface ContainerSpec {
  readonly runId: string;
  readonly name: string;
  readonly script: string;
  readonly labels?: Record<string, string>;
  readonly cpus?: number;
  readonly memoryBytes?: number;
  /** Memory + swap; equal to memoryBytes means no swap, so a hog is OOM-killed. */
  readonly memorySwapBytes?: number;
}

export async function startContainer(spec: ContainerSpec): Promise<Docker.Container> {
  const container = await docker.createContainer({
    Image: baseImage,
    name: `${spec.runId}-${spec.name}`,
    Cmd: ['node', '-e', spec.script],
    Labels: { [testLabel]: spec.runId, ...spec.labels },
    HostConfig: {
      ...(spec.cpus !== undefined ? { NanoCpus: Math.round(spec.cpus * 1e9) } : {}),
      ...(spec.memoryBytes !== undefined ? { Memory: spec.memoryBytes } : {}),
      ...(spec.memorySwapBytes !== undefined ? { MemorySwap: spec.memorySwapBytes } : {}),
    },
  });
  await container.start();
  return container;
}

/** Removes every container of this run (and only those). */
export async function removeRunContainers(runId: string): Promise<void> {
  const containers = await docker.listContainers({ all: true, filters: { label: [`${testLabel}=${runId}`] } });
  await Promise.all(containers.map((info) => docker.getContainer(info.Id).remove({ force: true }).catch(() => undefined)));
}

/** Scripts for the test containers. */
export const scripts = {
  /**
   * A worker thread wants a whole core, forever; the main thread answers :9101 with the CPU time
   * the process has used by its own account (getrusage, all threads), the reference the
   * collector's cgroup reading is checked against when other load on the host keeps the
   * container below its limit.
   */
  hungryBurner: `
    const { Worker } = require('node:worker_threads');
    new Worker('for (;;) {}', { eval: true });
    require('node:http').createServer((req, res) => {
      const u = process.cpuUsage();
      res.end(JSON.stringify({ cpuSeconds: (u.user + u.system) / 1e6 }));
    }).listen(9101);`,
  /**
   * Burns `cores` of CPU on average, regulating itself with its own getrusage (process.cpuUsage),
   * and answers :9101 with that account, like hungryBurner.
   */
  steadyBurner: (cores: number) => `
    const target = ${cores}; const t0 = process.hrtime.bigint(); const c0 = process.cpuUsage();
    const tick = () => {
      const elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
      const u = process.cpuUsage(c0); const used = (u.user + u.system) / 1e6;
      if (used < target * elapsed) { const end = performance.now() + 2; while (performance.now() < end) {} setImmediate(tick); }
      else setTimeout(tick, 2);
    };
    tick();
    require('node:http').createServer((req, res) => {
      const u = process.cpuUsage();
      res.end(JSON.stringify({ cpuSeconds: (u.user + u.system) / 1e6 }));
    }).listen(9101);`,
  /** Idles, then after `afterMs` holds `bytes` of touched memory. */
  memoryHolder: (bytes: number, afterMs: number) => `
    setTimeout(() => { globalThis.held = Buffer.alloc(${bytes}).fill(1); }, ${afterMs});
    setInterval(() => {}, 1000);`,
  /** Stays alive; a child process allocates until the kernel's OOM killer ends it. */
  oomChild: `
    const { spawn } = require('node:child_process');
    spawn(process.execPath, ['-e', 'const a = []; for (;;) a.push(Buffer.alloc(1 << 20).fill(1));'], { stdio: 'ignore' });
    setInterval(() => {}, 1000);`,
  /**
   * Serves Prometheus text on :9100/metrics, its counters derived from the time since start so the
   * rates are exact: 20 requests/s (2/s of them 500s), latencies 90% in (0.05, 0.1] and 10% in
   * (0.5, 1], a queue of 7 jobs, 2 jobs/s finishing in (1, 2.5]. Like a prom-client app, it
   * also exposes ~100 lines of runtime metrics the collector has no use for.
   */
  metricsServer: `
    const started = Date.now() / 1000;
    const runtime = [];
    for (const kind of ['minor', 'major', 'incremental', 'weakcb']) {
      runtime.push('# HELP nodejs_gc_duration_seconds GC duration', '# TYPE nodejs_gc_duration_seconds histogram');
      for (const le of ['0.001', '0.01', '0.1', '1', '2', '5', '+Inf']) runtime.push('nodejs_gc_duration_seconds_bucket{le="' + le + '",kind="' + kind + '"} 12');
      runtime.push('nodejs_gc_duration_seconds_sum{kind="' + kind + '"} 0.5', 'nodejs_gc_duration_seconds_count{kind="' + kind + '"} 12');
    }
    for (const space of ['read_only', 'new', 'old', 'code', 'shared', 'trusted', 'new_large_object', 'large_object', 'code_large_object', 'shared_large_object']) {
      for (const what of ['total', 'used', 'available']) runtime.push('nodejs_heap_space_size_' + what + '_bytes{space="' + space + '"} 1048576');
    }
    for (const name of ['process_cpu_user_seconds_total', 'process_cpu_system_seconds_total', 'process_resident_memory_bytes', 'process_virtual_memory_bytes', 'process_heap_bytes', 'process_open_fds', 'process_max_fds', 'nodejs_eventloop_lag_seconds', 'nodejs_eventloop_lag_mean_seconds', 'nodejs_eventloop_lag_p99_seconds', 'nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_heap_size_total_bytes', 'nodejs_heap_size_used_bytes', 'nodejs_external_memory_bytes']) {
      runtime.push('# HELP ' + name + ' runtime', '# TYPE ' + name + ' gauge', name + ' 42');
    }
    require('node:http').createServer((req, res) => {
      const t = Date.now() / 1000 - started;
      const ok = Math.floor(t * 18), errors = Math.floor(t * 2), n = ok + errors;
      const fast = Math.floor(n * 0.9), jobs = Math.floor(t * 2);
      const lines = [
        '# HELP http_requests_total Requests', '# TYPE http_requests_total counter',
        'http_requests_total{method="GET",route="/x",status="200"} ' + ok,
        'http_requests_total{method="GET",route="/x",status="500"} ' + errors,
        '# TYPE http_request_duration_seconds histogram',
        ...[['0.05', 0], ['0.1', fast], ['0.25', fast], ['0.5', fast], ['1', n], ['+Inf', n]].map(([le, c]) => 'http_request_duration_seconds_bucket{method="GET",route="/x",le="' + le + '"} ' + c),
        'http_request_duration_seconds_sum{method="GET",route="/x"} ' + (n * 0.1),
        'http_request_duration_seconds_count{method="GET",route="/x"} ' + n,
        '# TYPE http_requests_in_flight gauge', 'http_requests_in_flight 3',
        '# TYPE job_queue_depth gauge', 'job_queue_depth{type="wordcount"} 7',
        '# TYPE job_execution_seconds histogram',
        ...[['1', 0], ['2.5', jobs], ['+Inf', jobs]].map(([le, c]) => 'job_execution_seconds_bucket{type="wordcount",le="' + le + '"} ' + c),
        'job_execution_seconds_sum{type="wordcount"} ' + (jobs * 2), 'job_execution_seconds_count{type="wordcount"} ' + jobs,
        '# TYPE job_lead_time_seconds histogram',
        ...[['1', 0], ['5', jobs], ['+Inf', jobs]].map(([le, c]) => 'job_lead_time_seconds_bucket{type="wordcount",le="' + le + '"} ' + c),
        'job_lead_time_seconds_sum{type="wordcount"} ' + (jobs * 3), 'job_lead_time_seconds_count{type="wordcount"} ' + jobs,
        '# TYPE process_start_time_seconds gauge', 'process_start_time_seconds ' + started,
        ...runtime,
      ];
      res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' }).end(lines.join('\\n') + '\\n');
    }).listen(9100);`,
};
