import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { Command, Option } from 'commander';
import { Registry, type Metric } from 'prom-client';
import { startStoppableOnSignals } from '../cli/shutdown.js';
import { createLogger } from '../common/logger.js';
import { envFlags } from '../common/env.js';
import { secretFilesHelp } from '../common/secretFiles.js';
import { loadAppConfig } from './config.js';
import { EXIT_CODES_HELP } from '../cli/exitCodes.js';
import { serveApp } from './http/serveApp.js';

/** `scalewright app`: the HTTP server of the workload app. */
export function appCommand(): Command {
  return new Command('app')
    .description('Serve the workload app (messages, word count, even sum, randomize, MultiVAC, hello) over HTTP')
    .addOption(new Option('-p, --port <port>', 'port to listen on').env('PORT').default('8080'))
    .addOption(new Option('--host <host>', 'address to bind').env('HOST').default('0.0.0.0'))
    .addOption(new Option('--redis-url <url>', 'Redis holding state and job queues').env('REDIS_URL').default('redis://127.0.0.1:6379'))
    .addOption(new Option('--data-dir <dir>', 'folder whose files /file and /evensum may read').env('DATA_DIR').default('./data'))
    .addOption(new Option('--output-dir <dir>', 'folder where word-count result files land').env('OUTPUT_DIR').default('./output'))
    .addOption(new Option('--upload-dir <dir>', 'folder where uploads are streamed').env('UPLOAD_DIR').default('./uploads'))
    .addHelpText('after', '\nMore settings (body limits, retention, timeouts) are environment variables: see the README.')
    .addHelpText('after', secretFilesHelp(['REDIS_URL']))
    .addHelpText('after', EXIT_CODES_HELP)
    .action(async (options: Record<string, string>, command: Command) => {
      const config = loadAppConfig({
        ...process.env,
        PORT: options.port,
        HOST: options.host,
        REDIS_URL: options.redisUrl,
        DATA_DIR: options.dataDir,
        OUTPUT_DIR: options.outputDir,
        UPLOAD_DIR: options.uploadDir,
      }, envFlags(command));
      const logger = createLogger('app');
      // Signals are handled from here: loading the app's modules takes a while (0.5 s and more on
      // a loaded machine), and a SIGTERM then must stop it, logged, not end it with nothing said.
      await startStoppableOnSignals(
        logger,
        'finishing in-flight requests',
        async (signal) => {
          logger.debug('starting: loading the modules');
          await Promise.all([config.DATA_DIR, config.OUTPUT_DIR, config.UPLOAD_DIR].map((dir) => mkdir(dir, { recursive: true })));
          const { createAppDeps } = await import('./deps.js');
          const { createApp } = await import('./server.js');
          // Stopped while loading: nothing was started (no Redis connection, no listener).
          signal.throwIfAborted();
          // Listening comes first, as in the worker: a port in use is then one line and exit 1 with
          // nothing opened yet. Opened first, the Redis connections were closed in the middle of
          // their handshake, which ioredis reports as an error: the outage log warned "redis
          // unreachable" of a Redis that was fine. Requests are served from the next line on (the
          // app is made before the event loop turns again); the guard only says so.
          const refusedBeforeRouting = new Registry();
          let app: ReturnType<typeof createApp> | undefined;
          const server = await serveApp(
            (request, env) => (app ? app.fetch(request, env) : Response.json({ error: 'the app is starting; retry in a moment' }, { status: 503 })),
            config.PORT,
            config.HOST,
            { registry: refusedBeforeRouting },
          );
          let deps: ReturnType<typeof createAppDeps>;
          try {
            deps = createAppDeps(config, logger);
            // prom-client types the metrics a registry lists as plain objects; they are the metrics themselves.
            for (const metric of refusedBeforeRouting.getMetricsAsArray() as unknown as Metric[]) deps.registry.registerMetric(metric);
            app = createApp(deps);
          } catch (error) {
            server.close(); // the listener must not keep a process that failed to start alive
            throw error;
          }
          deps.logger.info({ port: (server.address() as AddressInfo).port, host: config.HOST, dataDir: config.DATA_DIR }, 'app listening');
          return {
            stop: async () => {
              await new Promise<void>((done) => server.close(() => done()));
              await deps.close();
            },
          };
        },
        config.SHUTDOWN_GRACE_MS,
      );
    });
}
