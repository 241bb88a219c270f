import { basename } from 'node:path';
import { forEachLine } from './fileLines.js';
import { TraceParser, type Trace, type TraceReading } from './trace.js';

/**
 * Reads a trace file as a stream, line by line, through the same parser as `parseTraceCsv`: what
 * is held is the trace's rows (16 bytes a row), not the file's text and its lines as well.
 * Named after the file; a bad file throws TraceParseError.
 */
export async function readTraceFile(path: string, reading: TraceReading = {}): Promise<Trace> {
  const parser = new TraceParser(basename(path), reading);
  await forEachLine(path, (line) => parser.line(line));
  return parser.end();
}
