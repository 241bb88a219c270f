import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { Command, Option } from 'commander';
import { startStoppableOnSignals } from '../cli/shutdown.js';
import { createLogger } from '../common/logger.js';
import { envFlagNames } from '../common/env.js';
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
      }, envFlagNames(command));
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
          const deps = createAppDeps(config, logger);
          const app = createApp(deps);
          // A port in use is one line and exit 1; the Redis connections just opened must not keep the process alive.
          const server = await serveApp(app.fetch, config.PORT, config.HOST, { registry: deps.registry }).catch(async (error: unknown) => {
            await deps.close();
            throw error;
          });
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
