/**
 * A policy setting that is misspelt is refused, never ignored: an unknown key at any depth of the
 * policy file (`replicas: {mni: 3}` was taken as if absent), and an unknown label of the policy's
 * on a container (`scalewright.target.cpux=0.5` was dropped before validation, and the service
 * scaled by the defaults). The refusal names the key or the label, and the one meant when it is
 * near. The `scalewright.*` labels of other parts (the collector's, the actuators', a stack's, a
 * demo's or a test run's id) are not the policy's and stay no error.
 */
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Label } from '../../collector/labels.js';
import { ActuatorLabel } from '../../scaler/actuators/labels.js';
import { CONTAINER_ANNOTATION } from '../../scaler/actuators/kubernetes.js';
import { configInputFromLabels, POLICY_LABELS } from '../../scaler/config/labels.js';
import { loadPolicyConfigFile, parsePolicyConfigText } from '../../scaler/config/loadPolicyConfig.js';
import { editDistance, nearestName } from '../../scaler/config/nearestName.js';
import { parsePolicyConfig, PolicyConfigError } from '../../scaler/config/policyConfig.js';
import { policyConfigFor } from '../../scaler/loop/policyLabels.js';
import { DEMO_LABEL } from '../../demo/demoStack.js';
import { testLabel } from '../support/docker.js';
import { policyConfigRefusal } from './support/policyFixtures.js';

const refusal = policyConfigRefusal;

describe('policy file: an unknown key at any depth is refused, named by its full path', () => {
  it('replicas.mni is refused, and the key meant is named', () => {
    const error = refusal(() => parsePolicyConfig({ replicas: { mni: 3 } }));
    expect(error.problems).toEqual([{ field: 'replicas.mni', message: 'Unrecognized key (did you mean replicas.min?)' }]);
    expect(error.message).toBe('invalid policy config: replicas.mni: Unrecognized key (did you mean replicas.min?)');
  });

  it.each([
    ['replicas', 'maxx', 'replicas.max'],
    ['cpu', 'maxcores', 'cpu.maxCores'],
    ['memory', 'minByte', 'memory.minBytes'],
    ['targets', 'cpuUtilization', 'targets.cpuUtilisation'],
    ['windows', 'stableSecond', 'windows.stableSeconds'],
    ['cooldowns', 'afterScaleOutSecs', 'cooldowns.afterScaleOutSeconds'],
    ['vertical', 'percentle', 'vertical.percentile'],
  ])('in %s: %s is refused, meaning %s', (section, key, meant) => {
    const error = refusal(() => parsePolicyConfig({ [section]: { [key]: 1 } }));
    expect(error.problems).toEqual([{ field: `${section}.${key}`, message: `Unrecognized key (did you mean ${meant}?)` }]);
  });

  it('a key near none of its object\'s gets no guess; several unknown keys are one problem each', () => {
    expect(refusal(() => parsePolicyConfig({ targets: { colour: 'blue' } })).problems).toEqual([{ field: 'targets.colour', message: 'Unrecognized key' }]);
    const error = refusal(() => parsePolicyConfig({ replcas: { min: 2 }, cpu: { mincores: 0.2, bogus: true } }));
    expect(error.problems.map((p) => p.field).sort()).toEqual(['cpu.bogus', 'cpu.mincores', 'replcas']);
    expect(error.message).toContain('replcas: Unrecognized key (did you mean replicas?)');
  });

  it('a key that is empty or holds a dot is quoted, so that the path still reads as one', () => {
    expect(refusal(() => parsePolicyConfig({ replicas: { '': 1, 'a.b': 2 } })).problems.map((p) => p.field)).toEqual(['replicas.""', 'replicas."a.b"']);
  });

  it('the same in a YAML file and in a JSON file, named by the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scaler-config-strict-'));
    writeFileSync(join(dir, 'p.yaml'), 'replicas:\n  mni: 3\n');
    writeFileSync(join(dir, 'p.json'), JSON.stringify({ replicas: { mni: 3 } }));
    for (const file of ['p.yaml', 'p.json']) {
      await expect(loadPolicyConfigFile(join(dir, file))).rejects.toThrow(`invalid policy config ${join(dir, file)}: replicas.mni: Unrecognized key (did you mean replicas.min?)`);
    }
    expect(() => parsePolicyConfigText('vertical:\n  floorCpuCore: 0.1\n', 'v.yml')).toThrow('invalid policy config v.yml: vertical.floorCpuCore: Unrecognized key (did you mean vertical.floorCpuCores?)');
  });

  it('known keys at every depth are still taken', () => {
    expect(parsePolicyConfig({ replicas: { min: 2 }, vertical: { percentile: 0.8 }, cooldowns: { betweenScaleInSeconds: 30 } })).toMatchObject({ replicas: { min: 2, max: 10 }, vertical: { percentile: 0.8 }, cooldowns: { betweenScaleInSeconds: 30 } });
  });
});

describe('container labels: an unknown label of the policy\'s is a config error naming it', () => {
  it('scalewright.target.cpux reaches validation through the loop\'s reading of a service\'s labels, and is refused', () => {
    const labels = { 'scalewright.service': 'web', 'scalewright.managed': 'true', 'scalewright.target.cpux': '0.5' };
    const error = refusal(() => policyConfigFor(undefined, labels));
    expect(error.problems).toEqual([{ field: 'scalewright.target.cpux', message: 'unknown scalewright policy label (did you mean scalewright.target.cpu?)' }]);
    expect(error.message).toBe('invalid container labels: scalewright.target.cpux: unknown scalewright policy label (did you mean scalewright.target.cpu?)');
  });

  it.each([
    ['scalewright.max-replica', 'scalewright.max-replicas'],
    ['scalewright.minreplicas', 'scalewright.min-replicas'],
    ['scalewright.memory.mx', 'scalewright.memory.max'],
    ['scalewright.window.stable-second', 'scalewright.window.stable-seconds'],
    ['scalewright.startup-secs', 'scalewright.startup-seconds'],
    ['scalewright.startup', undefined],
    ['scalewright.tolerence', 'scalewright.tolerance'],
    ['scalewright.polcy', 'scalewright.policy'],
    // The config file's names, written as a label: the label that sets that field.
    ['scalewright.replicas.max', 'scalewright.max-replicas'],
    ['scalewright.targets.cpuUtilisation', 'scalewright.target.cpu'],
    // Vertical settings have no labels (the file sets them): refused, not ignored.
    ['scalewright.vertical.percentile', undefined],
  ])('%s is refused (meant: %s)', (label, meant) => {
    const error = refusal(() => policyConfigFor(undefined, { [label]: '2' }));
    expect(error.problems).toEqual([{ field: label, message: `unknown scalewright policy label${meant === undefined ? '' : ` (did you mean ${meant}?)`}` }]);
  });

  it('every known policy label is still taken alongside the other parts\' labels', () => {
    expect(policyConfigFor({ replicas: { max: 8 } }, { 'scalewright.service': 'web', 'scalewright.metrics.port': '8080', 'scalewright.min-replicas': '2' }).replicas).toEqual({ min: 2, max: 8 });
  });
});

/** Folders whose sources set or read container labels, and the test suites (their run ids are labels too). */
const LABEL_SOURCES = ['collector', 'scaler', 'compose', 'deploy', 'demo', 'test'];
/** Files that spell policy labels wrong on purpose, or define the policy's own beginnings. */
const NOT_LABEL_SOURCES = [join('scaler', 'config'), join('test', 'scaler')];
const repo = resolve(import.meta.dirname, '../..');

function filesUnder(folder: string): string[] {
  return readdirSync(folder).flatMap((name) => {
    const path = join(folder, name);
    return statSync(path).isDirectory() ? filesUnder(path) : /\.(ts|ya?ml|json|env)$/.test(name) ? [path] : [];
  });
}

/** Every `scalewright.<name>` the sources write, except where a policy label is misspelt on purpose. */
function labelNamesInSources(): string[] {
  const found = new Set<string>();
  for (const folder of LABEL_SOURCES) {
    for (const file of filesUnder(join(repo, folder))) {
      if (NOT_LABEL_SOURCES.some((skipped) => file.startsWith(`${join(repo, skipped)}${sep}`))) continue;
      for (const match of readFileSync(file, 'utf8').matchAll(/scalewright\.[a-z][a-z0-9.-]*[a-z0-9]/gi)) found.add(match[0]);
    }
  }
  return [...found].sort();
}

describe('the scalewright.* labels of other parts are not the policy\'s', () => {
  it('the collector\'s, the actuators\', a stack\'s, a demo\'s and a test run\'s labels are no error, whatever their value', () => {
    const others = [...Object.values(Label), ...Object.values(ActuatorLabel), CONTAINER_ANNOTATION, 'scalewright.stack', DEMO_LABEL, testLabel, 'scalewright.test.run', 'scalewright.metrics.scheme'];
    const labels = Object.fromEntries(others.map((label) => [label, 'anything']));
    expect(configInputFromLabels(labels)).toEqual({});
  });

  it('every scalewright.* name in the sources is a known policy label or no error (a new family the policy would claim shows here)', () => {
    const names = labelNamesInSources();
    expect(names).toEqual(expect.arrayContaining(['scalewright.service', 'scalewright.managed', 'scalewright.metrics.port', 'scalewright.stack', 'scalewright.test.run']));
    const known = new Set(POLICY_LABELS.map((entry) => entry.label));
    const claimed = names.filter((name) => !known.has(name) && (() => {
      try {
        configInputFromLabels({ [name]: '1' });
        return false;
      } catch {
        return true;
      }
    })());
    expect(claimed).toEqual([]);
  });

  it('labels of other owners, and an operator\'s own scalewright.* label far from any policy label, are left alone', () => {
    const labels: Record<string, string> = JSON.parse('{"traefik.enable": "true", "com.docker.compose.service": "web", "scalewright.team": "shop", "__proto__": "x"}');
    expect(configInputFromLabels(labels)).toEqual({});
  });
});

describe('the "did you mean" guess', () => {
  it('counts a swap of neighbours as one edit and ignores case', () => {
    expect(editDistance('mni', 'min')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(nearestName('MAXCORES', [{ name: 'maxCores', value: 'hit' }])).toBe('hit');
  });

  it('guesses only near: one edit in three characters at most, never more than three', () => {
    const candidates = ['min', 'max', 'stableSeconds'].map((name) => ({ name, value: name }));
    expect(nearestName('mn', candidates)).toBe('min');
    expect(nearestName('xyz', candidates)).toBeUndefined();
    expect(nearestName('stableSec', candidates)).toBeUndefined();
    expect(nearestName('stablSecnds', candidates)).toBe('stableSeconds');
  });
});
