import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configInputFromLabels, POLICY_LABELS, resolvePolicyConfig } from '../../scaler/config/labels.js';
import { loadPolicyConfigFile, parsePolicyConfigText } from '../../scaler/config/loadPolicyConfig.js';
import { defaultPolicyConfig, parsePolicyConfig, PolicyConfigError } from '../../scaler/config/policyConfig.js';
import { policyConfigRefusal } from './support/policyFixtures.js';

const MiB = 2 ** 20;
const problemsOf = policyConfigRefusal;

describe('service policy config', () => {
  it('an empty config takes every default', () => {
    expect(defaultPolicyConfig).toMatchObject({
      policy: 'adaptive',
      replicas: { min: 1, max: 10 },
      cpu: { minCores: 0.1, maxCores: 2, bridgeStepCores: 0.05 },
      memory: { minBytes: 64 * MiB, maxBytes: 2048 * MiB },
      targets: { cpuUtilisation: 0.7, p95LatencyMs: 500, latencyCorrectionFloor: 0.5 },
      windows: { stableSeconds: 60, panicSeconds: 6, scaleDownStabilisationSeconds: 300, metricSeconds: 15 },
      startupSeconds: 30,
      tolerance: 0.1,
      vertical: { percentile: 0.9, marginFraction: 0.15, oomBumpFactor: 1.2, oomMinBumpBytes: 100 * MiB, minChangeFraction: 0.1 },
    });
  });
  it('a partial config keeps the defaults of what it does not name', () => {
    const config = parsePolicyConfig({ replicas: { max: 20 }, targets: { rpsPerReplica: 40 } });
    expect(config.replicas).toEqual({ min: 1, max: 20 });
    expect(config.targets).toMatchObject({ cpuUtilisation: 0.7, rpsPerReplica: 40 });
  });
  it('memory sizes may carry a unit', () => {
    expect(parsePolicyConfig({ memory: { minBytes: '128MiB', maxBytes: '1GiB' } }).memory).toEqual({ minBytes: 128 * MiB, maxBytes: 1024 * MiB });
  });
  it('a validation error names the field', () => {
    const error = problemsOf(() => parsePolicyConfig({ targets: { cpuUtilisation: 1.5 }, replicas: { min: 0 } }));
    expect(error.problems.map((p) => p.field).sort()).toEqual(['replicas.min', 'targets.cpuUtilisation']);
    expect(error.message).toMatch(/targets\.cpuUtilisation: /);
  });
  it('min above max is an error on the max field', () => {
    const error = problemsOf(() => parsePolicyConfig({ replicas: { min: 5, max: 2 } }));
    expect(error.problems).toEqual([{ field: 'replicas.max', message: 'must be >= replicas.min (5)' }]);
  });
  it('an unknown key is an error naming it (a typo must not be silently ignored)', () => {
    const error = problemsOf(() => parsePolicyConfig({ replica: { max: 3 } }));
    expect(error.problems[0]?.field).toBe('replica');
  });
  it('loads YAML and JSON files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scaler-config-'));
    writeFileSync(join(dir, 'api.yaml'), 'replicas:\n  min: 2\n  max: 8\ntargets:\n  p95LatencyMs: 250\n');
    writeFileSync(join(dir, 'api.json'), JSON.stringify({ policy: 'hpa', startupSeconds: 12 }));
    expect((await loadPolicyConfigFile(join(dir, 'api.yaml'))).replicas).toEqual({ min: 2, max: 8 });
    expect(await loadPolicyConfigFile(join(dir, 'api.json'))).toMatchObject({ policy: 'hpa', startupSeconds: 12 });
  });
  it('a file that does not parse, or does not validate, says which file', () => {
    expect(() => parsePolicyConfigText('{ "replicas": ', 'api.json')).toThrow(/cannot parse api\.json/);
    expect(() => parsePolicyConfigText('replicas:\n  max: -1\n', 'api.yaml')).toThrow(/api\.yaml: replicas\.max/);
  });
});

describe('container labels', () => {
  it('map onto config fields, with numbers and byte sizes parsed', () => {
    const config = resolvePolicyConfig(undefined, {
      'scalewright.min-replicas': '2',
      'scalewright.max-replicas': '12',
      'scalewright.memory.max': '1GiB',
      'scalewright.target.cpu': '0.6',
      'scalewright.policy': 'hpa',
      'com.docker.compose.service': 'api',
    });
    expect(config).toMatchObject({ policy: 'hpa', replicas: { min: 2, max: 12 }, targets: { cpuUtilisation: 0.6 } });
    expect(config.memory.maxBytes).toBe(1024 * MiB);
  });
  it('override the file config, which overrides the defaults', () => {
    const config = resolvePolicyConfig({ replicas: { min: 3, max: 9 }, startupSeconds: 45 }, { 'scalewright.max-replicas': '20' });
    expect(config.replicas).toEqual({ min: 3, max: 20 });
    expect(config.startupSeconds).toBe(45);
  });
  it('an error on a labelled field names the label', () => {
    const notANumber = problemsOf(() => configInputFromLabels({ 'scalewright.max-replicas': 'lots' }));
    expect(notANumber.problems).toEqual([{ field: 'scalewright.max-replicas', message: 'not a number: "lots"' }]);
    const outOfRange = problemsOf(() => resolvePolicyConfig(undefined, { 'scalewright.target.cpu': '2' }));
    expect(outOfRange.problems[0]?.field).toBe('scalewright.target.cpu');
  });
  it('an unknown scalewright.* label is an error, labels of other owners are ignored', () => {
    const error = problemsOf(() => configInputFromLabels({ 'scalewright.max-replica': '3' }));
    expect(error.problems[0]?.field).toBe('scalewright.max-replica');
    expect(configInputFromLabels({ 'scalewright.service': 'api', 'traefik.enable': 'true' })).toEqual({});
    // The collector's, the actuators' and a stack's own labels are theirs, not the policy's.
    const others = { 'scalewright.metrics.port': '8080', 'scalewright.replica': 'a', 'scalewright.scaler.created': 'true', 'scalewright.demo': 'x1', 'scalewright.test': 't' };
    expect(configInputFromLabels({ ...others, 'scalewright.min-replicas': '2' })).toEqual({ replicas: { min: 2 } });
  });
  it('latency feedback is bounded by a floor in (0, 1]: 1 turns it off, a label sets it, anything else is refused', () => {
    expect(resolvePolicyConfig(undefined, { 'scalewright.target.latency-correction-floor': '1' }).targets.latencyCorrectionFloor).toBe(1);
    expect(() => parsePolicyConfig({ targets: { latencyCorrectionFloor: 1.5 } })).toThrow(/targets\.latencyCorrectionFloor/);
    expect(() => resolvePolicyConfig(undefined, { 'scalewright.target.latency-correction-floor': '0' })).toThrow(/scalewright\.target\.latency-correction-floor/);
  });
  it('the bridge is re-sized every second by default; whole seconds from 1, set by file or label, anything else refused', () => {
    expect(defaultPolicyConfig.bridgeSeconds).toBe(1);
    expect(resolvePolicyConfig({ bridgeSeconds: 5 }, {}).bridgeSeconds).toBe(5);
    expect(resolvePolicyConfig(undefined, { 'scalewright.bridge-seconds': '2', 'scalewright.evaluation-seconds': '10', 'scalewright.window.metric-seconds': '30' })).toMatchObject({ bridgeSeconds: 2, evaluationSeconds: 10, windows: { metricSeconds: 30 } });
    expect(problemsOf(() => parsePolicyConfig({ bridgeSeconds: 0.5 })).problems[0]?.field).toBe('bridgeSeconds');
    expect(problemsOf(() => parsePolicyConfig({ bridgeSeconds: 0 })).problems[0]?.field).toBe('bridgeSeconds');
    expect(problemsOf(() => resolvePolicyConfig(undefined, { 'scalewright.bridge-seconds': 'often' })).problems).toEqual([{ field: 'scalewright.bridge-seconds', message: 'not a number: "often"' }]);
  });
  it('the bridge moves in steps of 0.05 cores by default; 0 to 2 cores, set by file or label, anything else refused', () => {
    expect(resolvePolicyConfig({ cpu: { bridgeStepCores: 0 } }, {}).cpu.bridgeStepCores).toBe(0);
    expect(resolvePolicyConfig(undefined, { 'scalewright.cpu.bridge-step': '0.1' }).cpu.bridgeStepCores).toBe(0.1);
    expect(problemsOf(() => parsePolicyConfig({ cpu: { bridgeStepCores: -0.01 } })).problems[0]?.field).toBe('cpu.bridgeStepCores');
    expect(problemsOf(() => resolvePolicyConfig(undefined, { 'scalewright.cpu.bridge-step': '3' })).problems[0]?.field).toBe('scalewright.cpu.bridge-step');
  });
  it('every documented label sets a field the schema knows', () => {
    for (const entry of POLICY_LABELS) {
      const value = entry.kind === 'string' ? 'hpa' : entry.kind === 'bytes' ? '256MiB' : /target\.cpu|tolerance|\.cpu\.|correction-floor/.test(entry.label) ? '0.5' : '4';
      expect(() => resolvePolicyConfig(undefined, { [entry.label]: value }), entry.label).not.toThrow();
    }
  });
});
