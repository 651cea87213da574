// The core of `npm run predict` (and `kubectl drm predict`): reads the options, asks the
// predictor trained on the stored data the operator reads, and prints its answer.
import { CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { parseArgs } from 'node:util';
import { recommendWorkerTypes, type PoolOffer } from '../core/optimize/index.js';
import { Predictor } from '../core/predict/index.js';
import { createLogger } from '../runtime/logger.js';
import { parseParamAssignments, poolOffersFrom, predictionReport, predictionRows } from './format.js';
import { TrainingStore } from './store.js';

export function predictHelp(name = 'drm-predict'): string {
  return `${name}: what the operator's predictor expects of a kind of work.

Options:
  --task-type TYPE     the taskType to ask about (required), e.g. matmul
  --param KEY=VALUE    a parameter of the work, repeatable, e.g. --param n=512 --param op=square
  --input-size N       items in a subtask's input
  --hardware KIND      cpu | gpu | any (default any: the predictor recommends)
  --gpu-product NAME   a GPU product, with --hardware gpu
  --namespace NS       where the training ConfigMaps are (default: $DRM_NAMESPACE or default)
  --kubeconfig PATH    kubeconfig (default: $KUBECONFIG, ~/.kube/config, then in-cluster)
  --json               one JSON object: executionSeconds, interval {p10, p90} (seconds at the 10th
                       and 90th percentile), cpu, memory, gpu, hardware, source, confidence,
                       itemsPerSecond (with --input-size), throughput (items/s per hardware, from
                       the runs), recommendation (the worker type and the cheapest WorkerPool)
  -h, --help           this text
`;
}

export interface PredictIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

const processIo: PredictIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

class UsageError extends Error {}

/** Runs the predict command on `argv` (the arguments after the command); resolves to the exit code. */
export async function runPredict(argv: string[], options: { name?: string; helpHint?: string; io?: PredictIo } = {}): Promise<number> {
  const io = options.io ?? processIo;
  const helpHint = options.helpHint ?? 'Run with --help for the options.';
  try {
    return await predict(argv, io, options.name);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`${error.message}\n${helpHint}\n`);
      return 2;
    }
    throw error;
  }
}

async function predict(argv: string[], io: PredictIo, name: string | undefined): Promise<number> {
  const fail = (message: string): never => {
    throw new UsageError(message);
  };
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        'task-type': { type: 'string' },
        param: { type: 'string', multiple: true, default: [] },
        'input-size': { type: 'string' },
        hardware: { type: 'string', default: 'any' },
        'gpu-product': { type: 'string' },
        namespace: { type: 'string', short: 'n', default: process.env.DRM_NAMESPACE ?? 'default' },
        kubeconfig: { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    return fail((error as Error).message);
  }
  const { values } = parsed;
  if (values.help) {
    io.stdout(predictHelp(name));
    return 0;
  }
  const taskType = values['task-type'];
  if (!taskType) return fail('--task-type is required');
  if (!['cpu', 'gpu', 'any'].includes(values.hardware!)) fail(`--hardware must be cpu, gpu or any, got ${JSON.stringify(values.hardware)}`);
  let params: Record<string, unknown> = {};
  try {
    params = parseParamAssignments(values.param ?? []);
  } catch (error) {
    fail((error as Error).message);
  }
  const inputSize = values['input-size'] === undefined ? undefined : Number(values['input-size']);
  if (inputSize !== undefined && (!Number.isInteger(inputSize) || inputSize < 0)) fail(`--input-size must be a whole number ≥ 0, got ${JSON.stringify(values['input-size'])}`);

  const kubeConfig = new KubeConfig();
  if (values.kubeconfig) kubeConfig.loadFromFile(values.kubeconfig);
  else kubeConfig.loadFromDefault();
  const store = new TrainingStore(kubeConfig.makeApiClient(CoreV1Api), values.namespace!, createLogger('silent'));
  try {
    await store.load();
  } catch (error) {
    io.stderr(`cannot read the training data in namespace ${values.namespace}: ${(error as Error).message}\n`);
    return 1;
  }
  const predictor = new Predictor(store.samples());
  const prediction = predictor.predict({
    taskType,
    params,
    ...(inputSize !== undefined ? { inputSize } : {}),
    hardware: { type: values.hardware as 'cpu' | 'gpu' | 'any', ...(values['gpu-product'] ? { gpuProduct: values['gpu-product'] } : {}) },
  });
  // The pools a recommendation may name; without them (no access, say) it names the worker type only.
  let pools: PoolOffer[] | undefined;
  try {
    const list = (await kubeConfig.makeApiClient(CustomObjectsApi).listClusterCustomObject({ group: 'drm.dtf.io', version: 'v1alpha1', plural: 'workerpools' })) as { items?: unknown[] };
    pools = poolOffersFrom(list.items ?? []);
  } catch {
    pools = undefined;
  }
  const [recommendation] = recommendWorkerTypes([{ taskType, prediction }], pools);
  const report = predictionReport(prediction, predictor.throughput(taskType), recommendation);
  if (values.json) {
    io.stdout(`${JSON.stringify(report)}\n`);
  } else {
    let text = `${taskType}${Object.keys(params).length ? ` ${JSON.stringify(params)}` : ''}, from ${store.samples().length} stored samples:\n`;
    for (const [row, value] of predictionRows(report, prediction.gpuProduct)) text += `  ${row.padEnd(17)}${value}\n`;
    io.stdout(text);
  }
  return 0;
}
