// What a finished Subtask teaches the predictor: one TrainingSample per finished subtask (pure).
import type { V1Node } from '@kubernetes/client-node';
import type { Subtask } from '../api/subtask.js';
import { GPU_PRODUCT_LABEL, nodeInfoFrom } from '../core/placement/index.js';
import { flattenParams, type TrainingSample } from '../core/predict/index.js';

/** The items a subtask worked on: as the worker counted them, else as its spec says. */
export function inputSizeOf(subtask: Subtask): number {
  const measured = subtask.status?.metrics?.inputItems;
  if (measured !== undefined) return measured;
  if (subtask.spec.input?.items) return subtask.spec.input.items.length;
  return subtask.spec.inputRef?.count ?? 0;
}

/**
 * The sample of a Completed or Failed subtask, or undefined while it runs, or when it was
 * cancelled (a cancellation says nothing about the work), or when nothing was measured.
 */
export function sampleOf(subtask: Subtask, node: V1Node | undefined): TrainingSample | undefined {
  const phase = subtask.status?.phase;
  if (phase !== 'Completed' && phase !== 'Failed') return undefined;
  const metrics = subtask.status?.metrics;
  const succeeded = phase === 'Completed';
  const seconds = metrics?.executionSeconds;
  if (succeeded && seconds === undefined) return undefined;
  const hardware = node ? nodeInfoFrom(node) : undefined;
  const gpuProduct = node?.metadata?.labels?.[GPU_PRODUCT_LABEL];
  return {
    id: `${subtask.metadata.uid ?? subtask.metadata.name}:${subtask.status?.attempts ?? 0}`,
    taskType: subtask.spec.taskType,
    features: flattenParams(subtask.spec.params ?? {}),
    inputSize: inputSizeOf(subtask),
    hardware: { type: hardware?.hardware === 'gpu' ? 'gpu' : 'cpu', ...(gpuProduct ? { gpuProduct } : {}) },
    executionSeconds: seconds ?? 0,
    ...(metrics?.cpuCoresUsed !== undefined ? { cpuCoresUsed: metrics.cpuCoresUsed } : {}),
    ...(metrics?.memoryBytesUsed !== undefined ? { memoryBytesUsed: metrics.memoryBytesUsed } : {}),
    succeeded,
    finishedAt: subtask.status?.completionTime ?? new Date(0).toISOString(),
  };
}
