/**
 * Every number of the app's and workers' configuration has the bounds its code needs: a value it
 * cannot work with is refused when the configuration is read (the command then exits 2), with the
 * variable, the value and the range, instead of failing every request or job later. Before,
 * CHUNK_BYTES=0 started and then answered every file job 500 (`RangeError: bad chunk size: 0`),
 * and WORDCOUNT_MEMORY_BUDGET=0 ran silently on 64 KiB.
 */
import { describe, expect, it } from 'vitest';
import { loadAppConfig } from '../../app/config.js';
import { bytesVar, intVar } from '../../common/env.js';

const refusal = (env: Record<string, string>): string => {
  try {
    loadAppConfig(env);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error(`accepted: ${JSON.stringify(env)}`);
};

describe('the bounds of the app and worker configuration', () => {
  it.each([
    // planChunks needs a byte at least; below a page a file only becomes more chunk jobs.
    ['CHUNK_BYTES', '0', 'CHUNK_BYTES: Too small: expected a size of at least 4KiB, got "0"'],
    ['CHUNK_BYTES', '1KiB', 'CHUNK_BYTES: Too small: expected a size of at least 4KiB, got "1KiB" (1024 bytes)'],
    // The engine's floor: below it, the budget was raised to it, saying nothing.
    ['WORDCOUNT_MEMORY_BUDGET', '0', 'WORDCOUNT_MEMORY_BUDGET: Too small: expected a size from 64KiB to 4GiB, got "0"'],
    ['WORDCOUNT_MEMORY_BUDGET', '32', 'WORDCOUNT_MEMORY_BUDGET: Too small: expected a size from 64KiB to 4GiB, got "32"'],
    // Its word offsets are 32-bit: the arena must stay within 2 GiB.
    ['WORDCOUNT_MEMORY_BUDGET', '8GiB', 'WORDCOUNT_MEMORY_BUDGET: Too big: expected a size from 64KiB to 4GiB, got "8GiB" (8589934592 bytes)'],
    // Node's timers stop at 2^31 − 1 ms: a longer delay fires after 1 ms.
    ['REQUEST_TIMEOUT_MS', '3000000000', 'REQUEST_TIMEOUT_MS: Too big: expected a whole number from 100 to 2147483647, got "3000000000"'],
    ['UPLOAD_IDLE_TIMEOUT_MS', '2147483648', 'UPLOAD_IDLE_TIMEOUT_MS: Too big: expected a whole number from 100 to 2147483647, got "2147483648"'],
    ['WORKER_LOCK_MS', '9999999999', 'WORKER_LOCK_MS: Too big: expected a whole number from 1000 to 2147483647, got "9999999999"'],
    ['SHUTDOWN_GRACE_MS', '2147483648', 'SHUTDOWN_GRACE_MS: Too big: expected a whole number from 0 to 2147483647, got "2147483648"'],
    // One string, one Redis value; one buffer, one Redis value; one RGBA buffer of 4 bytes a pixel.
    ['JSON_BODY_LIMIT', '1GiB', 'JSON_BODY_LIMIT: Too big: expected a size of at most 256MiB, got "1GiB" (1073741824 bytes)'],
    ['IMAGE_BODY_LIMIT', '1GiB', 'IMAGE_BODY_LIMIT: Too big: expected a size of at most 512MiB, got "1GiB" (1073741824 bytes)'],
    ['IMAGE_MAX_PIXELS', '2000000000', 'IMAGE_MAX_PIXELS: Too big: expected a whole number from 1 to 1073741824, got "2000000000"'],
    ['WORKER_CONCURRENCY', '0', 'WORKER_CONCURRENCY: Too small: expected a whole number from 1 to 64, got "0"'],
    ['JOB_ATTEMPTS', '21', 'JOB_ATTEMPTS: Too big: expected a whole number from 1 to 20, got "21"'],
    ['RESULT_TTL_SECONDS', '59', 'RESULT_TTL_SECONDS: Too small: expected a whole number of at least 60, got "59"'],
  ])('refuses %s=%s, naming the variable, the value and the range', (variable, value, message) => {
    expect(refusal({ [variable]: value })).toBe(`invalid configuration: ${message}`);
  });

  it('takes the values at the bounds', () => {
    const config = loadAppConfig({
      CHUNK_BYTES: '4KiB',
      WORDCOUNT_MEMORY_BUDGET: '64KiB',
      REQUEST_TIMEOUT_MS: '2147483647',
      SHUTDOWN_GRACE_MS: '0',
      JSON_BODY_LIMIT: '256MiB',
      IMAGE_BODY_LIMIT: '0',
      IMAGE_MAX_PIXELS: String(2 ** 30),
    });
    expect(config).toMatchObject({ CHUNK_BYTES: 4096, WORDCOUNT_MEMORY_BUDGET: 65536, REQUEST_TIMEOUT_MS: 2147483647, SHUTDOWN_GRACE_MS: 0, JSON_BODY_LIMIT: 256 << 20, IMAGE_BODY_LIMIT: 0 });
  });

  it('keeps its defaults within their own bounds', () => {
    expect(loadAppConfig({})).toMatchObject({ CHUNK_BYTES: 64 << 20, WORDCOUNT_MEMORY_BUDGET: 32 << 20, REQUEST_TIMEOUT_MS: 30_000 });
  });

  it('names the flag beside the variable when the value may have come from it', () => {
    expect(() => loadAppConfig({ PORT: '0x50' }, { PORT: { flag: '--port', source: 'cli' } })).toThrow('invalid configuration: --port (PORT): expected a whole number from 1 to 65535, got "0x50"');
  });
});

describe('a whole number (intVar) and a size (bytesVar)', () => {
  const whole = intVar(5, 1, 10);
  const size = bytesVar(1024);

  it('reads decimal digits only: hex, exponents and trailing letters are refused, not read as something else', () => {
    for (const text of ['0x5', '5e0', '5abc', '5.5', ' ', 'five']) {
      expect(whole.safeParse(text).success, text).toBe(false);
    }
    expect(whole.parse(' 7 ')).toBe(7);
    expect(whole.parse('')).toBe(5);
    expect(whole.parse(undefined)).toBe(5);
  });

  it('says what a size may be when it is none', () => {
    expect(size.safeParse('lots').error?.issues[0]?.message).toBe('not a byte size: expected a size (a number of bytes, or with a unit: 1048576, 10MB, 2GiB), got "lots"');
    expect(size.parse('2KiB')).toBe(2048);
  });
});
