/**
 * Renders a local HTML file in Debian's headless Chromium and returns the screenshot and what the
 * page logged to its console, so a test can check the page is not blank and raised no error.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { PNG } from 'pngjs';

export const chromiumPath = process.env.CHROMIUM ?? '/usr/bin/chromium';

export interface Rendering {
  png: PNG;
  /** Console messages the page produced (Chromium logs them as CONSOLE lines). */
  consoleLines: string[];
  /** Script errors and failed loads Chromium reported. */
  errorLines: string[];
}

export async function screenshot(htmlPath: string, pngPath: string, size = { width: 1400, height: 1000 }): Promise<Rendering> {
  const profile = await mkdtemp(join(tmpdir(), 'sw-chromium-'));
  try {
    const { stderr } = await promisify(execFile)(
      chromiumPath,
      [
        '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync', '--hide-scrollbars', `--user-data-dir=${profile}`,
        '--enable-logging=stderr', '--v=0', `--screenshot=${resolve(pngPath)}`, `--window-size=${size.width},${size.height}`,
        `file://${resolve(htmlPath)}`,
      ],
      { timeout: 90_000, maxBuffer: 16 * 1024 * 1024 },
    );
    const lines = stderr.split('\n');
    return {
      png: PNG.sync.read(await readFile(pngPath)),
      consoleLines: lines.filter((l) => /CONSOLE/.test(l)),
      errorLines: lines.filter((l) => /Uncaught|net::ERR_|Failed to load resource|Refused to/i.test(l)),
    };
  } finally {
    await rm(profile, { recursive: true, force: true });
  }
}

/** Distinct colours in the image (a blank page has one or two). */
export function distinctColours(png: PNG): number {
  const seen = new Set<number>();
  for (let i = 0; i < png.data.length; i += 4) seen.add(((png.data[i] as number) << 16) | ((png.data[i + 1] as number) << 8) | (png.data[i + 2] as number));
  return seen.size;
}

/** Share of pixels that differ from the most common colour (the background). */
export function inkFraction(png: PNG): number {
  const counts = new Map<number, number>();
  for (let i = 0; i < png.data.length; i += 4) {
    const key = ((png.data[i] as number) << 16) | ((png.data[i + 1] as number) << 8) | (png.data[i + 2] as number);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const background = Math.max(...counts.values());
  return 1 - background / (png.width * png.height);
}
