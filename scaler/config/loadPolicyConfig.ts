import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { requireExisting } from '../../common/flagPaths.js';
import { parsePolicyConfig, PolicyConfigError, type PolicyConfig } from './policyConfig.js';

/**
 * Parses config text as JSON (`.json`) or YAML (anything else; YAML is a superset of JSON).
 * `underlay` gives the values of the fields the text leaves out, before the config's own defaults
 * (`simulate` has room for 40 replicas where the scaler's default is 10). Pure: the file reading
 * is in `loadPolicyConfigFile`.
 */
export function parsePolicyConfigText(text: string, fileName: string, underlay: PlainObject = {}): PolicyConfig {
  let data: unknown;
  try {
    data = extname(fileName).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    // One line: YAML's messages go on with an excerpt of the file under a caret.
    const message = (error instanceof Error ? error.message : String(error)).split('\n')[0]!.replace(/:$/, '');
    throw new PolicyConfigError(`cannot parse ${fileName}: ${message}`, [{ field: '(file)', message }]);
  }
  return parsePolicyConfig(laidOver(data ?? {}, underlay), `policy config ${fileName}`);
}

type PlainObject = { readonly [key: string]: unknown };

const isPlainObject = (value: unknown): value is PlainObject => typeof value === 'object' && value !== null && !Array.isArray(value);

/** `data` with what it leaves out taken from `underlay`, object by object; anything not an object is left to the validation. */
function laidOver(data: unknown, underlay: PlainObject): unknown {
  if (!isPlainObject(data)) return data;
  const merged: Record<string, unknown> = { ...data };
  for (const [key, value] of Object.entries(underlay)) merged[key] = key in data ? (isPlainObject(value) ? laidOver(data[key], value) : data[key]) : value;
  return merged;
}

/** A policy config is a few hundred bytes: a file over this is not one (and is not read). */
export const MAX_POLICY_CONFIG_BYTES = 1_000_000;

/**
 * Reads and validates a policy config file. A missing file, a folder, a device or a file too big
 * is a ConfigError naming `flag` (the flag or variable that gave the path), as a bad field is.
 */
export async function loadPolicyConfigFile(path: string, flag = 'policy config', underlay: PlainObject = {}): Promise<PolicyConfig> {
  requireExisting(flag, path, 'file', { maxBytes: MAX_POLICY_CONFIG_BYTES, what: 'a policy config' });
  return parsePolicyConfigText(await readFile(path, 'utf8'), path, underlay);
}
