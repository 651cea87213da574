// What `npm run predict` / `kubectl drm predict` print beyond the status view: the P10–P90
// interval, throughput, and the worker type (and pool) the work calls for.
import { describe, expect, test } from '@jest/globals';
import { recommendWorkerTypes } from '../../../operator/core/optimize/index.js';
import type { Prediction } from '../../../operator/core/predict/index.js';
import { poolOffersFrom, predictionReport, predictionRows } from '../../../operator/predict/format.js';

const GI = 2 ** 30;
const prediction: Prediction = {
  executionSeconds: 12.3456,
  cpu: 2,
  memoryBytes: 4 * GI,
  gpu: 0,
  hardware: 'cpu',
  source: 'model',
  confidence: 0.8,
  margin: 0.2,
  interval: { p10: 9.87654, p90: 20.1234 },
  itemsPerSecond: 810.0123,
};

const pool = (name: string, spec: Record<string, unknown>, annotations?: Record<string, string>) => ({
  apiVersion: 'drm.dtf.io/v1alpha1',
  kind: 'WorkerPool',
  metadata: { name, ...(annotations ? { annotations } : {}) },
  spec,
});

describe('predict report', () => {
  test('the status view plus interval, items/s, throughput and the recommendation', () => {
    const pools = poolOffersFrom([
      pool('small', { provider: { kwok: { node: { cpu: '4', memory: '16Gi' } } }, costPerNodeHour: 0.2 }),
      pool('big', { provider: { kwok: { node: { cpu: '32', memory: '128Gi' } } }, costPerNodeHour: 1 }),
    ]);
    const [recommendation] = recommendWorkerTypes([{ taskType: 'map', prediction }], pools);
    const report = predictionReport(prediction, [{ hardware: 'cpu', itemsPerSecond: 1234.5678, runs: 7 }], recommendation);
    expect(report).toEqual({
      executionSeconds: 12.346,
      cpu: '2000m',
      memory: '4096Mi',
      gpu: 0,
      hardware: 'cpu',
      source: 'model',
      confidence: 0.8,
      interval: { p10: 9.877, p90: 20.123 },
      itemsPerSecond: 810,
      throughput: [{ hardware: 'cpu', itemsPerSecond: 1235, runs: 7 }],
      // 0.2/h for 2 subtasks a node (0.1 each) against 1/h for 16 (0.0625 each): big.
      recommendation: { workerType: 'cpu', pool: 'big', perNode: 16, reason: 'predicted cpu work; cheapest per subtask' },
    });
    const rows = Object.fromEntries(predictionRows(report));
    expect(rows['P10–P90']).toBe('9.877 – 20.123 s');
    expect(rows.throughput).toBe('cpu 1235 items/s (7 runs)');
    expect(rows['worker type']).toBe('cpu, pool big (16 per node): predicted cpu work; cheapest per subtask');
  });

  test('pools: invalid ones are left out; an aws pool has a node shape only from the simulate-node annotation', () => {
    const aws = { hardware: { type: 'gpu', gpuProduct: 'NVIDIA-A10G' }, provider: { aws: { region: 'us-west-2', instanceTypes: ['g5.xlarge'], subnetIds: ['subnet-1'], credentialsSecretRef: { name: 'c' } } }, costPerNodeHour: 1.2 };
    const offers = poolOffersFrom([pool('a', aws), pool('b', aws, { 'drm.dtf.io/simulate-node': 'cpu=4,memory=16Gi,gpu=1' }), pool('bad', { maxNodes: -1 }), { nonsense: true }]);
    expect(offers).toEqual([
      { name: 'a', hardware: { type: 'gpu', gpuProduct: 'NVIDIA-A10G' }, costPerNodeHour: 1.2 },
      { name: 'b', hardware: { type: 'gpu', gpuProduct: 'NVIDIA-A10G' }, node: { cpu: 4, memoryBytes: 16 * GI, gpu: 1 }, costPerNodeHour: 1.2 },
    ]);
  });

  test('without pools: the worker type alone', () => {
    const [recommendation] = recommendWorkerTypes([{ taskType: 'map', prediction }]);
    expect(predictionReport(prediction, [], recommendation).recommendation).toEqual({ workerType: 'cpu', reason: 'predicted cpu work' });
  });
});
