import type { Logger } from '../common/logger.js';

/**
 * Stops a long-running command cleanly on SIGTERM or SIGINT: logs why, runs `stop` (finish
 * in-flight work, flush, hand leases back), exits 0; exits 1 if that takes longer than `graceMs`
 * or fails. A second signal while stopping is ignored rather than cutting the clean stop short.
 */
export function stopOnSignals(logger: Logger, what: string, stop: () => Promise<void>, graceMs = 10_000): void {
  let stopping = false;
  const handle = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, `shutting down: ${what}`);
    const force = setTimeout(() => {
      logger.error({ graceMs }, 'shutdown took too long; exiting');
      process.exit(1);
    }, graceMs);
    force.unref();
    stop().then(
      () => {
        clearTimeout(force);
        logger.info('stopped');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', handle);
  process.on('SIGINT', handle);
}
