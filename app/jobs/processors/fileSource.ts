import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { AppConfig } from '../../config.js';
import { confinedPath } from '../../files/confinedPath.js';
import type { FileSource } from '../jobTypes.js';
import { BadJobInput } from './processorContext.js';

/**
 * The absolute path of a job's input. A data-dir path is confined again here: the file may have
 * been replaced (by a symlink, say) between the request and the job.
 */
export async function resolveFileSource(source: FileSource, config: AppConfig): Promise<{ path: string; bytes: number }> {
  if (source.kind === 'upload') {
    const path = join(config.UPLOAD_DIR, source.file);
    const info = await stat(path).catch(() => undefined);
    if (!info) throw new BadJobInput('the uploaded file is gone (expired or removed)');
    return { path, bytes: info.size };
  }
  const found = await confinedPath(config.DATA_DIR, source.path);
  if (!found.ok) throw new BadJobInput(found.reason);
  return { path: found.absolute, bytes: found.bytes };
}
