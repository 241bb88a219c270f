import { mkdir } from 'node:fs/promises';
import { serve } from '@hono/node-server';
import { Command, Option } from 'commander';
import { stopOnSignals } from '../cli/shutdown.js';
import { loadAppConfig } from './config.js';

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
    .action(async (options: Record<string, string>) => {
      const config = loadAppConfig({
        ...process.env,
        PORT: options.port,
        HOST: options.host,
        REDIS_URL: options.redisUrl,
        DATA_DIR: options.dataDir,
        OUTPUT_DIR: options.outputDir,
        UPLOAD_DIR: options.uploadDir,
      });
      await Promise.all([config.DATA_DIR, config.OUTPUT_DIR, config.UPLOAD_DIR].map((dir) => mkdir(dir, { recursive: true })));
      const { createAppDeps } = await import('./deps.js');
      const { createApp } = await import('./server.js');
      const deps = createAppDeps(config);
      const app = createApp(deps);
      const server = serve({ fetch: app.fetch, port: config.PORT, hostname: config.HOST }, (info) =>
        deps.logger.info({ port: info.port, host: config.HOST, dataDir: config.DATA_DIR }, 'app listening'),
      );
      stopOnSignals(
        deps.logger,
        'finishing in-flight requests',
        async () => {
          await new Promise<void>((done) => server.close(() => done()));
          await deps.close();
        },
        config.SHUTDOWN_GRACE_MS,
      );
    });
}
