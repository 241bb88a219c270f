/**
 * Just enough of `kustomize build` to resolve this repository's kustomizations without a binary
 * (CI machines have no kubectl): resources (files and folders), namespace, labels, images,
 * configMapGenerator (files) with generatorOptions, and JSON 6902 patches (add/replace/remove).
 * Anything else in a kustomization is refused, so the resolver can never silently differ from the
 * real tool on a feature it does not know. Where kubectl exists the tests compare both.
 */
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { parseAllDocuments, parse } from 'yaml';

export type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string>; [key: string]: unknown }; [key: string]: unknown };

interface Kustomization {
  resources?: string[];
  namespace?: string;
  labels?: Array<{ pairs: Record<string, string>; includeSelectors?: boolean }>;
  images?: Array<{ name: string; newName?: string; newTag?: string }>;
  configMapGenerator?: Array<{ name: string; files?: string[] }>;
  generatorOptions?: { disableNameSuffixHash?: boolean };
  patches?: Array<{ target: { group?: string; version?: string; kind?: string; name?: string }; patch: string }>;
  apiVersion?: string;
  kind?: string;
}

const KNOWN = new Set(['apiVersion', 'kind', 'resources', 'namespace', 'labels', 'images', 'configMapGenerator', 'generatorOptions', 'patches']);
const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'PersistentVolume', 'StorageClass']);

export async function kustomizeBuild(dir: string): Promise<K8sObject[]> {
  const kustomization = parse(await readFile(join(dir, 'kustomization.yaml'), 'utf8')) as Kustomization;
  const unknown = Object.keys(kustomization).filter((key) => !KNOWN.has(key));
  if (unknown.length > 0) throw new Error(`${dir}: kustomization fields this resolver does not handle: ${unknown.join(', ')}`);

  let objects: K8sObject[] = [];
  for (const entry of kustomization.resources ?? []) {
    const path = resolve(dir, entry);
    if ((await stat(path)).isDirectory()) objects.push(...(await kustomizeBuild(path)));
    else objects.push(...parseAllDocuments(await readFile(path, 'utf8')).map((doc) => doc.toJS() as K8sObject).filter(Boolean));
  }
  if (kustomization.configMapGenerator) {
    if (!kustomization.generatorOptions?.disableNameSuffixHash) throw new Error(`${dir}: name suffix hashes are not resolved here; set generatorOptions.disableNameSuffixHash`);
    for (const generator of kustomization.configMapGenerator) {
      const data: Record<string, string> = {};
      for (const file of generator.files ?? []) data[basename(file)] = await readFile(resolve(dir, file), 'utf8');
      objects.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: generator.name }, data });
    }
  }
  for (const patch of kustomization.patches ?? []) {
    const operations = parse(patch.patch) as Array<{ op: 'add' | 'replace' | 'remove'; path: string; value?: unknown }>;
    const targets = objects.filter((object) => matches(object, patch.target));
    if (targets.length === 0) throw new Error(`${dir}: patch target matches nothing: ${JSON.stringify(patch.target)}`);
    for (const target of targets) for (const operation of operations) applyOperation(target, operation);
  }
  for (const object of objects) {
    if (kustomization.namespace) {
      if (!CLUSTER_SCOPED.has(object.kind)) object.metadata.namespace = kustomization.namespace;
      if (object.kind === 'RoleBinding' || object.kind === 'ClusterRoleBinding') {
        for (const subject of (object.subjects as Array<{ kind: string; namespace?: string }> | undefined) ?? []) {
          if (subject.kind === 'ServiceAccount') subject.namespace = kustomization.namespace;
        }
      }
    }
    for (const { pairs, includeSelectors } of kustomization.labels ?? []) {
      if (includeSelectors) throw new Error(`${dir}: labels with includeSelectors are not resolved here`);
      object.metadata.labels = { ...(object.metadata.labels ?? {}), ...pairs };
    }
    for (const container of containersOf(object)) {
      const image = kustomization.images?.find((candidate) => imageName(container.image) === candidate.name);
      if (image) container.image = `${image.newName ?? image.name}${image.newTag ? `:${image.newTag}` : ''}`;
    }
  }
  objects = objects.filter(Boolean);
  return objects;
}

export function containersOf(object: K8sObject): Array<{ name: string; image: string; [key: string]: unknown }> {
  const podSpec = podSpecOf(object);
  return [...((podSpec?.initContainers as never[]) ?? []), ...((podSpec?.containers as never[]) ?? [])];
}

export function podSpecOf(object: K8sObject): Record<string, unknown> | undefined {
  const spec = object.spec as { template?: { spec?: Record<string, unknown> } } | undefined;
  return spec?.template?.spec;
}

function imageName(image: string): string {
  const at = image.lastIndexOf(':');
  return at > image.lastIndexOf('/') ? image.slice(0, at) : image;
}

function matches(object: K8sObject, target: { group?: string; version?: string; kind?: string; name?: string }): boolean {
  const [group, version] = object.apiVersion.includes('/') ? object.apiVersion.split('/') : ['', object.apiVersion];
  return (target.group === undefined || target.group === group) && (target.version === undefined || target.version === version)
    && (target.kind === undefined || target.kind === object.kind) && (target.name === undefined || target.name === object.metadata.name);
}

function applyOperation(root: unknown, operation: { op: string; path: string; value?: unknown }): void {
  const keys = operation.path.split('/').slice(1).map((key) => key.replace(/~1/g, '/').replace(/~0/g, '~'));
  const last = keys.pop() as string;
  let node = root as Record<string, unknown> | unknown[];
  for (const key of keys) {
    const next = Array.isArray(node) ? node[Number(key)] : node[key];
    if (next === undefined || next === null) throw new Error(`patch path not found: ${operation.path}`);
    node = next as Record<string, unknown> | unknown[];
  }
  if (Array.isArray(node)) {
    if (operation.op === 'add') { if (last === '-') node.push(operation.value); else node.splice(Number(last), 0, operation.value); return; }
    if (operation.op === 'replace') { node[Number(last)] = operation.value; return; }
    if (operation.op === 'remove') { node.splice(Number(last), 1); return; }
  } else {
    if (operation.op === 'add' || operation.op === 'replace') { node[last] = operation.value; return; }
    if (operation.op === 'remove') { delete node[last]; return; }
  }
  throw new Error(`unsupported patch operation ${operation.op} at ${operation.path}`);
}

export const kustomizationDir = (root: string, ...parts: string[]) => join(root, 'deploy/kubernetes', ...parts);
export const repoRoot = resolve(dirname(new URL(import.meta.url).pathname), '../..');
