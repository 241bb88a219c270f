/**
 * One measured run of the large-file engines, in its own process so that the benchmark can read
 * its wall time and peak RSS the same way as the C reference's. Prints one JSON line on stdout.
 *   node dist/bench/largeFilesChild.js wordcount INPUT OUTPUT THREADS BUDGET_BYTES TMPDIR
 *   node dist/bench/largeFilesChild.js evensum INPUT THREADS
 */
import { countWordsToFile } from '../app/wordcount/index.js';
import { sumEvenNumbersInFile } from '../app/evensum/index.js';

const [kind, ...args] = process.argv.slice(2);
const started = performance.now();
if (kind === 'wordcount') {
  const [input, output, threads, budget, tmpDir] = args as [string, string, string, string, string];
  const result = await countWordsToFile(input, output, {
    threads: Number(threads),
    memoryBudgetBytes: Number(budget),
    tmpDir,
  });
  process.stdout.write(`${JSON.stringify({ ...result, engineMs: performance.now() - started })}\n`);
} else if (kind === 'evensum') {
  const [input, threads] = args as [string, string];
  const result = await sumEvenNumbersInFile(input, { threads: Number(threads) });
  process.stdout.write(`${JSON.stringify({ ...result, engineMs: performance.now() - started })}\n`);
} else {
  process.stderr.write('usage: largeFilesChild.js wordcount|evensum ...\n');
  process.exitCode = 2;
}
