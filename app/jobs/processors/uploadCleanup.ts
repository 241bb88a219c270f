import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { AppConfig } from '../../config.js';
import type { FileSource } from '../jobTypes.js';

/** An upload belongs to its job: once the job has finished or errored for good, it goes. */
export async function removeUpload(source: FileSource, config: AppConfig): Promise<void> {
  if (source.kind === 'upload') await rm(join(config.UPLOAD_DIR, source.file), { force: true });
}
