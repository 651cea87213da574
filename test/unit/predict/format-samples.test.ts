// The predictor adapter's pure parts: how questions are read, how answers are shown, and what a
// finished Subtask teaches.
import { describe, expect, test } from '@jest/globals';
import type { V1Node } from '@kubernetes/client-node';
import type { Subtask } from '../../../operator/api/subtask.js';
import { cpuQuantity, memoryQuantity, parseParamAssignments, predictionView, queryFromSearchParams } from '../../../operator/predict/format.js';
import { inputSizeOf, sampleOf } from '../../../operator/predict/samples.js';
import { trainingConfigMapName } from '../../../operator/predict/store.js';
import { subtask } from '../../builders/index.js';

function finished(phase: 'Completed' | 'Failed' | 'Cancelled' | 'Running', extra: Record<string, unknown> = {}): Subtask {
  const built = subtask('t-p0', 't', { spec: { taskType: 'matmul', params: { n: 64, op: 'square', nested: { depth: 2 } } } }) as unknown as Subtask;
  return {
    ...built,
    metadata: { ...built.metadata, uid: 'uid-1', namespace: 'ns' },
    status: { phase, attempts: 2, nodeName: 'gpu-1', completionTime: '2026-11-23T10:00:00Z', metrics: { executionSeconds: 1.5, cpuCoresUsed: 0.9, memoryBytesUsed: 1_000_000, inputItems: 7 }, ...extra },
  } as Subtask;
}

const gpuNode: V1Node = {
  metadata: { name: 'gpu-1', labels: { 'drm.dtf.io/hardware': 'gpu', 'nvidia.com/gpu.product': 'NVIDIA-L4' } },
  status: { allocatable: { cpu: '8', memory: '32Gi', 'nvidia.com/gpu': '1', pods: '110' } },
};

describe('sampleOf', () => {
  test('a completed subtask is one sample: features, measured input size, hardware of its node, metrics', () => {
    expect(sampleOf(finished('Completed'), gpuNode)).toEqual({
      id: 'uid-1:2',
      taskType: 'matmul',
      features: { n: 64, 'op=square': 1, 'nested.depth': 2 },
      inputSize: 7,
      hardware: { type: 'gpu', gpuProduct: 'NVIDIA-L4' },
      executionSeconds: 1.5,
      cpuCoresUsed: 0.9,
      memoryBytesUsed: 1_000_000,
      succeeded: true,
      finishedAt: '2026-11-23T10:00:00Z',
    });
  });

  test('a failed subtask teaches that it failed; running and cancelled ones teach nothing', () => {
    expect(sampleOf(finished('Failed'), undefined)).toMatchObject({ succeeded: false, hardware: { type: 'cpu' } });
    expect(sampleOf(finished('Running'), gpuNode)).toBeUndefined();
    expect(sampleOf(finished('Cancelled'), gpuNode)).toBeUndefined();
    expect(sampleOf(finished('Completed', { metrics: undefined }), gpuNode)).toBeUndefined();
  });

  test('the input size falls back from the measured count to the spec', () => {
    const base = finished('Completed', { metrics: { executionSeconds: 1 } });
    expect(inputSizeOf({ ...base, spec: { ...base.spec, input: { items: [1, 2, 3] } } })).toBe(3);
    expect(inputSizeOf({ ...base, spec: { ...base.spec, input: undefined, inputRef: { name: 'c', key: 'k', offset: 10, count: 40 } } })).toBe(40);
  });
});

describe('format', () => {
  test('requests are whole millicores and MiB, never zero', () => {
    expect(cpuQuantity(1.2345)).toBe('1235m');
    expect(cpuQuantity(0)).toBe('10m');
    expect(memoryQuantity(100 * 2 ** 20 + 1)).toBe('101Mi');
    expect(memoryQuantity(0)).toBe('16Mi');
  });

  test('the view has exactly the documented fields', () => {
    const view = predictionView({ executionSeconds: 1.23456, cpu: 0.5, memoryBytes: 2 ** 28, gpu: 0, hardware: 'cpu', source: 'model', confidence: 0.87654, margin: 0.2 });
    expect(view).toEqual({ executionSeconds: 1.235, cpu: '500m', memory: '256Mi', gpu: 0, hardware: 'cpu', source: 'model', confidence: 0.877 });
  });

  test('key=value params: numbers and booleans typed, dotted keys nested, bad ones refused', () => {
    expect(parseParamAssignments(['n=512', 'op=square', 'fast=true', 'model.layers=4', 'x=1e3'])).toEqual({ n: 512, op: 'square', fast: true, model: { layers: 4 }, x: 1000 });
    expect(() => parseParamAssignments(['n'])).toThrow(/key=value/);
  });

  test('a query from URL parameters, with its errors named', () => {
    expect(queryFromSearchParams(new URLSearchParams('taskType=matmul&param=n=512&hardware=gpu&gpuProduct=NVIDIA-L4&inputSize=3'))).toEqual({
      taskType: 'matmul',
      params: { n: 512 },
      inputSize: 3,
      hardware: { type: 'gpu', gpuProduct: 'NVIDIA-L4' },
    });
    expect(() => queryFromSearchParams(new URLSearchParams('param=n=1'))).toThrow(/taskType/);
    expect(() => queryFromSearchParams(new URLSearchParams('taskType=x&hardware=tpu'))).toThrow(/hardware/);
  });

  test('training ConfigMap names are DNS-safe and keep similar task types apart', () => {
    expect(trainingConfigMapName('matmul')).toMatch(/^drm-training-matmul-[0-9a-f]{8}$/);
    expect(trainingConfigMapName('my_type')).not.toBe(trainingConfigMapName('my.type'));
    expect(trainingConfigMapName('my_type')).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
  });
});
