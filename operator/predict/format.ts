// A Prediction as the API shows it (status.prediction, the CLI's JSON, /debug/predict) (pure).
import type { Prediction, PredictionQuery } from '../core/predict/index.js';

export interface PredictionView {
  executionSeconds: number;
  cpu: string;
  memory: string;
  gpu: number;
  hardware: 'cpu' | 'gpu';
  source: 'model' | 'statistics' | 'default';
  confidence: number;
}

const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;

/** CPU as millicores, rounded up; at least 10m, so a request is never zero. */
export function cpuQuantity(cores: number): string {
  return `${Math.max(10, Math.ceil(cores * 1000))}m`;
}

/** Memory in whole MiB, rounded up; at least 16Mi. */
export function memoryQuantity(bytes: number): string {
  return `${Math.max(16, Math.ceil(bytes / 2 ** 20))}Mi`;
}

export function predictionView(prediction: Prediction): PredictionView {
  return {
    executionSeconds: round(prediction.executionSeconds, 3),
    cpu: cpuQuantity(prediction.cpu),
    memory: memoryQuantity(prediction.memoryBytes),
    gpu: prediction.gpu,
    hardware: prediction.hardware,
    source: prediction.source,
    confidence: round(prediction.confidence, 3),
  };
}

/** `n=512` → {n: 512}; values that read as JSON numbers, booleans or null become those, the rest strings. */
export function parseParamAssignments(assignments: readonly string[]): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  for (const assignment of assignments) {
    const at = assignment.indexOf('=');
    if (at <= 0) throw new Error(`--param ${JSON.stringify(assignment)} must be key=value`);
    const key = assignment.slice(0, at);
    const raw = assignment.slice(at + 1);
    let value: unknown = raw;
    if (/^(-?\d+(\.\d+)?([eE][-+]?\d+)?|true|false|null)$/.test(raw)) value = JSON.parse(raw);
    // Dotted keys nest, as the predictor flattens them back: model.layers=4 → {model: {layers: 4}}.
    const path = key.split('.');
    let target = params;
    for (const part of path.slice(0, -1)) target = (target[part] ??= {}) as Record<string, unknown>;
    target[path[path.length - 1]!] = value;
  }
  return params;
}

/** A query from URL parameters: taskType, param (repeated, key=value), inputSize, hardware, gpuProduct. */
export function queryFromSearchParams(search: URLSearchParams): PredictionQuery {
  const taskType = search.get('taskType');
  if (!taskType) throw new Error('taskType is required');
  const hardware = search.get('hardware');
  if (hardware && !['cpu', 'gpu', 'any'].includes(hardware)) throw new Error('hardware must be cpu, gpu or any');
  const inputSize = search.get('inputSize');
  const gpuProduct = search.get('gpuProduct');
  return {
    taskType,
    params: parseParamAssignments(search.getAll('param')),
    ...(inputSize !== null ? { inputSize: Number(inputSize) } : {}),
    ...(hardware ? { hardware: { type: hardware as 'cpu' | 'gpu' | 'any', ...(gpuProduct ? { gpuProduct } : {}) } } : {}),
  };
}
