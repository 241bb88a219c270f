import { Command } from 'commander';
import { failureOutcome } from './failure.js';
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
    program.addCommand(withExitOverride(command));
  }
  return program;
}

/** Usage errors of a command and of its own subcommands (`files wordcount`) reach main as errors, to exit 2. */
function withExitOverride(command: Command): Command {
  for (const sub of command.commands) withExitOverride(sub);
  return command.exitOverride();
}

/** Runs the command line `argv` names; its failure sets the exit code and leaves one line on stderr. */
export async function runProgram(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    const { exitCode, line } = failureOutcome(error, ['debug', 'trace'].includes(process.env.LOG_LEVEL ?? ''));
    if (line !== undefined) process.stderr.write(`${line}\n`);
    process.exitCode = exitCode;
  }
}

