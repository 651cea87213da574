// A Prediction as the API shows it (status.prediction, the CLI's JSON, /debug/predict) (pure).
import { workerPoolSchema } from '../api/workerpool.js';
import type { PoolOffer, WorkerTypeRecommendation } from '../core/optimize/index.js';
import { parseQuantity } from '../core/placement/quantity.js';
import { parseShape, SIMULATE_NODE_ANNOTATION } from '../simulate/pools.js';
import type { Prediction, PredictionQuery, Throughput } from '../core/predict/index.js';

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

/** What `npm run predict -- --json` and `kubectl drm predict --json` print: the view and the detail behind it. */
export interface PredictionReport extends PredictionView {
  /** Execution seconds at the 10th and 90th percentile. */
  interval: { p10: number; p90: number };
  /** Items per second the answer implies, when the query gave an input size. */
  itemsPerSecond?: number;
  /** Items per second the taskType's runs processed, per hardware. */
  throughput: Throughput[];
  /** The worker type (and pool, when the cluster's pools are known) the work calls for. */
  recommendation?: { workerType: string; gpuProduct?: string; pool?: string; perNode?: number; reason: string };
}

const significant = (value: number) => Number(value.toPrecision(4));

export function predictionReport(prediction: Prediction, throughput: readonly Throughput[], recommendation?: WorkerTypeRecommendation): PredictionReport {
  const interval = prediction.interval ?? { p10: prediction.executionSeconds, p90: prediction.executionSeconds };
  return {
    ...predictionView(prediction),
    interval: { p10: round(interval.p10, 3), p90: round(interval.p90, 3) },
    ...(prediction.itemsPerSecond !== undefined ? { itemsPerSecond: significant(prediction.itemsPerSecond) } : {}),
    throughput: throughput.map((entry) => ({ hardware: entry.hardware, itemsPerSecond: significant(entry.itemsPerSecond), runs: entry.runs })),
    ...(recommendation
      ? {
          recommendation: {
            workerType: recommendation.workerType,
            ...(recommendation.gpuProduct ? { gpuProduct: recommendation.gpuProduct } : {}),
            ...(recommendation.pool ? { pool: recommendation.pool } : {}),
            ...(recommendation.perNode !== undefined ? { perNode: recommendation.perNode } : {}),
            reason: recommendation.reason,
          },
        }
      : {}),
  };
}

/** The report as `name  value` rows for the terminal. */
export function predictionRows(report: PredictionReport, gpuProduct?: string): Array<[string, string]> {
  const rows: Array<[string, string]> = [
    ['executionSeconds', String(report.executionSeconds)],
    ['P10–P90', `${report.interval.p10} – ${report.interval.p90} s`],
    ['cpu', report.cpu],
    ['memory', report.memory],
    ['gpu', String(report.gpu)],
    ['hardware', `${report.hardware}${gpuProduct ? ` (${gpuProduct})` : ''}`],
    ['source', report.source],
    ['confidence', String(report.confidence)],
  ];
  if (report.itemsPerSecond !== undefined) rows.push(['items/s', String(report.itemsPerSecond)]);
  if (report.throughput.length > 0) rows.push(['throughput', report.throughput.map((entry) => `${entry.hardware} ${entry.itemsPerSecond} items/s (${entry.runs} runs)`).join(', ')]);
  if (report.recommendation) {
    const { workerType, gpuProduct: product, pool, perNode, reason } = report.recommendation;
    const where = pool ? `, pool ${pool}${perNode !== undefined ? ` (${perNode} per node)` : ''}` : '';
    rows.push(['worker type', `${workerType}${product ? ` ${product}` : ''}${where}: ${reason}`]);
  }
  return rows;
}

/**
 * The pools a recommendation may name, from WorkerPool objects as the API lists them: those that
 * validate, with a node shape when the spec (kwok) or the drm.dtf.io/simulate-node annotation
 * gives one.
 */
export function poolOffersFrom(items: readonly unknown[]): PoolOffer[] {
  return items.flatMap((item): PoolOffer[] => {
    const parsed = workerPoolSchema.safeParse(item);
    const name = parsed.success ? parsed.data.metadata.name : undefined;
    if (!parsed.success || !name) return [];
    const pool = parsed.data;
    const annotation = pool.metadata.annotations?.[SIMULATE_NODE_ANNOTATION];
    const kwok = pool.spec.provider.kwok?.node;
    let node: PoolOffer['node'];
    try {
      node = annotation !== undefined ? parseShape(annotation, (detail) => new Error(detail)) : kwok ? { cpu: parseQuantity(kwok.cpu), memoryBytes: parseQuantity(kwok.memory), gpu: kwok.gpu ?? 0 } : undefined;
    } catch {
      node = undefined;
    }
    return [
      {
        name,
        hardware: { type: pool.spec.hardware.type, ...(pool.spec.hardware.gpuProduct ? { gpuProduct: pool.spec.hardware.gpuProduct } : {}) },
        ...(node ? { node } : {}),
        ...(pool.spec.costPerNodeHour !== undefined ? { costPerNodeHour: pool.spec.costPerNodeHour } : {}),
      },
    ];
  });
}
