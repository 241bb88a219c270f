import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify as toYaml } from 'yaml';
import { ConfigError } from '../../common/env.js';
import { configInputFromLabels, POLICY_LABELS, resolvePolicyConfig } from '../../scaler/config/labels.js';
import { parsePolicyConfigText } from '../../scaler/config/loadPolicyConfig.js';
import { parsePolicyConfig, PolicyConfigError, type PolicyConfig } from '../../scaler/config/policyConfig.js';
import { propertySettings } from '../support/properties.js';

/**
 * Property tests of the service policy config (`scaler/config/`): whatever a file, a JSON value
 * or a container's labels say, the result is a config that keeps the schema's promises or a
 * PolicyConfigError (a ConfigError: exit code 2 and one line), never another error.
 */

/** Runs `parse`; a PolicyConfigError is given back, any other error rethrown (and fails the property). */
function configOrError(parse: () => PolicyConfig): PolicyConfig | PolicyConfigError {
  try {
    return parse();
  } catch (error) {
    if (error instanceof PolicyConfigError) return error;
    throw error;
  }
}

/** Every number of a config, with its dotted path. */
function numbersOf(value: unknown, path = ''): [string, number][] {
  if (typeof value === 'number') return [[path, value]];
  if (typeof value === 'object' && value !== null) return Object.entries(value).flatMap(([key, inner]) => numbersOf(inner, path ? `${path}.${key}` : key));
  return [];
}

/** What the schema (`policyConfigSchema`) promises of any config it accepts. */
function expectInvariants(config: PolicyConfig): void {
  for (const [path, value] of numbersOf(config)) expect(Number.isFinite(value), path).toBe(true);
  expect(['adaptive', 'hpa']).toContain(config.policy);
  expect(Number.isInteger(config.replicas.min) && Number.isInteger(config.replicas.max)).toBe(true);
  expect(1 <= config.replicas.min && config.replicas.min <= config.replicas.max && config.replicas.max <= 1000).toBe(true);
  expect(0 < config.cpu.minCores && config.cpu.minCores <= config.cpu.maxCores).toBe(true);
  expect(0 < config.memory.minBytes && config.memory.minBytes <= config.memory.maxBytes).toBe(true);
  for (const fraction of [config.targets.cpuUtilisation, config.targets.adaptiveUtilisation, config.targets.latencyCorrectionFloor, config.vertical.percentile]) {
    expect(0 < fraction && fraction <= 1).toBe(true);
  }
  for (const positive of [config.targets.p95LatencyMs, config.targets.rpsPerReplica ?? 1, config.targets.queueDepthPerReplica ?? 1, config.vertical.oomMinBumpBytes, config.vertical.floorCpuCores, config.vertical.floorMemoryBytes]) {
    expect(positive).toBeGreaterThan(0);
  }
  for (const seconds of [...Object.values(config.windows), ...Object.values(config.cooldowns), config.startupSeconds]) expect(0 <= seconds && seconds <= 86_400).toBe(true);
  expect(0 < config.evaluationSeconds && config.evaluationSeconds <= 3600).toBe(true);
  expect(Number.isInteger(config.bridgeSeconds) && config.bridgeSeconds >= 1 && config.bridgeSeconds <= 3600).toBe(true);
  expect(0 <= config.tolerance && config.tolerance <= 1).toBe(true);
  expect(config.vertical.oomBumpFactor).toBeGreaterThanOrEqual(1);
}

/** What a PolicyConfigError promises: a ConfigError whose one line names every problem's field. */
function expectExplained(error: PolicyConfigError, prefix: RegExp): void {
  expect(error).toBeInstanceOf(ConfigError);
  expect(error.message).toMatch(prefix);
  expect(error.problems.length).toBeGreaterThan(0);
  for (const problem of error.problems) {
    expect(problem.field.length).toBeGreaterThan(0);
    // A file that does not parse is the problem of `(file)`, and the line says what the parser said.
    expect(error.message).toContain(problem.field === '(file)' ? problem.message : `${problem.field}: ${problem.message}`);
  }
}

/** Numbers a field may get: in every schema range, at its edges, out of them, and not numbers at all. */
const noNegativeZero = (n: number) => (n === 0 ? 0 : n);
const fieldValue = fc.oneof(
  { weight: 4, arbitrary: fc.double({ min: 0, max: 1, noNaN: true }).map(noNegativeZero) },
  { weight: 3, arbitrary: fc.integer({ min: -2, max: 2000 }) },
  { weight: 2, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }).map(noNegativeZero) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>('256MiB', '1GB', '0', 'adaptive', 'hpa', null, true, [], {}, '1e3') },
);
/** A config-shaped object: the schema's sections and fields, each present or not, with values in and out of range, and now and then a key the schema does not know. */
const configLike: fc.Arbitrary<Record<string, unknown>> = fc
  .record(
    {
      policy: fc.constantFrom<unknown>('adaptive', 'hpa', 'vpa', 3),
      replicas: fc.record({ min: fieldValue, max: fieldValue }, { requiredKeys: [] }),
      cpu: fc.record({ minCores: fieldValue, maxCores: fieldValue }, { requiredKeys: [] }),
      memory: fc.record({ minBytes: fieldValue, maxBytes: fieldValue }, { requiredKeys: [] }),
      targets: fc.record({ cpuUtilisation: fieldValue, adaptiveUtilisation: fieldValue, burstHeadroom: fieldValue, rpsPerReplica: fieldValue, p95LatencyMs: fieldValue, latencyCorrectionFloor: fieldValue, queueDepthPerReplica: fieldValue }, { requiredKeys: [] }),
      windows: fc.record({ stableSeconds: fieldValue, panicSeconds: fieldValue, metricSeconds: fieldValue }, { requiredKeys: [] }),
      startupSeconds: fieldValue,
      evaluationSeconds: fieldValue,
      bridgeSeconds: fieldValue,
      tolerance: fieldValue,
      vertical: fc.record({ percentile: fieldValue, oomBumpFactor: fieldValue, oomMinBumpBytes: fieldValue, floorMemoryBytes: fieldValue }, { requiredKeys: [] }),
      replica: fieldValue,
    },
    { requiredKeys: [] },
  );

/** A config the schema accepts, as a file would give it (numbers in range, byte sizes with units or not). */
const validInput = fc
  .record({
    policy: fc.constantFrom('adaptive', 'hpa'),
    replicas: fc.tuple(fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 1, max: 1000 })).map(([a, b]) => ({ min: Math.min(a, b), max: Math.max(a, b) })),
    cpu: fc.tuple(fc.double({ min: 0.001, max: 64, noNaN: true }), fc.double({ min: 0.001, max: 64, noNaN: true })).map(([a, b]) => ({ minCores: Math.min(a, b), maxCores: Math.max(a, b) })),
    memory: fc.tuple(fc.integer({ min: 1, max: 4096 }), fc.integer({ min: 1, max: 4096 }), fc.boolean()).map(([a, b, unit]) => ({ minBytes: unit ? `${Math.min(a, b)}MiB` : Math.min(a, b) * 2 ** 20, maxBytes: unit ? `${Math.max(a, b)}MiB` : Math.max(a, b) * 2 ** 20 })),
    targets: fc.record({ cpuUtilisation: fc.double({ min: 0.01, max: 1, noNaN: true }), rpsPerReplica: fc.double({ min: 0.5, max: 1e4, noNaN: true }), queueDepthPerReplica: fc.integer({ min: 1, max: 100 }) }, { requiredKeys: [] }),
    windows: fc.record({ stableSeconds: fc.integer({ min: 0, max: 86_400 }), panicSeconds: fc.double({ min: 0, max: 600, noNaN: true }).map(noNegativeZero) }, { requiredKeys: [] }),
    evaluationSeconds: fc.double({ min: 0.1, max: 3600, noNaN: true }),
    bridgeSeconds: fc.integer({ min: 1, max: 3600 }),
    tolerance: fc.double({ min: 0, max: 1, noNaN: true }).map(noNegativeZero),
  }, { requiredKeys: [] });

describe('policy config parsing, as properties', () => {
  it('any JSON value, or any config-shaped object, parses to a config that keeps the schema\'s invariants, or is refused with a PolicyConfigError naming each bad field', () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), configLike, validInput), (input) => {
        const result = configOrError(() => parsePolicyConfig(input));
        if (result instanceof PolicyConfigError) expectExplained(result, /^invalid policy config: /);
        else expectInvariants(result);
      }),
      propertySettings(150),
    );
  });

  it('a config the schema accepts is a fixed point: parsed again, or written as JSON and parsed back, it is the same config', () => {
    fc.assert(
      fc.property(fc.oneof(configLike, validInput), (input) => {
        const config = configOrError(() => parsePolicyConfig(input));
        if (config instanceof PolicyConfigError) return;
        expect(parsePolicyConfig(config)).toEqual(config);
        expect(parsePolicyConfigText(JSON.stringify(config), 'written.json')).toEqual(config);
        expect(parsePolicyConfigText(JSON.stringify(config, null, 2), 'written.yaml')).toEqual(config);
      }),
      propertySettings(100),
    );
  });

  it('a generated valid config is accepted, and every field it names is kept (byte sizes with a unit as their bytes)', () => {
    fc.assert(
      fc.property(validInput, (input) => {
        const config = parsePolicyConfig(input);
        expectInvariants(config);
        const bytes = (size: string | number) => (typeof size === 'number' ? size : Number(size.replace('MiB', '')) * 2 ** 20);
        expect(config).toMatchObject({ ...input, ...(input.memory ? { memory: { minBytes: bytes(input.memory.minBytes), maxBytes: bytes(input.memory.maxBytes) } } : {}) });
      }),
      propertySettings(120),
    );
  });

  it('the same config written as JSON (.json), as YAML (.yaml) or as JSON in a YAML file gives what parsePolicyConfig gives for the value', () => {
    fc.assert(
      fc.property(fc.oneof(configLike, validInput), (input) => {
        const direct = configOrError(() => parsePolicyConfig(input));
        for (const [text, name] of [[JSON.stringify(input), 'c.json'], [toYaml(input), 'c.yaml'], [JSON.stringify(input), 'c.yml'], [toYaml(input), 'C.YML']] as const) {
          const fromText = configOrError(() => parsePolicyConfigText(text, name));
          if (direct instanceof PolicyConfigError) {
            expect(fromText).toBeInstanceOf(PolicyConfigError);
            expect((fromText as PolicyConfigError).problems).toEqual(direct.problems);
          } else {
            expect(fromText).toEqual(direct);
          }
        }
      }),
      propertySettings(40),
    );
  });

  it('any text, named .json or .yaml, parses to a config or is refused with a PolicyConfigError in one line naming the file', () => {
    const textLike = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 60 }),
      fc.array(fc.constantFrom('replicas:', '\n', '  ', 'min: ', 'max: ', '3', '-1', '{', '}', '[', ']', ',', '"', ':', '- ', '&a ', '*a', '!!binary ', '%YAML 1.2\n', '---\n', '? ', '#', 'policy: hpa', '\t', 'memory:\n  maxBytes: 1GB'), { maxLength: 20 }).map((parts) => parts.join('')),
      fc.jsonValue().map((value) => JSON.stringify(value)),
    );
    fc.assert(
      fc.property(textLike, fc.constantFrom('p.json', 'p.yaml', 'p.yml', 'policy'), (text, name) => {
        const result = configOrError(() => parsePolicyConfigText(text, name));
        if (result instanceof PolicyConfigError) {
          expectExplained(result, new RegExp(`^(cannot parse ${name.replace('.', '\\.')}: |invalid policy config ${name.replace('.', '\\.')}: )`));
          expect(result.message).not.toContain('\n');
        } else {
          expectInvariants(result);
        }
      }),
      propertySettings(150),
    );
  });
});

/** Label values: numbers in and out of range, byte sizes, words, blanks. */
const labelValue = fc.oneof(
  fc.integer({ min: -5, max: 2000 }).map(String),
  fc.double({ min: 0, max: 2, noNaN: true }).map(String),
  fc.constantFrom('', ' ', 'lots', '1GiB', '512MiB', '64k', '0', 'NaN', 'Infinity', '1e3', '0x10', 'hpa', 'adaptive', ' 2 ', '9'.repeat(400)),
  fc.string({ maxLength: 8 }),
);
const knownLabel = fc.constantFrom(...POLICY_LABELS.map((entry) => entry.label));
/** Label names: the policy's own, misspelt ones of its families, other parts' `scalewright.*` labels, and other owners'. */
const labelName = fc.oneof(
  { weight: 6, arbitrary: knownLabel },
  { weight: 1, arbitrary: knownLabel.map((label) => `${label}s`) },
  { weight: 1, arbitrary: fc.constantFrom('scalewright.service', 'scalewright.metrics.port', 'scalewright.replica', 'com.docker.compose.service', 'traefik.enable', '__proto__', 'constructor') },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }).map((suffix) => `scalewright.${suffix}`) },
);
const labels = fc.dictionary(labelName, labelValue, { maxKeys: 6 });

describe('policy labels, as properties', () => {
  it('any label map either gives a config overlay or a PolicyConfigError naming each bad label, never another error', () => {
    fc.assert(
      fc.property(labels, (map) => {
        try {
          const overlay = configInputFromLabels(map);
          // The overlay holds only fields a known label sets.
          const paths = new Set(POLICY_LABELS.map((entry) => entry.path.join('.')));
          for (const [path] of numbersOf(overlay)) expect(paths).toContain(path);
        } catch (error) {
          expect(error).toBeInstanceOf(PolicyConfigError);
          expectExplained(error as PolicyConfigError, /^invalid container labels: /);
          for (const problem of (error as PolicyConfigError).problems) expect(Object.keys(map)).toContain(problem.field);
        }
      }),
      propertySettings(150),
    );
  });

  it('any file config with any labels resolves to a config keeping the invariants, or a PolicyConfigError whose labelled fields are named by their label', () => {
    fc.assert(
      fc.property(fc.option(fc.oneof(configLike, validInput), { nil: undefined }), labels, (file, map) => {
        const result = configOrError(() => resolvePolicyConfig(file as never, map));
        if (result instanceof PolicyConfigError) {
          expectExplained(result, /^invalid (policy config|container labels): /);
          const labelled = new Set(POLICY_LABELS.filter((entry) => entry.label in map).map((entry) => entry.path.join('.')));
          for (const problem of result.problems) expect(labelled.has(problem.field)).toBe(false);
        } else {
          expectInvariants(result);
        }
      }),
      propertySettings(150),
    );
  });

  it('a valid numeric label overrides the file config\'s field, and labels of other owners change nothing', () => {
    const numberLabel = fc.constantFrom(...POLICY_LABELS.filter((entry) => entry.kind === 'number'));
    fc.assert(
      fc.property(validInput, numberLabel, fc.integer({ min: 1, max: 60 }), fc.dictionary(fc.constantFrom('com.docker.compose.service', 'traefik.enable', 'app'), fc.string()), (file, entry, value, others) => {
        const config = configOrError(() => resolvePolicyConfig(file as never, { [entry.label]: ` ${value} `, ...others }));
        if (config instanceof PolicyConfigError) {
          // The file is valid and other owners' labels are ignored: a refusal can only be the
          // label's, named by it, or the max it is compared with (a min above the file's max).
          for (const problem of config.problems) expect([entry.label, 'replicas.max', 'cpu.maxCores']).toContain(problem.field);
          return;
        }
        const field = entry.path.reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], config);
        expect(field).toBe(value);
        expect(resolvePolicyConfig(file as never, { [entry.label]: String(value) })).toEqual(config);
      }),
      propertySettings(120),
    );
  });

  it('without labels, the file config resolves as parsePolicyConfig parses it', () => {
    fc.assert(
      fc.property(fc.oneof(configLike, validInput), (file) => {
        const resolved = configOrError(() => resolvePolicyConfig(file as never));
        const parsed = configOrError(() => parsePolicyConfig(file));
        if (parsed instanceof PolicyConfigError) expect((resolved as PolicyConfigError).problems).toEqual(parsed.problems);
        else expect(resolved).toEqual(parsed);
      }),
      propertySettings(120),
    );
  });
});
