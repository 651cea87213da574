// Shared by the API unit tests: the schema of each kind, and matching zod issues to field paths.
import type { z } from 'zod';
import { formatFieldPath, orchestratedTaskSchema, subtaskSchema, workerPoolSchema } from '../../../operator/api/index.js';

export const schemaOfKind: Record<string, z.ZodType> = {
  OrchestratedTask: orchestratedTaskSchema,
  Subtask: subtaskSchema,
  WorkerPool: workerPoolSchema,
};

export function schemaFor(manifest: Record<string, unknown>): z.ZodType {
  const schema = schemaOfKind[String(manifest.kind)];
  if (!schema) throw new Error(`no schema for kind ${String(manifest.kind)}`);
  return schema;
}

/** The field paths of every issue zod reports for a manifest (empty when it is valid). */
export function issuePaths(manifest: Record<string, unknown>): string[] {
  const result = schemaFor(manifest).safeParse(manifest);
  return result.success ? [] : result.error.issues.map((issue) => formatFieldPath(issue.path));
}

/** Whether `path` is `field` or lies inside it (`spec.stages[1]` covers `spec.stages[1].name`). */
export function pathWithin(path: string, field: string): boolean {
  return path === field || path.startsWith(`${field}.`) || path.startsWith(`${field}[`);
}
