// Merging the results of a task's subtasks into the task's result, by strategy and method.
import { MERGE_METHODS_BY_STRATEGY, type MergeMethod, type Strategy } from '../../api/orchestratedtask.js';
import type { SubtaskRole } from '../../api/subtask.js';

/** What one subtask contributed. Pass every subtask of the task, failed ones included. */
export interface SubtaskResult {
  /** The subtask's spec.name: p<index> for a partition, else the stage, variant or function name. */
  name: string;
  role: SubtaskRole;
  index: number;
  /** PipelineParallel only. */
  microBatch?: number | undefined;
  succeeded: boolean;
  /** Any JSON value; ignored when the subtask did not succeed. */
  result?: unknown;
}

/** The role every subtask of a strategy has. */
export const ROLE_BY_STRATEGY: Record<Strategy, SubtaskRole> = {
  DataParallel: 'partition',
  ModelParallel: 'shard',
  PipelineParallel: 'stage',
  Ensemble: 'variant',
  FunctionParallel: 'function',
};

/** Why a merge is impossible; CamelCase, fit for an Event or condition reason. */
export type MergeErrorReason =
  | 'UnsuitableMethod'
  | 'RoleMismatch'
  | 'DuplicateSubtask'
  | 'NoResults'
  | 'MissingLastShard'
  | 'NotNumeric'
  | 'LengthMismatch'
  /** The object the merged result goes to exists and belongs to someone else. */
  | 'NameTaken'
  /** The subtasks' results together exceed what one merge may hold in memory. */
  | 'TooLarge';

/** The results cannot be merged as asked; `message` says why in terms a user can act on. */
export class MergeError extends Error {
  override readonly name = 'MergeError';
  constructor(
    readonly reason: MergeErrorReason,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Merges subtask results, given in any order, into one value:
 * - concat: DataParallel results by partition index; PipelineParallel last-stage results by
 *   micro-batch. An array result contributes its elements (flattened one level), any other
 *   result is appended as one item.
 * - mean, median: numbers, or arrays of numbers elementwise (nested arrays recursively); all
 *   arrays at one level must have the same length.
 * - vote: the most common result by deep equality (object key order does not matter); a tie
 *   goes to the result that comes first in subtask order, i.e. by index (the order of the
 *   variants in the spec), so the outcome never depends on the order results arrive in.
 * - collect: an object keyed by partition index, shard name, variant or function name; for
 *   PipelineParallel, by stage name and then micro-batch index.
 * - last: the output of the last shard (the highest index among the subtasks passed).
 * Failed subtasks are left out (ContinueOnFailure), except that `last` needs the last shard.
 * Only the methods MERGE_METHODS_BY_STRATEGY allows for the strategy are accepted.
 */
export function mergeResults(strategy: Strategy, method: MergeMethod, results: readonly SubtaskResult[]): unknown {
  const allowed = MERGE_METHODS_BY_STRATEGY[strategy];
  if (!allowed.includes(method)) {
    throw new MergeError('UnsuitableMethod', `merge method ${method} does not suit strategy ${strategy} (use ${allowed.join(', ')})`);
  }
  const ordered = inSubtaskOrder(strategy, results);
  const succeeded = ordered.filter((entry) => entry.succeeded);
  switch (method) {
    case 'concat':
      return concat(strategy === 'PipelineParallel' ? lastStageResults(ordered) : succeeded);
    case 'collect':
      return collect(strategy, succeeded);
    case 'last':
      return lastShard(ordered);
    case 'mean':
      return combineNumbers('mean', nonEmpty(method, succeeded), mean);
    case 'median':
      return combineNumbers('median', nonEmpty(method, succeeded), median);
    case 'vote':
      return vote(nonEmpty(method, succeeded));
  }
}

/** Checks roles and duplicates, then sorts by micro-batch and index (the plan's order). */
function inSubtaskOrder(strategy: Strategy, results: readonly SubtaskResult[]): SubtaskResult[] {
  const role = ROLE_BY_STRATEGY[strategy];
  const seen = new Map<string, string>();
  for (const entry of results) {
    if (entry.role !== role) {
      throw new MergeError('RoleMismatch', `subtask ${entry.name} has role ${entry.role}, but ${strategy} subtasks have role ${role}`);
    }
    const position = `${entry.microBatch ?? 0}/${entry.index}`;
    const other = seen.get(position);
    if (other !== undefined) {
      throw new MergeError('DuplicateSubtask', `subtasks ${other} and ${entry.name} both claim ${describePosition(entry)}`);
    }
    seen.set(position, entry.name);
  }
  return [...results].sort((a, b) => (a.microBatch ?? 0) - (b.microBatch ?? 0) || a.index - b.index);
}

function describePosition(entry: SubtaskResult): string {
  return entry.microBatch === undefined ? `index ${entry.index}` : `micro-batch ${entry.microBatch}, stage index ${entry.index}`;
}

function concat(entries: readonly SubtaskResult[]): unknown[] {
  const items: unknown[] = [];
  for (const entry of entries) {
    // A loop, not push(...result): spreading a very long array overflows the call stack.
    if (Array.isArray(entry.result)) for (const item of entry.result as unknown[]) items.push(item);
    else items.push(entry.result);
  }
  return items;
}

/** The succeeded subtasks of the last stage, by micro-batch (already sorted so). */
function lastStageResults(ordered: readonly SubtaskResult[]): SubtaskResult[] {
  const lastStage = ordered.reduce((highest, entry) => Math.max(highest, entry.index), -1);
  return ordered.filter((entry) => entry.index === lastStage && entry.succeeded);
}

function collect(strategy: Strategy, entries: readonly SubtaskResult[]): Record<string, unknown> {
  const collected: Record<string, unknown> = {};
  for (const entry of entries) {
    if (strategy === 'DataParallel') {
      collected[String(entry.index)] = entry.result;
    } else if (strategy === 'PipelineParallel') {
      const byMicroBatch = (collected[entry.name] ??= {}) as Record<string, unknown>;
      byMicroBatch[String(entry.microBatch ?? 0)] = entry.result;
    } else {
      collected[entry.name] = entry.result;
    }
  }
  return collected;
}

function lastShard(ordered: readonly SubtaskResult[]): unknown {
  const last = ordered.at(-1);
  if (last === undefined) throw new MergeError('NoResults', 'there are no shard results to take the last of');
  if (!last.succeeded) {
    throw new MergeError('MissingLastShard', `the last shard, ${last.name} (index ${last.index}), did not succeed, so there is no final output`);
  }
  return last.result;
}

function nonEmpty(method: MergeMethod, succeeded: SubtaskResult[]): SubtaskResult[] {
  if (succeeded.length === 0) throw new MergeError('NoResults', `no subtask succeeded, so there is nothing to ${method === 'vote' ? 'vote on' : `take the ${method} of`}`);
  return succeeded;
}

/**
 * Applies `reduce` to numbers, or elementwise to equally long arrays, recursing into nested
 * arrays. `path` locates the element in errors, e.g. "result[2][0]".
 */
function combineNumbers(method: 'mean' | 'median', entries: readonly SubtaskResult[], reduce: (values: number[]) => number): unknown {
  const walk = (values: readonly unknown[], path: string): unknown => {
    if (values.every((value) => typeof value === 'number')) return reduce(values as number[]);
    if (values.every(Array.isArray)) {
      const arrays = values as unknown[][];
      const length = arrays[0]!.length;
      const odd = arrays.findIndex((array) => array.length !== length);
      if (odd >= 0) {
        throw new MergeError(
          'LengthMismatch',
          `${method} of arrays needs equal lengths: ${entries[0]!.name}'s ${path} has ${length} elements, ${entries[odd]!.name}'s has ${arrays[odd]!.length}`,
        );
      }
      return Array.from({ length }, (_, i) => walk(arrays.map((array) => array[i]), `${path}[${i}]`));
    }
    const odd = values.findIndex((value) => typeof value !== 'number' && !Array.isArray(value));
    const at = odd >= 0 ? odd : values.findIndex((value) => typeof value === 'number');
    throw new MergeError(
      'NotNumeric',
      `${method} needs numbers or arrays of numbers, but ${entries[at]!.name}'s ${path} is ${describeValue(values[at])}` +
        (odd < 0 ? ' while others are arrays' : ''),
    );
  };
  return walk(
    entries.map((entry) => entry.result),
    'result',
  );
}

function mean(values: number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

/** The middle value; for an even count, the mean of the two middle values. */
function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function vote(entries: readonly SubtaskResult[]): unknown {
  const tally = new Map<string, { count: number; value: unknown }>();
  for (const entry of entries) {
    const key = canonicalJson(entry.result);
    const seen = tally.get(key);
    if (seen) seen.count++;
    else tally.set(key, { count: 1, value: entry.result });
  }
  // A Map iterates in insertion order, i.e. first occurrence in subtask order; only a strictly
  // larger count displaces the current winner, so ties go to the earliest.
  let winner: { count: number; value: unknown } | undefined;
  for (const candidate of tally.values()) {
    if (winner === undefined || candidate.count > winner.count) winner = candidate;
  }
  return winner?.value;
}

/** JSON with object keys sorted: equal for deeply equal values whatever their key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item === undefined ? null : item)).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record)
      .filter((key) => record[key] !== undefined)
      .sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'missing';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}
