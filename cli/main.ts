#!/usr/bin/env node
import { endQuietlyWhenOutputCloses } from './closedOutput.js';
import { endOnSignalsWhileLoading } from './signalsWhileLoading.js';

// Before anything else is loaded: the program's modules take a while to load, and a signal
// meanwhile must end the process, in a container too (see endOnSignalsWhileLoading).
const command = process.argv.slice(2).find((arg) => !arg.startsWith('-'));
const loaded = endOnSignalsWhileLoading(command === undefined ? 'scalewright' : `scalewright ${command}`);
endQuietlyWhenOutputCloses();
const { runProgram } = await import('./program.js');
loaded();
await runProgram(process.argv, command);
