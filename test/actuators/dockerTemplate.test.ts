/**
 * Which replica of a plain-Docker service is its template (labels, limits, what is cloned), and
 * the order scale-in removes replicas in: the operator's container speaks for the service, not
 * the oldest replica, which after a redeploy is a stale clone.
 */
import { describe, expect, it } from 'vitest';
import { followsTemplateLimits, isScalerClone, removalOrder, templateOf, type ReplicaStanding } from '../../scaler/actuators/dockerTemplate.js';

const operator = (id: string, createdAt: number, phase: ReplicaStanding['phase'] = 'ready'): ReplicaStanding => ({ id, createdAt, phase, clone: false });
const clone = (id: string, createdAt: number, phase: ReplicaStanding['phase'] = 'ready'): ReplicaStanding => ({ id, createdAt, phase, clone: true });
const ids = (replicas: readonly ReplicaStanding[]) => replicas.map((r) => r.id);

describe('the template of a Docker service', () => {
  it('is the operator’s container after a redeploy, though the clones are older', () => {
    const replicas = [clone('clone-of-old', 100), operator('app-1-redeployed', 300), clone('clone-2', 200)];
    expect(templateOf(replicas)?.id).toBe('app-1-redeployed');
  });

  it('with several operator’s containers (compose scale 2), is the oldest ready one, ties by id', () => {
    expect(templateOf([operator('app-2', 200), operator('app-1', 100), clone('c', 50)])?.id).toBe('app-1');
    expect(templateOf([operator('app-1', 100, 'starting'), operator('app-2', 200), clone('c', 50)])?.id).toBe('app-2');
    expect(templateOf([operator('b', 100), operator('a', 100)])?.id).toBe('a');
    expect(templateOf([operator('a', 100), operator('b', 100)])?.id).toBe('a');
  });

  it('is a ready clone, the oldest, while no operator’s container is ready (a redeploy still starting)', () => {
    expect(templateOf([operator('app-1', 300, 'starting'), clone('c2', 200), clone('c1', 100)])?.id).toBe('c1');
  });

  it('is a starting replica only when none is ready, the operator’s first', () => {
    expect(templateOf([clone('c1', 100, 'starting'), operator('app-1', 300, 'starting')])?.id).toBe('app-1');
    expect(templateOf([clone('c2', 200, 'starting'), clone('c1', 100, 'starting')])?.id).toBe('c1');
  });

  it('is never a leftover, a draining or a stopped container; none at all when nothing runs', () => {
    expect(templateOf([operator('gone', 50, 'draining'), operator('off', 60, 'stopped'), clone('left', 70, 'leftover'), clone('c', 100)])?.id).toBe('c');
    expect(templateOf([operator('off', 60, 'stopped')])).toBeUndefined();
    expect(templateOf([])).toBeUndefined();
  });

  it('does not depend on the order the engine lists the replicas in', () => {
    const replicas = [clone('c1', 100), clone('c2', 200), operator('app-1', 300), operator('app-2', 300, 'starting')];
    expect(templateOf(replicas)?.id).toBe('app-1');
    expect(templateOf([...replicas].reverse())?.id).toBe('app-1');
  });
});

describe('scale-in order', () => {
  it('removes the clones first, newest first, and the operator’s container last, though it is the newest', () => {
    const replicas = [clone('c1', 100), operator('app-1', 300), clone('c2', 200), clone('c3', 400, 'starting')];
    expect(ids(removalOrder(replicas))).toEqual(['c3', 'c2', 'c1', 'app-1']);
  });

  it('removes the operator’s other containers, newest first, before the template', () => {
    expect(ids(removalOrder([operator('app-1', 100), operator('app-2', 200), operator('app-3', 300), clone('c', 50)]))).toEqual(['c', 'app-3', 'app-2', 'app-1']);
    // an older one still starting is not the template: it goes before it
    expect(ids(removalOrder([operator('app-1', 100, 'starting'), operator('app-2', 200), clone('c', 50)]))).toEqual(['c', 'app-1', 'app-2']);
  });

  it('keeps the template last when it is a clone (no operator’s container ready): the ready replica stays', () => {
    expect(ids(removalOrder([clone('c1', 100), clone('c2', 200), operator('app-1', 300, 'starting')]))).toEqual(['c2', 'app-1', 'c1']);
  });

  it('lists only ready and starting replicas', () => {
    expect(ids(removalOrder([clone('left', 10, 'leftover'), operator('gone', 20, 'draining'), clone('c', 100), operator('app-1', 50)]))).toEqual(['c', 'app-1']);
  });
});

describe('whose limits are set to the template’s', () => {
  const app = operator('app-1', 300);
  const c = clone('c1', 100);

  it('with the operator’s container as template: the clones, ready or starting, and the operator’s other ready containers; not the template itself', () => {
    expect(followsTemplateLimits(c, app)).toBe(true);
    expect(followsTemplateLimits(clone('c2', 400, 'starting'), app)).toBe(true);
    expect(followsTemplateLimits(operator('app-2', 400), app)).toBe(true);
    expect(followsTemplateLimits(app, app)).toBe(false);
  });

  it('never an operator’s container still starting: a redeploy with new limits, while a stale clone is the template', () => {
    const redeploy = operator('app-1', 300, 'starting');
    expect(templateOf([c, redeploy])).toBe(c);
    expect(followsTemplateLimits(redeploy, c)).toBe(false);
    expect(followsTemplateLimits(clone('c2', 200), c)).toBe(true);
    expect(followsTemplateLimits(operator('app-2', 400, 'starting'), app)).toBe(false);
  });
});

describe('telling the scaler’s clones from the operator’s containers', () => {
  it('by the scaler’s marks', () => {
    expect(isScalerClone({ 'scalewright.scaler.created': 'true', 'scalewright.scaler.clone-of': 'app-1' })).toBe(true);
    expect(isScalerClone({ 'scalewright.scaler.clone-of': 'app-1' })).toBe(true);
    expect(isScalerClone({ 'scalewright.service': 'app', 'scalewright.managed': 'true' })).toBe(false);
    expect(isScalerClone(undefined)).toBe(false);
  });
});
