import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { parsePolicyConfig, PolicyConfigError, type PolicyConfig } from './policyConfig.js';

/**
 * Parses config text as JSON (`.json`) or YAML (anything else; YAML is a superset of JSON).
 * Pure: the file reading is in `loadPolicyConfigFile`.
 */
export function parsePolicyConfigText(text: string, fileName: string): PolicyConfig {
  let data: unknown;
  try {
    data = extname(fileName).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new PolicyConfigError(`cannot parse ${fileName}: ${message}`, [{ field: '(file)', message }]);
  }
  return parsePolicyConfig(data ?? {}, `policy config ${fileName}`);
}

export async function loadPolicyConfigFile(path: string): Promise<PolicyConfig> {
  return parsePolicyConfigText(await readFile(path, 'utf8'), path);
}
