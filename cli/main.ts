#!/usr/bin/env node
import { endQuietlyWhenOutputCloses } from './closedOutput.js';
import { endOnSignalsWhileLoading } from './signalsWhileLoading.js';
import { endOnUnhandledSignalsAsPidOne } from './pidOneSignals.js';

// Before anything else is loaded: the program's modules take a while to load, and a signal
// meanwhile must end the process, in a container too (see endOnSignalsWhileLoading).
const command = process.argv.slice(2).find((arg) => !arg.startsWith('-'));
const name = command === undefined ? 'scalewright' : `scalewright ${command}`;
const handOverSignals = endOnSignalsWhileLoading(name);
endQuietlyWhenOutputCloses();
const { runProgram } = await import('./program.js');
// As PID 1, its stand-in for Node's default listens before the entry's listener goes, so that the
// signal is never left without one.
endOnUnhandledSignalsAsPidOne(name);
await handOverSignals();
await runProgram(process.argv, command);
