import { DEMO_LABEL } from './demoStack.js';

/** What a demo run may have made, named as an operator finds it. */
export interface RunLeftovers {
  readonly runId: string;
  readonly network: string;
  /** The shared data volume (the large-file demo). */
  readonly volume?: string;
}

/**
 * The shell commands that remove by hand what a demo run made, for when its teardown was cut
 * short (a second interrupt): every container of the run (the scaler's clones too, by their
 * label), then its network and volume, which Docker refuses to remove while a container uses them.
 */
export function runLeftoverCommands(run: RunLeftovers): string[] {
  return [
    `docker rm -f $(docker ps -aq --filter label=${DEMO_LABEL}=${run.runId})`,
    `docker network rm ${run.network}`,
    ...(run.volume ? [`docker volume rm ${run.volume}`] : []),
  ];
}

/** The command that removes a file the demo was writing or had written. */
export function fileLeftoverCommand(path: string): string {
  return `rm -f '${path.replaceAll("'", `'\\''`)}'`;
}

/**
 * What a second interrupt says on stderr before the process exits at once: that the teardown the
 * first one started did not end, and the commands that remove what may be left (none: nothing was
 * left to remove).
 */
export function secondInterruptMessage(command: string, signal: string, byHand: readonly string[]): string {
  if (byHand.length === 0) return `${command}: interrupted again by ${signal}: exiting at once; nothing was left to remove\n`;
  return [
    `${command}: interrupted again by ${signal}: exiting before the teardown ended; what may be left is removed by:`,
    ...byHand.map((line) => `  ${line}`),
    '',
  ].join('\n');
}
