// Deep merge for test manifests: a test states only what differs from a valid default.

export type Manifest = Record<string, unknown>;
/** What to change in a manifest: nested objects merge, arrays and scalars replace, `undefined` removes the key. */
export type Overrides = Record<string, unknown>;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function deepCopy<T>(value: T): T {
  return structuredClone(value);
}

/** A fresh copy of `base` with `overrides` applied; neither argument is modified. */
export function withOverrides<T extends object>(base: T, overrides: Overrides = {}): T & Manifest {
  const result: Record<string, unknown> = deepCopy(base) as Record<string, unknown>;
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) {
      delete result[key];
    } else if (isPlainObject(value) && isPlainObject(result[key])) {
      result[key] = withOverrides(result[key] as Record<string, unknown>, value);
    } else {
      result[key] = deepCopy(value);
    }
  }
  return result as T & Manifest;
}
