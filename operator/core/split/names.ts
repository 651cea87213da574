// Deterministic names for the objects a task fans out into: Subtasks, their attempt Pods, and
// label values. Names are derived, never stored, so a reconcile after a crash finds the same
// objects again; a name too long is truncated with a short hash of what was cut so that it
// stays unique and stable.
import { createHash } from 'node:crypto';

/**
 * Longest Subtask name we generate. A Kubernetes object name may have 253 characters; keeping
 * Subtask names to 200 leaves room for every name derived from them (`-a<attempt>` Pods,
 * `-input` and `-result` ConfigMaps) without a second truncation.
 */
export const MAX_SUBTASK_NAME_LENGTH = 200;
/** Longest object name Kubernetes accepts (a DNS-1123 subdomain). */
export const MAX_OBJECT_NAME_LENGTH = 253;
/** Longest label value Kubernetes accepts. */
export const MAX_LABEL_VALUE_LENGTH = 63;

const HASH_LENGTH = 8;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** Which part of its task a subtask runs; enough to name it. */
export type SubtaskKey =
  | { role: 'partition'; index: number }
  | { role: 'shard'; index: number; name: string }
  | { role: 'stage'; microBatch: number; name: string }
  | { role: 'variant'; name: string }
  | { role: 'function'; name: string };

/** A short, stable hex digest of `text`: what keeps truncated names distinct. */
export function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, HASH_LENGTH);
}

/** The part of a name after `<task>`: `-p3`, `-s1-decode`, `-m4-decode`, `-v-small`, `-f-latency`. */
export function subtaskNameSuffix(key: SubtaskKey): string {
  switch (key.role) {
    case 'partition':
      return `-p${key.index}`;
    case 'shard':
      return `-s${key.index}-${key.name}`;
    case 'stage':
      return `-m${key.microBatch}-${key.name}`;
    case 'variant':
      return `-v-${key.name}`;
    case 'function':
      return `-f-${key.name}`;
  }
}

/**
 * `base + suffix`, at most `maxLength` characters. When too long, `base` is cut and followed by
 * `-<hash of base>` so that two long bases sharing a prefix still give different names, while
 * the suffix (what tells siblings apart) stays readable.
 */
export function boundedName(base: string, suffix: string, maxLength: number = MAX_OBJECT_NAME_LENGTH): string {
  const whole = base + suffix;
  if (whole.length <= maxLength) return whole;
  const hashPart = `-${shortHash(base)}`;
  const room = maxLength - suffix.length - hashPart.length;
  if (room < 1) {
    throw new RangeError(`cannot fit a name ending in "${suffix}" into ${maxLength} characters`);
  }
  // A DNS subdomain may not end a segment with '-' or '.': cut back to an alphanumeric.
  const head = base.slice(0, room).replace(/[^a-z0-9]+$/, '');
  return `${head || 'x'}${hashPart}${suffix}`;
}

/** A '-'-separated segment that starts a suffix: `p3`, `s0`, `m12`, `v`, `f` (hex digits never match). */
const SUFFIX_MARKER = /^([psm][0-9]+|v|f)$/;

/**
 * Whether `<task><suffix>` could also be read as another task's name and suffix. Task `a` with
 * variant `v-x` and task `a-v` with variant `x` both give `a-v-v-x`; task `a-v` partition 3 and
 * task `a` variant `p3` both give `a-v-p3`. Neither can happen when the task's last segment is not
 * a marker and the part's own name has no '-': the suffix is then exactly the last one segment
 * (`p<n>`) or two (`<marker>-<name>`), and what precedes it is the task's name.
 */
function ambiguous(taskName: string, key: SubtaskKey): boolean {
  const lastSegment = taskName.slice(taskName.lastIndexOf('-') + 1);
  return SUFFIX_MARKER.test(lastSegment) || ('name' in key && key.name.includes('-'));
}

/**
 * The Subtask object name for one part of task `taskName`, at most 200 characters, unique among
 * all tasks of the namespace: `<task><suffix>` (e.g. `squares-p0`), with `-<hash of the task
 * name>` after the task's name wherever that form could be read two ways.
 */
export function subtaskName(taskName: string, key: SubtaskKey): string {
  const base = ambiguous(taskName, key) ? `${taskName}-${shortHash(taskName)}` : taskName;
  return boundedName(base, subtaskNameSuffix(key), MAX_SUBTASK_NAME_LENGTH);
}

/**
 * The ConfigMap holding chunk `chunk` of a task's merged result when it is too large for the
 * status: `<task>-result`, `<task>-result-1`, ... A long task name is cut with a hash of the whole
 * name, so two tasks sharing a long prefix never share (and overwrite) a result.
 */
export function taskResultConfigMapName(taskName: string, chunk: number): string {
  return boundedName(taskName, chunk === 0 ? '-result' : `-result-${chunk}`);
}

/** The Pod of attempt `attempt` (1-based, as DRM_ATTEMPT) of a subtask: `<subtask>-a<attempt>`. */
export function attemptPodName(subtask: string, attempt: number): string {
  if (!Number.isInteger(attempt) || attempt < 1) {
    throw new RangeError(`attempt must be a whole number from 1, not ${attempt}`);
  }
  return boundedName(subtask, `-a${attempt}`, MAX_OBJECT_NAME_LENGTH);
}

/**
 * `value` as a valid label value (at most 63 characters: alphanumerics, '-', '_', '.' inside).
 * A valid value is returned unchanged; otherwise invalid characters become '-', the ends are
 * trimmed to alphanumerics, and a hash of the original is appended so that different inputs
 * (say "a/b" and "a-b") keep different labels.
 */
export function toLabelValue(value: string): string {
  if (value.length <= MAX_LABEL_VALUE_LENGTH && LABEL_VALUE.test(value)) return value;
  const hash = shortHash(value);
  const cleaned = value.replace(/[^-A-Za-z0-9_.]/g, '-');
  const head = cleaned
    .slice(0, MAX_LABEL_VALUE_LENGTH - HASH_LENGTH - 1)
    .replace(/^[^A-Za-z0-9]+/, '')
    .replace(/[^A-Za-z0-9]+$/, '');
  return head ? `${head}-${hash}` : hash;
}
