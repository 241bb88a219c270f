#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { ConfigError } from '../common/env.js';
import { ExitCode } from './exitCodes.js';
import { appCommand } from '../app/command.js';
import { workerCommand } from '../app/jobs/command.js';
import { filesCommand } from '../app/fileChunks/filesCommand.js';
import { simulateCommand } from '../scaler/simulator/command.js';
import { collectorCommand } from '../collector/command.js';
import { scalerCommand } from '../scaler/command.js';
import { reportCommand } from '../scaler/report/command.js';
import { demoCommand, largeFileDemoCommand } from '../demo/command.js';

/**
 * One entry point, one subcommand per long-running part. Each part owns its command definition;
 * this file only assembles them and maps failures to exit codes.
 */
export function buildProgram(): Command {
  const program = new Command('scalewright')
    .description('Metrics-driven autoscaler and observability platform, with its own workload app')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  for (const command of [appCommand(), workerCommand(), simulateCommand(), collectorCommand(), scalerCommand(), reportCommand(), filesCommand(), demoCommand(), largeFileDemoCommand()]) {
    program.addCommand(command.exitOverride());
  }
  return program;
}

async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version arrive here as "errors" with exit code 0.
      process.exitCode = error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
      return;
    }
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exitCode = ExitCode.usage;
      return;
    }
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = ExitCode.failure;
  }
}

await main(process.argv);
