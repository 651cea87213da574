// Cross-field rules written once and enforced twice: as CEL `x-kubernetes-validations` in the
// generated CRDs (so the API server rejects bad objects) and as zod refinements (so the operator
// and the tests can validate the same objects in-process with the same field paths).
import { z } from 'zod';

/** How the API server words the error of a failed rule (`spec.x: Required value: ...`, `Forbidden: ...`). */
export type RuleReason = 'FieldValueInvalid' | 'FieldValueForbidden' | 'FieldValueRequired' | 'FieldValueDuplicate';

/** One entry of `x-kubernetes-validations`, as the API server reads it. */
export interface CelValidation {
  rule: string;
  message: string;
  fieldPath: string;
  reason: RuleReason;
}

/** A rule over one object: `cel` for the API server, `holds` for zod; both must mean the same. */
export interface CrossFieldRule<T> {
  /**
   * CEL over `self` (the object the rule is attached to); true means valid. null when CEL
   * cannot express it: CEL does not see fields without a type (free-form JSON values), so
   * such a rule is enforced in-process only.
   */
  cel: string | null;
  /** Names the offending field, e.g. "partitions is only used by strategy DataParallel". */
  message: string;
  /** The offending field relative to `self`, e.g. `.partitions`; the API server prefixes the object's path. */
  fieldPath: string;
  reason: RuleReason;
  holds: (self: T) => boolean;
}

/** A rule comparing an object with its previous version (CEL `oldSelf`); runs on updates only. */
export interface TransitionRule<T> {
  cel: string;
  message: string;
  fieldPath: string;
  reason: RuleReason;
  holds: (self: T, oldSelf: T) => boolean;
}

export const VALIDATIONS_KEY = 'x-kubernetes-validations';

/** `.a.b` → ['a', 'b']: the zod issue path matching a CEL fieldPath. */
export function fieldPathSegments(fieldPath: string): string[] {
  return fieldPath.split('.').filter((segment) => segment !== '');
}

function celValidations(rules: ReadonlyArray<CrossFieldRule<never> | TransitionRule<never>>): CelValidation[] {
  return rules.flatMap((rule) =>
    rule.cel === null ? [] : [{ rule: rule.cel, message: rule.message, fieldPath: rule.fieldPath, reason: rule.reason }],
  );
}

/**
 * Attaches the rules to an object schema: zod checks `holds` after the object's own fields
 * parsed (defaults applied, as the API server defaults before running CEL), and the CRD
 * generator finds the CEL in the schema's metadata.
 */
export function withRules<S extends z.ZodType>(
  schema: S,
  rules: ReadonlyArray<CrossFieldRule<z.output<S>>>,
  transitionRules: ReadonlyArray<TransitionRule<z.output<S>>> = [],
): S {
  const refined = schema.superRefine((value, ctx) => {
    for (const rule of rules) {
      if (!rule.holds(value)) {
        ctx.addIssue({ code: 'custom', message: rule.message, path: fieldPathSegments(rule.fieldPath), input: value });
      }
    }
  });
  const validations = celValidations([...rules, ...transitionRules]);
  return validations.length === 0 ? refined : refined.meta({ [VALIDATIONS_KEY]: validations });
}

export interface TransitionIssue {
  path: string[];
  message: string;
}

/** Checks transition rules (what CEL `oldSelf` rules enforce) between two parsed versions. */
export function transitionIssues<T>(
  rules: ReadonlyArray<TransitionRule<T>>,
  newValue: T,
  oldValue: T,
  pathPrefix: string[] = [],
): TransitionIssue[] {
  return rules
    .filter((rule) => !rule.holds(newValue, oldValue))
    .map((rule) => ({ path: [...pathPrefix, ...fieldPathSegments(rule.fieldPath)], message: rule.message }));
}

/** Deep equality of plain JSON values, what CEL `==` means for maps and lists. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((item, i) => jsonEqual(item, b[i]));
  }
  if (typeof a === 'object' && typeof b === 'object' && a !== null && b !== null) {
    const aKeys = Object.keys(a).filter((key) => (a as Record<string, unknown>)[key] !== undefined);
    const bKeys = Object.keys(b).filter((key) => (b as Record<string, unknown>)[key] !== undefined);
    return (
      aKeys.length === bKeys.length &&
      aKeys.every((key) => jsonEqual((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]))
    );
  }
  return false;
}

/** A CEL string literal of any text (quotes and backslashes escaped). */
export function celString(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** A CEL list literal of string constants: ['a', 'b']. */
export function celStringList(values: readonly string[]): string {
  return `[${values.map((value) => `'${value}'`).join(', ')}]`;
}

/**
 * A list whose items are identified by key fields (`x-kubernetes-list-type: map`): the API
 * server rejects a repeated key itself (`spec.stages[1]: Duplicate value: ...`), and zod
 * reports the same path.
 */
export function keyedList<T extends z.ZodType>(
  item: T,
  keys: readonly string[],
  bounds: { minItems?: number; maxItems: number },
): z.ZodArray<T> {
  let list = z.array(item).max(bounds.maxItems);
  if (bounds.minItems !== undefined) list = list.min(bounds.minItems);
  return list
    .superRefine((items, ctx) => {
      const seen = new Set<string>();
      items.forEach((entry, index) => {
        const record = entry as Record<string, unknown>;
        const identity = JSON.stringify(keys.map((key) => record[key]));
        if (seen.has(identity)) {
          const described = keys.map((key) => `${key}=${String(record[key])}`).join(', ');
          ctx.addIssue({ code: 'custom', message: `Duplicate value: ${described}`, path: [index], input: entry });
        }
        seen.add(identity);
      });
    })
    .meta({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': [...keys] });
}

/** A list of unique scalars (`x-kubernetes-list-type: set`), which the API server also enforces natively. */
export function scalarSet<T extends z.ZodType>(item: T, bounds: { minItems?: number; maxItems: number }): z.ZodArray<T> {
  let list = z.array(item).max(bounds.maxItems);
  if (bounds.minItems !== undefined) list = list.min(bounds.minItems);
  return list
    .superRefine((items, ctx) => {
      const seen = new Set<unknown>();
      items.forEach((entry, index) => {
        if (seen.has(entry)) {
          ctx.addIssue({ code: 'custom', message: `Duplicate value: ${String(entry)}`, path: [index], input: entry });
        }
        seen.add(entry);
      });
    })
    .meta({ 'x-kubernetes-list-type': 'set' });
}

/** A zod issue path written the way the API server writes field paths: `spec.stages[1].name`. */
export function formatFieldPath(path: ReadonlyArray<PropertyKey>): string {
  return path
    .map((segment, index) => (typeof segment === 'number' ? `[${segment}]` : index === 0 ? String(segment) : `.${String(segment)}`))
    .join('');
}
