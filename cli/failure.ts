import { CommanderError } from 'commander';
import { ConfigError } from '../common/env.js';
import { DependencyTimeoutError } from '../common/unanswered.js';
import { ExitCode } from './exitCodes.js';

/**
 * How a command that threw ends: its exit code, and the one line it leaves on stderr. Bad flags
 * and configuration (ConfigError, commander's own refusals) exit 2; anything else, a failure of
 * the run (a port in use, InfluxDB unreachable, a file that cannot be read), exits 1.
 */
export function failureOutcome(error: unknown, withStack = false): { exitCode: number; line: string | undefined } {
  // commander has printed its message already; --help and --version arrive here with exit code 0.
  if (error instanceof CommanderError) return { exitCode: error.exitCode === 0 ? ExitCode.ok : ExitCode.usage, line: undefined };
  if (error instanceof ConfigError) return { exitCode: ExitCode.usage, line: error.message };
  return { exitCode: ExitCode.failure, line: failureLine(error, withStack) };
}

/**
 * One line: the error's message and the causes under it (`fetch failed` says nothing without its
 * `connect ECONNREFUSED 127.0.0.1:1`). A dependency's timeout is the end of it: its message says
 * what was not answered, within what and set by what, and the library's error under it can only
 * say again that time ran out ("The operation was aborted due to timeout"). The stack is for
 * whoever debugs the program, not for the operator: only with `withStack`.
 */
export function failureLine(error: unknown, withStack = false): string {
  if (!(error instanceof Error)) return `error: ${String(error)}`;
  if (withStack && error.stack) return error.stack;
  const messages: string[] = [];
  for (let current: unknown = error; current !== undefined && messages.length < 5; current = current instanceof Error ? current.cause : undefined) {
    const message = current instanceof Error ? current.message : String(current);
    if (current !== error && isTimersOwnWords(current)) break;
    if (message && !messages.some((seen) => seen.includes(message))) messages.push(message);
    if (current instanceof DependencyTimeoutError) break;
  }
  return `error: ${messages.join(': ')}`.replace(/\s*\n\s*/g, ' ');
}

/** `AbortSignal.timeout`'s error, "The operation was aborted due to timeout": under a message of ours it says nothing more. */
function isTimersOwnWords(error: unknown): boolean {
  return error instanceof Error && error.name === 'TimeoutError';
}
