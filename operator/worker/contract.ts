// The worker side of docs/worker-contract.md: the environment, the input document, the
// metrics, and the outcome written to the termination message (with a ConfigMap for large
// results). Everything here is a plain function of plain data except the few small readers
// and writers at the end; the Kubernetes write lives in result-configmap.ts.
import { readFileSync, writeFileSync } from 'node:fs';
import type { V1ConfigMap } from '@kubernetes/client-node';
import { z } from 'zod';
import { RESULT_KEY, toChunkedData } from '../core/merge/chunks.js';

export const INPUT_API_VERSION = 'drm.dtf.io/v1alpha1';
export const DEFAULT_INPUT_FILE = '/var/run/drm/input/input.json';
export const DEFAULT_TERMINATION_MESSAGE_PATH = '/dev/termination-log';
/** The kubelet keeps at most this much of a container's termination message. */
export const TERMINATION_MESSAGE_LIMIT_BYTES = 4096;
export { RESULT_KEY };
/** Every chunk of a result in the ConfigMap stays strictly under this. */
export const RESULT_CHUNK_LIMIT_BYTES = 900 * 1024;
/** The API server rejects a ConfigMap whose data values add up to more than 1 MiB. */
export const CONFIG_MAP_DATA_LIMIT_BYTES = 1024 * 1024;
export const SUBTASK_LABEL = 'drm.dtf.io/subtask';

/** The contract was not kept (bad environment, input document or result); shown to the user. */
export class ContractError extends Error {
  override readonly name = 'ContractError';
}

const utf8Bytes = (text: string): number => Buffer.byteLength(text, 'utf8');

// ---------------------------------------------------------------------------------------------
// The environment.

export interface WorkerEnvironment {
  inputFile: string;
  terminationMessagePath: string;
  resultConfigMap?: string | undefined;
  namespace?: string | undefined;
  podName?: string | undefined;
  podUid?: string | undefined;
  taskName?: string | undefined;
  subtaskName?: string | undefined;
  attempt?: number | undefined;
  taskType?: string | undefined;
}

type Environment = Record<string, string | undefined>;

/** A variable's trimmed value; unset and empty are the same. */
function variable(env: Environment, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

/** Where the outcome goes; never fails, so that every other failure can be reported there. */
export function terminationMessagePathFrom(env: Environment): string {
  return variable(env, 'DRM_TERMINATION_MESSAGE_PATH') ?? DEFAULT_TERMINATION_MESSAGE_PATH;
}

/** Reads the DRM_* variables. Paths default to the documented ones. */
export function readWorkerEnvironment(env: Environment): WorkerEnvironment {
  const get = (name: string) => variable(env, name);
  const attemptText = get('DRM_ATTEMPT');
  let attempt: number | undefined;
  if (attemptText !== undefined) {
    attempt = Number(attemptText);
    if (!/^\d+$/.test(attemptText) || attempt < 1) {
      throw new ContractError(`DRM_ATTEMPT must be a positive integer (1-based), got ${JSON.stringify(attemptText)}`);
    }
  }
  return {
    inputFile: get('DRM_INPUT_FILE') ?? DEFAULT_INPUT_FILE,
    terminationMessagePath: terminationMessagePathFrom(env),
    resultConfigMap: get('DRM_RESULT_CONFIGMAP'),
    namespace: get('DRM_NAMESPACE'),
    podName: get('DRM_POD_NAME'),
    podUid: get('DRM_POD_UID'),
    taskName: get('DRM_TASK_NAME'),
    subtaskName: get('DRM_SUBTASK_NAME'),
    attempt,
    taskType: get('DRM_TASK_TYPE'),
  };
}

// ---------------------------------------------------------------------------------------------
// The input document.

export const inputDocumentSchema = z.looseObject({
  apiVersion: z
    .literal(INPUT_API_VERSION, { error: (issue) => `expected "${INPUT_API_VERSION}", got ${JSON.stringify(issue.input)}` })
    .optional(),
  task: z.string().optional(),
  subtask: z.string().optional(),
  namespace: z.string().optional(),
  role: z.string().optional(),
  index: z.int().min(0).optional(),
  attempt: z.int().min(1).optional(),
  taskType: z.string().min(1).optional(),
  params: z.record(z.string(), z.unknown(), { error: 'expected an object' }).default({}),
  // An array: the partition's items, or for a later shard or stage the one before's result
  // (wrapped in a one-item array when it was not one).
  items: z.unknown().default([]),
});
export type InputDocument = z.output<typeof inputDocumentSchema>;

export function parseInputDocument(text: string, source: string): InputDocument {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ContractError(`input document ${source} is not valid JSON: ${errorText(error)}`);
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new ContractError(`input document ${source} must be a JSON object`);
  }
  const parsed = inputDocumentSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.map(String).join('.') || '(document)'}: ${issue.message}`);
    throw new ContractError(`input document ${source} is invalid: ${problems.join('; ')}`);
  }
  return parsed.data;
}

export function readInputDocument(path: string): InputDocument {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ContractError(`cannot read the input document ${path} (DRM_INPUT_FILE): ${errorText(error)}`);
  }
  return parseInputDocument(text, path);
}

/** What this run is: the environment wins over the input document where both say. */
export interface RunIdentity {
  taskType: string;
  attempt: number;
  functionName?: string | undefined;
  taskName?: string | undefined;
  subtaskName?: string | undefined;
  namespace?: string | undefined;
  /** Where the environment and the document disagree, for a warning. */
  disagreements: string[];
}

export function resolveRunIdentity(env: WorkerEnvironment, input: InputDocument): RunIdentity {
  const taskType = env.taskType ?? input.taskType;
  if (taskType === undefined) {
    throw new ContractError('no workload selected: set DRM_TASK_TYPE or the input document\'s "taskType"');
  }
  const disagreements: string[] = [];
  const compare = (field: string, fromEnv: unknown, fromDocument: unknown) => {
    if (fromEnv !== undefined && fromDocument !== undefined && fromEnv !== fromDocument) {
      disagreements.push(`${field}: environment ${JSON.stringify(fromEnv)}, input document ${JSON.stringify(fromDocument)}`);
    }
  };
  compare('taskType', env.taskType, input.taskType);
  compare('attempt', env.attempt, input.attempt);
  compare('task', env.taskName, input.task);
  compare('subtask', env.subtaskName, input.subtask);
  compare('namespace', env.namespace, input.namespace);
  const fn = input.params.function;
  return {
    taskType,
    attempt: env.attempt ?? input.attempt ?? 1,
    functionName: typeof fn === 'string' ? fn : undefined,
    taskName: env.taskName ?? input.task,
    subtaskName: env.subtaskName ?? input.subtask,
    namespace: env.namespace ?? input.namespace,
    disagreements,
  };
}

// ---------------------------------------------------------------------------------------------
// Metrics.

export interface Metrics {
  /** Wall-clock seconds of the work. */
  executionSeconds: number;
  /** Average cores busy during the work: CPU time over wall time. */
  cpuCoresUsed: number;
  /** Peak resident set of the worker process, in bytes. */
  memoryBytesUsed: number;
  /** Items in the input: what the predictor relates the time and memory to. */
  inputItems?: number;
  /** When the work started and ended, RFC 3339 with milliseconds: finer than the pod's own times (seconds). */
  startedAt?: string;
  finishedAt?: string;
}

export interface ResourceSample {
  wallSeconds: number;
  /** User plus system CPU time spent, in microseconds (process.cpuUsage). */
  cpuMicroseconds: number;
  /** Peak RSS in KiB, as process.resourceUsage().maxRSS reports it. */
  maxRssKiB: number;
}

const round = (value: number, digits: number) => Number(value.toFixed(digits));

export function metricsFrom(sample: ResourceSample): Metrics {
  const cpuSeconds = sample.cpuMicroseconds / 1e6;
  return {
    executionSeconds: round(sample.wallSeconds, 6),
    cpuCoresUsed: sample.wallSeconds > 0 ? round(cpuSeconds / sample.wallSeconds, 3) : 0,
    memoryBytesUsed: sample.maxRssKiB * 1024,
  };
}

/** Starts measuring now; the returned function gives the metrics up to the moment it is called. */
export function startMeasurement(): () => Metrics {
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const cpuAtStart = process.cpuUsage();
  return () => {
    const cpu = process.cpuUsage(cpuAtStart);
    const metrics = metricsFrom({
      wallSeconds: (performance.now() - started) / 1000,
      cpuMicroseconds: cpu.user + cpu.system,
      maxRssKiB: process.resourceUsage().maxRSS,
    });
    return { ...metrics, startedAt, finishedAt: new Date().toISOString() };
  };
}

// ---------------------------------------------------------------------------------------------
// The outcome.

export type OutcomeMessage =
  | { result: unknown; metrics?: Metrics }
  | { resultConfigMap: string; metrics?: Metrics }
  | { error: string; metrics?: Metrics };

export type SuccessPlan =
  /** The message carries the result itself. */
  | { kind: 'inline'; message: string }
  /** Create the ConfigMap first, then write the message, which names it. */
  | { kind: 'configMap'; configMapName: string; data: Record<string, string>; message: string };

export function fitsTerminationMessage(message: string): boolean {
  return utf8Bytes(message) <= TERMINATION_MESSAGE_LIMIT_BYTES;
}

/** JSON text of a result; undefined becomes null so that the message always has its key. */
export function serializeResult(result: unknown): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(result ?? null);
  } catch (error) {
    throw new ContractError(`the result is not JSON-serializable: ${errorText(error)}`);
  }
  // JSON.stringify returns undefined for a bare function or symbol.
  if (json === undefined) throw new ContractError(`the result is not JSON-serializable (${typeof result})`);
  return json;
}

/**
 * Decides how a successful result travels: inline when `{result, metrics}` fits the termination
 * message, otherwise in the ConfigMap `resultConfigMap` under `result.json`, or `result.json.0`,
 * `.1`, … when it does not fit one key.
 */
export function planSuccess(result: unknown, metrics: Metrics | undefined, resultConfigMap: string | undefined): SuccessPlan {
  const resultJson = serializeResult(result);
  const inline = `{"result":${resultJson}${metrics === undefined ? '' : `,"metrics":${JSON.stringify(metrics)}`}}`;
  if (fitsTerminationMessage(inline)) return { kind: 'inline', message: inline };

  const resultBytes = utf8Bytes(resultJson);
  if (resultBytes > CONFIG_MAP_DATA_LIMIT_BYTES) {
    throw new ContractError(
      `the result is ${resultBytes} bytes of JSON, more than the ${CONFIG_MAP_DATA_LIMIT_BYTES} bytes a ConfigMap can hold`,
    );
  }
  if (resultConfigMap === undefined) {
    throw new ContractError(
      `the result is ${resultBytes} bytes of JSON, too large for the ${TERMINATION_MESSAGE_LIMIT_BYTES}-byte termination message, and DRM_RESULT_CONFIGMAP is not set`,
    );
  }
  const message: OutcomeMessage = { resultConfigMap, ...(metrics === undefined ? {} : { metrics }) };
  return { kind: 'configMap', configMapName: resultConfigMap, data: resultConfigMapData(resultJson), message: JSON.stringify(message) };
}

/** The ConfigMap data for a result: one key when it is small enough, numbered chunks otherwise (the layout merge/chunks defines). */
export function resultConfigMapData(resultJson: string, chunkLimitBytes = RESULT_CHUNK_LIMIT_BYTES): Record<string, string> {
  return toChunkedData(resultJson, chunkLimitBytes - 1, RESULT_KEY);
}

/**
 * The reader's side: the result JSON text from a result ConfigMap's data, whether it holds
 * `result.json` or the chunks `result.json.0..N` (joined in numeric order).
 */
export function joinResultConfigMapData(data: Record<string, string>): string {
  const single = data[RESULT_KEY];
  if (single !== undefined) return single;
  const chunkKey = new RegExp(`^${RESULT_KEY.replace('.', '\\.')}\\.(\\d+)$`);
  const chunks = Object.entries(data)
    .flatMap(([key, value]) => {
      const match = chunkKey.exec(key);
      return match ? [{ index: Number(match[1]), value }] : [];
    })
    .sort((x, y) => x.index - y.index);
  if (chunks.length === 0) throw new ContractError(`the result ConfigMap has neither ${RESULT_KEY} nor ${RESULT_KEY}.0`);
  chunks.forEach((chunk, position) => {
    if (chunk.index !== position) throw new ContractError(`the result ConfigMap lacks chunk ${RESULT_KEY}.${position}`);
  });
  return chunks.map((chunk) => chunk.value).join('');
}

/**
 * `{error, metrics?}`, with the error text shortened (ending in "…") when the whole message
 * would not fit the termination message: a truncated JSON document would be unreadable.
 */
export function encodeError(error: unknown, metrics?: Metrics): string {
  const encode = (text: string) => JSON.stringify({ error: text, ...(metrics === undefined ? {} : { metrics }) });
  const text = errorText(error);
  const whole = encode(text);
  if (fitsTerminationMessage(whole)) return whole;
  // The longest prefix that fits, by binary search (characters take 1 to 6 bytes in JSON).
  const shortened = (length: number) => {
    // Never end on the first half of a surrogate pair.
    const end = length > 0 && /[\uD800-\uDBFF]/.test(text[length - 1]!) ? length - 1 : length;
    return encode(`${text.slice(0, end)}…`);
  };
  let fitting = 0;
  let tooLong = text.length;
  while (tooLong - fitting > 1) {
    const middle = Math.floor((fitting + tooLong) / 2);
    if (fitsTerminationMessage(shortened(middle))) fitting = middle;
    else tooLong = middle;
  }
  return shortened(fitting);
}

export function errorText(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  if (typeof error === 'string') return error;
  try {
    return JSON.stringify(error) ?? String(error);
  } catch {
    return String(error);
  }
}

// ---------------------------------------------------------------------------------------------
// The result ConfigMap object.

export interface ResultConfigMapTarget {
  name: string;
  namespace: string;
  podName?: string | undefined;
  podUid?: string | undefined;
  subtaskName?: string | undefined;
}

const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
export const isLabelValue = (value: string): boolean => value.length <= 63 && LABEL_VALUE.test(value);

/**
 * The ConfigMap holding a large result. Owned by the worker's pod, so it goes when the pod
 * goes; blockOwnerDeletion stays unset because setting it needs rights on the pod that the
 * drm-worker ServiceAccount does not have. The subtask label is left off when the subtask's
 * name is not a valid label value (names may be longer than the 63 a label allows).
 */
export function resultConfigMap(target: ResultConfigMapTarget, data: Record<string, string>): V1ConfigMap {
  const { name, namespace, podName, podUid, subtaskName } = target;
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name,
      namespace,
      ...(subtaskName !== undefined && isLabelValue(subtaskName) ? { labels: { [SUBTASK_LABEL]: subtaskName } } : {}),
      ...(podName !== undefined && podUid !== undefined
        ? { ownerReferences: [{ apiVersion: 'v1', kind: 'Pod', name: podName, uid: podUid }] }
        : {}),
    },
    data,
  };
}

// ---------------------------------------------------------------------------------------------
// The termination message file.

/** Writes the outcome at most once, whoever gets there first (the run or the SIGTERM handler). */
export class TerminationMessage {
  private writtenMessage: string | undefined;

  constructor(readonly path: string) {}

  get written(): string | undefined {
    return this.writtenMessage;
  }

  /** True when this call wrote the message; false when one was already written. Throws on I/O errors. */
  write(message: string): boolean {
    if (this.writtenMessage !== undefined) return false;
    writeFileSync(this.path, message, 'utf8');
    this.writtenMessage = message;
    return true;
  }
}
