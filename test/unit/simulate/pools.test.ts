// The user's WorkerPool manifests as simulated pools: parsing and validation with the API's
// schema (refusals name the document and field), row routing among pools, rows no pool holds.
import { describe, expect, test } from '@jest/globals';
import { parsePoolFile, PoolFileError } from '../../../operator/simulate/pools.js';
import { simulate } from '../../../operator/simulate/simulation.js';
import type { TraceTask } from '../../../operator/simulate/trace.js';

const GI = 2 ** 30;

function manifest(name: string, spec: string, annotations = ''): string {
  return `apiVersion: drm.dtf.io/v1alpha1\nkind: WorkerPool\nmetadata:\n  name: ${name}\n${annotations}spec:\n${spec}`;
}
const CPU = manifest('cpu-a', '  provider: {kwok: {node: {cpu: "16", memory: 64Gi}}}\n  maxNodes: 7\n  costPerNodeHour: 0.8\n  scaling: {predictive: false, cooldownSeconds: 120}\n');
const GPU = manifest('gpu-a', '  hardware: {type: gpu, gpuCount: 2}\n  provider: {kwok: {node: {cpu: "8", memory: 32Gi, gpu: 2}}}\n  costPerNodeHour: 3\n');

function refusal(text: string): PoolFileError {
  try {
    parsePoolFile(text, 'p.yaml');
  } catch (error) {
    if (error instanceof PoolFileError) return error;
    throw error;
  }
  throw new Error('accepted');
}

function task(overrides: Partial<TraceTask> = {}): TraceTask {
  return { line: 2, arrivalSeconds: 0, taskType: 'map', hardware: 'cpu', subtasks: 2, secondsPerSubtask: 100, cpu: 1, memoryGiB: 1, gpu: 0, ...overrides };
}

describe('parsePoolFile', () => {
  test('every document a pool, with the API defaults filled in and its own settings kept', () => {
    const pools = parsePoolFile(`${CPU}---\n${GPU}`, 'p.yaml');
    expect(pools.map((pool) => [pool.state.name, pool.serves])).toEqual([
      ['cpu-a', 'cpu'],
      ['gpu-a', 'gpu'],
    ]);
    const [cpu, gpu] = pools;
    expect(cpu!.state.nodeShape).toEqual({ cpu: 16, memoryBytes: 64 * GI, gpu: 0 });
    expect(cpu!.state).toMatchObject({ minNodes: 0, maxNodes: 7, costPerNodeHour: 0.8 });
    expect(cpu!.state.scaling).toMatchObject({ predictive: false, cooldownSeconds: 120, targetUtilization: 0.7, horizonSeconds: 600 });
    expect(cpu!.intervalSeconds).toBe(30);
    expect(gpu!.state.nodeShape.gpu).toBe(2);
    expect(gpu!.state.scaling.predictive).toBe(true);
  });

  test('an aws pool takes its node shape from the drm.dtf.io/simulate-node annotation, and needs it', () => {
    const aws = '  hardware: {type: cpu}\n  provider: {aws: {region: us-west-2, instanceTypes: [m5.4xlarge], subnetIds: [subnet-1], credentialsSecretRef: {name: c}}}\n';
    const [pool] = parsePoolFile(manifest('aws', aws, '  annotations:\n    drm.dtf.io/simulate-node: cpu=16,memory=64Gi\n'));
    expect(pool!.state.nodeShape).toEqual({ cpu: 16, memoryBytes: 64 * GI, gpu: 0 });
    const missing = refusal(manifest('aws', aws));
    expect(missing.field).toBe('metadata.annotations["drm.dtf.io/simulate-node"]');
    expect(refusal(manifest('aws', aws, '  annotations:\n    drm.dtf.io/simulate-node: cpu=lots\n')).message).toMatch(/cpu: not a quantity, got "lots"/);
  });

  test.each([
    ['a field out of range', manifest('b', '  provider: {kwok: {node: {cpu: "8", memory: 32Gi}}}\n  maxNodes: -3\n'), 'spec.maxNodes', /too small/i],
    ['a cross-field rule', manifest('b', '  provider: {kwok: {node: {cpu: "8", memory: 32Gi}}}\n  scaling: {scaleDownThreshold: 0.9}\n'), 'spec.scaling.scaleDownThreshold', /less than scaleUpThreshold/],
    ['a bad quantity', manifest('b', '  provider: {kwok: {node: {cpu: "8 cores", memory: 32Gi}}}\n'), 'spec.provider.kwok.node.cpu', /./],
    ['a missing provider', manifest('b', '  maxNodes: 3\n'), 'spec.provider', /./],
    ['a wrong kind', CPU.replace('kind: WorkerPool', 'kind: WorkerPools'), 'kind', /./],
    ['a static pool', manifest('b', '  provider: {static: {nodeSelector: {a: b}}}\n'), 'spec.provider.static', /never scaled/],
  ])('%s in the second document: refused naming the document and field', (_what, bad, field, detail) => {
    const error = refusal(`${CPU}---\n${bad}`);
    expect([error.document, error.field]).toEqual([2, field]);
    expect(error.message).toMatch(new RegExp(`^p\\.yaml: document 2, ${field.replace(/[.[\]"]/g, '\\$&')}: `));
    expect(error.detail).toMatch(detail);
  });

  test('a name used twice, broken YAML and an empty file are refused', () => {
    expect(refusal(`${CPU}---\n${CPU}`).message).toBe('p.yaml: document 2, metadata.name: cpu-a is already the name of document 1');
    expect(refusal('a: [1, 2').message).toMatch(/^p\.yaml: document 1: not valid YAML/);
    expect(refusal('# nothing\n').message).toBe('p.yaml: document 1: no WorkerPool in the file');
  });
});

describe('simulating the user\'s pools', () => {
  test('each pool runs with its own settings (as-written), or every pool under a forced policy', () => {
    const pools = parsePoolFile(`${CPU}---\n${GPU}`);
    const seen = new Map<string, boolean>();
    simulate([task(), task({ hardware: 'gpu', gpu: 2, cpu: 4 })], 'as-written', { pools, onDecision: ({ state }) => void seen.set(state.name, state.scaling.predictive) });
    expect(Object.fromEntries(seen)).toEqual({ 'cpu-a': false, 'gpu-a': true });
    simulate([task()], 'threshold', { pools, onDecision: ({ state }) => void seen.set(state.name, state.scaling.predictive) });
    expect(seen.get('gpu-a')).toBe(false);
  });

  test('rows no pool holds are left out and counted once, with the first line and why; the rest run', () => {
    const pools = parsePoolFile(CPU);
    const result = simulate([task(), task({ line: 3, cpu: 32, subtasks: 3 }), task({ line: 4, hardware: 'gpu', gpu: 1, subtasks: 5 }), task({ line: 5, cpu: 40 })], 'as-written', { pools });
    expect(result.subtasks).toBe(2);
    expect(result.skipped).toEqual({ rows: 3, subtasks: 10, first: { line: 3, reason: "32 cores (largest node 16) exceed every cpu pool's node" } });
    expect(simulate([task()], 'as-written', { pools }).skipped).toBeUndefined();
  });

  test('a row goes to a pool whose node holds it; among several, the cheaper per core', () => {
    const small = manifest('small', '  provider: {kwok: {node: {cpu: "4", memory: 16Gi}}}\n  costPerNodeHour: 0.1\n');
    const big = manifest('big', '  provider: {kwok: {node: {cpu: "32", memory: 128Gi}}}\n  costPerNodeHour: 3.2\n');
    const result = simulate([task({ cpu: 2 }), task({ arrivalSeconds: 5000, cpu: 16 })], 'as-written', { pools: parsePoolFile(`${small}---\n${big}`) });
    const byName = Object.fromEntries(result.pools.map((pool) => [pool.name, pool.scaleUps]));
    // 2 cores: both hold it, small costs 0.025/core-hour against 0.1; 16 cores: only big.
    expect(byName).toEqual({ small: 1, big: 1 });
  });
});
