// The dependency graph of a plan (ModelParallel chains, PipelineParallel per-micro-batch
// chains) and where each subtask's items come from.
import type { SubtaskSpec } from '../../api/subtask.js';

/** Anything with a name and dependsOn: a PlannedSubtask, or a Subtask object's name and spec. */
export interface DependencyNode {
  name: string;
  spec: Pick<SubtaskSpec, 'dependsOn'>;
}

/**
 * The subtasks that may start now: not completed themselves, and every subtask they depend on
 * completed. The caller leaves out those that already have a Pod. In plan order.
 */
export function runnableSubtasks<T extends DependencyNode>(subtasks: readonly T[], completed: ReadonlySet<string>): T[] {
  return subtasks.filter((subtask) => !completed.has(subtask.name) && (subtask.spec.dependsOn ?? []).every((dependency) => completed.has(dependency)));
}

/**
 * The subtasks that can never start because something they depend on, directly or through
 * others, has failed for good (under ContinueOnFailure the controller ends them instead of
 * leaving them Pending forever). In plan order; the failed ones themselves are not included.
 */
export function unreachableSubtasks<T extends DependencyNode>(subtasks: readonly T[], failed: ReadonlySet<string>): T[] {
  const blocked = new Set<string>();
  // Repeat until nothing changes, so the answer does not depend on the list being in dependency order.
  let changed = true;
  while (changed) {
    changed = false;
    for (const subtask of subtasks) {
      if (failed.has(subtask.name) || blocked.has(subtask.name)) continue;
      if ((subtask.spec.dependsOn ?? []).some((dependency) => failed.has(dependency) || blocked.has(dependency))) {
        blocked.add(subtask.name);
        changed = true;
      }
    }
  }
  return subtasks.filter((subtask) => blocked.has(subtask.name));
}

/**
 * A result as a list of items. The worker contract hands every worker an `items` array, but a
 * shard or stage may return anything (a sum, an object): a non-array result becomes a one-item
 * array, so the next shard still receives it whole rather than failing or having an object's
 * values spread out. An array result is passed on as is.
 */
export function asItems(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [value];
}

/**
 * The items of a subtask that depends on others and has neither input nor inputRef: the result
 * of its last dependency (the Subtask schema's rule), as asItems makes it. `results` holds the
 * results of completed subtasks by name.
 */
export function itemsFromDependencies(spec: Pick<SubtaskSpec, 'dependsOn'>, results: ReadonlyMap<string, unknown>): unknown[] {
  const last = spec.dependsOn?.at(-1);
  if (last === undefined) throw new Error('the subtask depends on nothing, so it has no dependency input');
  if (!results.has(last)) throw new Error(`the result of ${last}, which the subtask depends on, is not available`);
  return asItems(results.get(last));
}

/** Where a subtask's items come from. */
export type InputSource =
  | { kind: 'inline'; items: unknown[] }
  | { kind: 'configMap'; name: string; key: string; offset: number; count: number | undefined }
  | { kind: 'dependency'; from: string };

/**
 * Where the items of a subtask come from: its inline input, a slice of a ConfigMap's array (read
 * it, then selectItems), or its last dependency's result (itemsFromDependencies). A subtask with
 * none of them has no items.
 */
export function inputSource(spec: Pick<SubtaskSpec, 'input' | 'inputRef' | 'dependsOn'>): InputSource {
  if (spec.input !== undefined) return { kind: 'inline', items: spec.input.items };
  if (spec.inputRef !== undefined) {
    const { name, key, offset, count } = spec.inputRef;
    return { kind: 'configMap', name, key, offset: offset ?? 0, count };
  }
  const last = spec.dependsOn?.at(-1);
  if (last !== undefined) return { kind: 'dependency', from: last };
  return { kind: 'inline', items: [] };
}

/** Items [offset, offset + count) of the parsed JSON document a ConfigMap key holds; it must be an array. */
export function selectItems(document: unknown, ref: { offset?: number | undefined; count?: number | undefined }): unknown[] {
  if (!Array.isArray(document)) throw new Error(`the input document is ${describeJsonType(document)}, not a JSON array of items`);
  const offset = ref.offset ?? 0;
  const end = ref.count === undefined ? document.length : offset + ref.count;
  if (end > document.length) {
    throw new Error(`the input document has ${document.length} items, fewer than the ${end} the subtask's slice [${offset}, ${end}) needs`);
  }
  return document.slice(offset, end);
}

function describeJsonType(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}
