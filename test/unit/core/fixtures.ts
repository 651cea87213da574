// Helpers for the core tests: tasks built by test/builders and validated by the real schema,
// and checks that a plan is something the API server would accept.
import { expect } from '@jest/globals';
import { DNS1123_SUBDOMAIN_PATTERN, orchestratedTaskSchema, subtaskSpecSchema, type OrchestratedTask } from '../../../operator/api/index.js';
import { MAX_SUBTASK_NAME_LENGTH, type SplitPlan } from '../../../operator/core/split/index.js';
import type { SubtaskResult } from '../../../operator/core/merge/index.js';
import type { Manifest } from '../../builders/index.js';

/** A builder's manifest as the operator sees it: validated, defaults applied. */
export function parsed(manifest: Manifest): OrchestratedTask {
  return orchestratedTaskSchema.parse(manifest);
}

/** The task's inline items, as the controller passes them to planSubtasks. */
export function inlineItems(task: OrchestratedTask): unknown[] {
  return task.spec.input?.items ?? [];
}

export function range(count: number, from = 0): number[] {
  return Array.from({ length: count }, (_, i) => from + i);
}

const subdomain = new RegExp(DNS1123_SUBDOMAIN_PATTERN);

/** Every name is a valid, unique object name and every spec passes the Subtask schema and its rules. */
export function expectValidPlan(plan: SplitPlan): void {
  const names = plan.subtasks.map((subtask) => subtask.name);
  expect(new Set(names).size).toBe(names.length);
  for (const subtask of plan.subtasks) {
    expect(subtask.name.length).toBeLessThanOrEqual(MAX_SUBTASK_NAME_LENGTH);
    expect(subtask.name).toMatch(subdomain);
    const check = subtaskSpecSchema.safeParse(subtask.spec);
    if (!check.success) throw new Error(`${subtask.name}: ${check.error.message}`);
  }
}

/** The items a planned subtask works on, for plans whose subtasks carry inline input. */
export function inlineInputOf(plan: SplitPlan, index: number): unknown[] | undefined {
  return plan.subtasks[index]?.spec.input?.items;
}

/** Shorthand for merge inputs. */
export function ok(name: string, role: SubtaskResult['role'], index: number, result: unknown, microBatch?: number): SubtaskResult {
  return { name, role, index, succeeded: true, result, ...(microBatch !== undefined ? { microBatch } : {}) };
}

export function failed(name: string, role: SubtaskResult['role'], index: number, microBatch?: number): SubtaskResult {
  return { name, role, index, succeeded: false, ...(microBatch !== undefined ? { microBatch } : {}) };
}

/** A deterministic shuffle (a fixed linear congruential generator), so tests never depend on luck. */
export function shuffled<T>(values: readonly T[], seed = 7): T[] {
  const copy = [...values];
  let state = seed;
  for (let i = copy.length - 1; i > 0; i--) {
    state = (state * 1103515245 + 12345) % 2147483648;
    const j = state % (i + 1);
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}
