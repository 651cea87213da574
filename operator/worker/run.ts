// One run of the worker, start to finish: read the environment and the input document, run the
// workload, and leave exactly one outcome in the termination message. main.ts wires it to the
// process (signals, exit code); tests call it directly with fakes.
import { setTimeout as delay } from 'node:timers/promises';
import type { V1ConfigMap } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import {
  ContractError,
  encodeError,
  errorText,
  planSuccess,
  readInputDocument,
  readWorkerEnvironment,
  resolveRunIdentity,
  resultConfigMap,
  startMeasurement,
  type InputDocument,
  type Metrics,
  type RunIdentity,
  type TerminationMessage,
  type WorkerEnvironment,
} from './contract.js';
import type { ResultConfigMapWrite } from './result-configmap.js';
import { workloadFor, type Workload } from './workloads/index.js';

export type ConfigMapWriter = (configMap: V1ConfigMap) => Promise<ResultConfigMapWrite>;

export interface WorkerOptions {
  env: Record<string, string | undefined>;
  terminationMessage: TerminationMessage;
  signal: AbortSignal;
  log: Logger;
  /** Defaults to the Kubernetes API (result-configmap.ts), loaded only for a large result. */
  writeConfigMap?: ConfigMapWriter;
  /** Defaults to the built-in workloads. */
  workloadFor?: (taskType: string) => Workload;
}

export interface WorkerOutcome {
  succeeded: boolean;
  exitCode: 0 | 1;
  /** The error text of a failed run. */
  error?: string;
}

const writeWithKubernetesApi: ConfigMapWriter = async (configMap) => {
  const { writeResultConfigMap } = await import('./result-configmap.js');
  return writeResultConfigMap(configMap);
};

export async function runWorker(options: WorkerOptions): Promise<WorkerOutcome> {
  const { terminationMessage, signal } = options;
  // Until the environment is read, log what it says as it is (it may be malformed).
  let log = options.log.child({ subtask: options.env.DRM_SUBTASK_NAME, attempt: options.env.DRM_ATTEMPT });

  const fail = (error: unknown, metrics?: Metrics): WorkerOutcome => {
    const text = errorText(error);
    log.error({ err: error instanceof Error && !(error instanceof ContractError) ? error : undefined, metrics }, `failed: ${text}`);
    writeOutcome(terminationMessage, encodeError(error, metrics), log);
    return { succeeded: false, exitCode: 1, error: text };
  };

  let environment: WorkerEnvironment;
  let identity: RunIdentity;
  let input: InputDocument;
  let workload: Workload;
  try {
    environment = readWorkerEnvironment(options.env);
    input = readInputDocument(environment.inputFile);
    identity = resolveRunIdentity(environment, input);
    log = options.log.child({ task: identity.taskName, subtask: identity.subtaskName, attempt: identity.attempt, taskType: identity.taskType });
    for (const disagreement of identity.disagreements) log.warn(`environment and input document disagree (the environment wins): ${disagreement}`);
    workload = (options.workloadFor ?? workloadFor)(identity.taskType);
  } catch (error) {
    return fail(error);
  }

  log.info({ functionName: identity.functionName }, 'starting the workload');
  const measure = startMeasurement();
  const startedAt = performance.now();
  let result: unknown;
  try {
    result = await workload(input.items, input.params, { attempt: identity.attempt, functionName: identity.functionName, signal });
    await padToMinSeconds(input.params, startedAt, signal);
  } catch (error) {
    return fail(error, { ...measure(), inputItems: Array.isArray(input.items) ? input.items.length : 0 });
  }
  const metrics = { ...measure(), inputItems: Array.isArray(input.items) ? input.items.length : 0 };

  try {
    const plan = planSuccess(result, metrics, environment.resultConfigMap);
    if (plan.kind === 'configMap') {
      const namespace = identity.namespace;
      if (namespace === undefined) throw new ContractError('a large result needs a ConfigMap, but neither DRM_NAMESPACE nor the input document names a namespace');
      if (environment.podName === undefined || environment.podUid === undefined) {
        log.warn('DRM_POD_NAME or DRM_POD_UID is not set: the result ConfigMap gets no owner and outlives the pod');
      }
      const configMap = resultConfigMap(
        { name: plan.configMapName, namespace, podName: environment.podName, podUid: environment.podUid, subtaskName: identity.subtaskName },
        plan.data,
      );
      const how = await (options.writeConfigMap ?? writeWithKubernetesApi)(configMap);
      log.info({ configMap: plan.configMapName, keys: Object.keys(plan.data).length, how }, 'result written to a ConfigMap');
    }
    if (!writeOutcome(terminationMessage, plan.message, log)) return { succeeded: false, exitCode: 1, error: 'cannot write the termination message' };
    log.info({ metrics, resultIn: plan.kind }, 'succeeded');
    return { succeeded: true, exitCode: 0 };
  } catch (error) {
    return fail(error, metrics);
  }
}

/** Writes the message unless one was written already; false only when the write itself failed. */
function writeOutcome(terminationMessage: TerminationMessage, message: string, log: Logger): boolean {
  try {
    if (!terminationMessage.write(message)) log.warn('an outcome was already written (the pod is terminating); this one is dropped');
    return true;
  } catch (error) {
    log.error({ path: terminationMessage.path, err: errorText(error) }, 'cannot write the termination message');
    return false;
  }
}

/**
 * `params.minSeconds` (any built-in workload): the work lasts at least this long, the rest spent
 * waiting. It stands in for a slower device or a bigger model, so demos and scheduling tests
 * see subtasks that take time without burning the machine's CPU.
 */
export async function padToMinSeconds(params: Record<string, unknown>, startedAtMs: number, signal: AbortSignal): Promise<void> {
  const minSeconds = params.minSeconds;
  if (minSeconds === undefined) return;
  if (typeof minSeconds !== 'number' || !Number.isFinite(minSeconds) || minSeconds < 0 || minSeconds > 86_400) {
    throw new ContractError(`params.minSeconds must be a number of seconds from 0 to 86400, not ${JSON.stringify(minSeconds)}`);
  }
  const remainingMs = minSeconds * 1000 - (performance.now() - startedAtMs);
  if (remainingMs <= 0) return;
  try {
    await delay(remainingMs, undefined, { signal });
  } catch (error) {
    if (signal.aborted) throw new Error('terminated before the work finished', { cause: error });
    throw error;
  }
}
