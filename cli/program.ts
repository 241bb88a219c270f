import { Command } from 'commander';
import { logLevel } from '../common/logger.js';
import { failureOutcome } from './failure.js';

/**
 * Each subcommand's definition, in the order `--help` lists them, loaded on demand: a command's
 * module brings what it needs to run (the app's HTTP stack, the scaler's policies and InfluxDB
 * readers, the demo's Docker client), and `scalewright app` has no use for the others'. Loading
 * only the one named cut the app's start to listening by about 0.2 s here, ten times that at a
 * tenth of a core, where a new replica starts.
 */
const COMMANDS: ReadonlyArray<readonly [string, () => Promise<Command[]>]> = [
  ['app', async () => [(await import('../app/command.js')).appCommand()]],
  ['worker', async () => [(await import('../app/jobs/command.js')).workerCommand()]],
  ['simulate', async () => [(await import('../scaler/simulator/command.js')).simulateCommand()]],
  ['collector', async () => [(await import('../collector/command.js')).collectorCommand()]],
  ['scaler', async () => [(await import('../scaler/command.js')).scalerCommand()]],
  ['report', async () => [(await import('../scaler/report/command.js')).reportCommand()]],
  ['files', async () => [(await import('../app/fileChunks/filesCommand.js')).filesCommand()]],
  ['demo', async () => [(await import('../demo/command.js')).demoCommand()]],
  ['demo-large-file', async () => [(await import('../demo/command.js')).largeFileDemoCommand()]],
];

/**
 * One entry point, one subcommand per long-running part. Each part owns its command definition;
 * this file only assembles them and maps failures to exit codes. With `named`, a known command's
 * name, only that command is loaded; otherwise (no command, `help`, a name that is none) all of
 * them, for the program's help and its suggestions.
 */
export async function buildProgram(named?: string): Promise<Command> {
  const program = new Command('scalewright')
    .description('Metrics-driven autoscaler and observability platform, with its own workload app')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    // Before any command runs, not for --help: a mistyped LOG_LEVEL is refused by every command alike.
    .hook('preAction', () => void logLevel());
  const known = COMMANDS.some(([name]) => name === named);
  for (const [name, load] of COMMANDS) {
    if (known && name !== named) continue;
    for (const command of await load()) program.addCommand(withExitOverride(command));
  }
  return program;
}

/** Usage errors of a command and of its own subcommands (`files wordcount`) reach main as errors, to exit 2. */
function withExitOverride(command: Command): Command {
  for (const sub of command.commands) withExitOverride(sub);
  return command.exitOverride();
}

/**
 * Runs the command line `argv`, whose command is `named` (the entry has read it already); its
 * failure sets the exit code and leaves one line on stderr.
 */
export async function runProgram(argv: string[], named: string | undefined): Promise<void> {
  try {
    await (await buildProgram(named)).parseAsync(argv);
  } catch (error) {
    const { exitCode, line } = failureOutcome(error, ['debug', 'trace'].includes(process.env.LOG_LEVEL ?? ''));
    if (line !== undefined) process.stderr.write(`${line}\n`);
    process.exitCode = exitCode;
  }
}

