import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { Registry } from 'prom-client';
import { registerProcessMetrics } from '../http/processMetrics.js';
import { serveApp } from '../http/serveApp.js';
import { createLogger } from '../../common/logger.js';
import { ConfigError, envFlags } from '../../common/env.js';
import { secretFilesHelp } from '../../common/secretFiles.js';
import { startStoppableOnSignals } from '../../cli/shutdown.js';
import type { Logger } from '../../common/logger.js';
import { loadAppConfig, type AppConfig } from '../config.js';
import { workerHttp } from './workerHttp.js';
import { isQueueName, QUEUE_NAMES, type QueueName } from './jobTypes.js';
import { EXIT_CODES_HELP } from '../../cli/exitCodes.js';

/** `scalewright worker`: runs queued jobs. Same image as the app, another command. */
export function workerCommand(): Command {
  return new Command('worker')
    .description('Run queued jobs (randomize, word-count and even-sum chunks and reductions, multivac) from the Redis queues')
    .addOption(new Option('--redis-url <url>', 'Redis holding the job queues').env('REDIS_URL').default('redis://127.0.0.1:6379'))
    .addOption(new Option('-c, --concurrency <n>', 'jobs run at once per job type').env('WORKER_CONCURRENCY').default('2'))
    .addOption(new Option('--types <list>', `comma-separated queues to serve (of ${QUEUE_NAMES.join(', ')})`).env('WORKER_TYPES').default(QUEUE_NAMES.join(',')))
    .addOption(new Option('--metrics-port <port>', 'port of /metrics and /healthz (0 = none)').env('WORKER_METRICS_PORT').default('9465'))
    .addHelpText('after', '\nData, output and upload folders, the lock time and the memory budget are environment variables: see the README.')
    .addHelpText('after', secretFilesHelp(['REDIS_URL']))
    .addHelpText('after', EXIT_CODES_HELP)
    .action(async (options: Record<string, string>, command: Command) => {
      const config = loadAppConfig({ ...process.env, REDIS_URL: options.redisUrl, WORKER_CONCURRENCY: options.concurrency, WORKER_METRICS_PORT: options.metricsPort }, envFlags(command));
      const types = (options.types ?? '').split(',').map((type) => type.trim()).filter(Boolean);
      const unknown = types.filter((type) => !isQueueName(type));
      if (unknown.length > 0 || types.length === 0) throw new ConfigError(`--types (WORKER_TYPES): unknown queue(s) ${unknown.join(', ') || '(none given)'}; known: ${QUEUE_NAMES.join(', ')}`);
      const logger = createLogger('worker');
      // Signals are handled from here: loading the worker's modules takes a while (0.5 s and more
      // on a loaded machine), and a SIGTERM then must stop it, logged, not end it with nothing said.
      await startStoppableOnSignals(logger, 'letting running jobs finish', (signal) => startWorker(config, types as QueueName[], logger, signal), config.SHUTDOWN_GRACE_MS);
    });
}

/** Starts the workers of `types` and the /metrics + /healthz listener; `signal` aborted while the modules load: nothing is started. */
async function startWorker(config: AppConfig, types: QueueName[], logger: Logger, signal: AbortSignal): Promise<{ stop(): Promise<void> }> {
  logger.debug('starting: loading the modules');
  await Promise.all([config.OUTPUT_DIR, config.UPLOAD_DIR].map((dir) => mkdir(dir, { recursive: true })));

  const { startJobWorkers } = await import('./jobWorkers.js');
  const { createJobMetrics } = await import('./jobMetrics.js');
  const { connectRedis, outageLog } = await import('../store/redisClient.js');
  const { BlobStore } = await import('../store/blobStore.js');
  const { MultivacStore } = await import('../store/multivacStore.js');
  const { ChunkProgressStore } = await import('../store/chunkProgressStore.js');
  const { sweepOldFiles } = await import('../files/retentionSweep.js');
  const { WORD_COUNT_RESULT_FILES } = await import('./processors/wordCount.js');
  const { JobQueues } = await import('./jobQueues.js');
  const { registerQueueMetrics } = await import('../http/queueMetrics.js');
  signal.throwIfAborted();

  const registry = new Registry();
  registerProcessMetrics(registry);
  const http = workerHttp(registry, logger);
  // Listening comes first: a busy port is then one line and exit 1, with nothing opened yet. Opened
  // after the workers, their Redis connections kept the process running with the error printed.
  const server = config.WORKER_METRICS_PORT > 0 ? await serveApp(http.fetch, config.WORKER_METRICS_PORT, config.HOST, { portFlag: '--metrics-port', registry }) : undefined;

  const redis = connectRedis(config.REDIS_URL);
  const outage = outageLog(logger, 'worker');
  redis.on('error', outage.error).on('ready', outage.ready);
  const chunkProgress = new ChunkProgressStore(redis, config.RESULT_TTL_SECONDS);
  // Read-only here: the backlog of the queues this worker serves, for the scaler's queue-depth
  // target, and whether a file job has failed, for its running chunks to stop.
  const queues = new JobQueues({ redisUrl: config.REDIS_URL, resultTtlSeconds: config.RESULT_TTL_SECONDS, attempts: config.JOB_ATTEMPTS, chunkBytes: config.CHUNK_BYTES }, chunkProgress, logger);
  registerQueueMetrics(registry, queues, types as QueueName[]);
  const handBack = new AbortController();
  const workers = startJobWorkers(
    {
      config,
      logger,
      redisOutage: outage,
      blobs: new BlobStore(redis, config.RESULT_TTL_SECONDS),
      multivac: new MultivacStore(redis, config.RESULT_TTL_SECONDS),
      chunkProgress,
      metrics: createJobMetrics(registry),
      queues,
      handBack: handBack.signal,
    },
    types as QueueName[],
  );
  // "worker started" means /healthz and /metrics answer too: whoever waits for the line may scrape at once.
  logger.info({ types, concurrency: config.WORKER_CONCURRENCY, lockMs: config.WORKER_LOCK_MS }, 'worker started');

  const ttlMs = config.RESULT_TTL_SECONDS * 1000;
  const sweep = setInterval(() => {
    void sweepOldFiles(config.OUTPUT_DIR, WORD_COUNT_RESULT_FILES, ttlMs).then((removed) => removed.length && logger.info({ removed: removed.length }, 'expired result files removed'));
    void sweepOldFiles(config.UPLOAD_DIR, /\.upload$/, ttlMs);
    // Runs are removed when their job ends; this catches those of a worker that died meanwhile.
    void sweepOldFiles(join(config.OUTPUT_DIR, '.runs'), /^[0-9a-f]{32}$/, ttlMs, Date.now(), 'folders');
  }, Math.min(ttlMs, 600_000)).unref();

  return {
    stop: async () => {
      clearInterval(sweep);
      // Running jobs get the first half of the grace to finish; those still running then are handed
      // back to their queues (jobWorkers' handBack), which the second half leaves time for, rather
      // than left locked by a process about to exit.
      const handBackTimer = setTimeout(() => handBack.abort(), config.SHUTDOWN_GRACE_MS / 2);
      await Promise.all(workers.map((worker) => worker.close()));
      clearTimeout(handBackTimer);
      await queues.close();
      server?.close();
      redis.disconnect();
    },
  };
}
