// The admission corpus against the zod schemas: the same verdicts and field paths the API
// server gives (the integration test checks the server side).
import { describe, expect, test } from '@jest/globals';
import { invalidManifests, manifestName, validManifests } from '../../admission/corpus.js';
import { issuePaths, pathWithin, schemaFor } from './helpers.js';

describe('the corpus', () => {
  test('holds at least 35 malformed manifests', () => {
    expect(invalidManifests.length).toBeGreaterThanOrEqual(35);
  });

  test('has a valid manifest for every strategy, every provider and a Subtask', () => {
    const kinds = validManifests.map(({ manifest }) => manifest);
    const strategies = new Set(kinds.map((m) => (m.spec as { strategy?: string }).strategy).filter(Boolean));
    expect([...strategies].sort()).toEqual(['DataParallel', 'Ensemble', 'FunctionParallel', 'ModelParallel', 'PipelineParallel']);
    const providers = new Set(
      kinds.filter((m) => m.kind === 'WorkerPool').flatMap((m) => Object.keys((m.spec as { provider: object }).provider)),
    );
    expect([...providers].sort()).toEqual(['aws', 'gcp', 'kwok', 'static']);
    expect(kinds.some((m) => m.kind === 'Subtask')).toBe(true);
  });

  test('gives every manifest its own metadata.name, and every case its own name', () => {
    const all = [...validManifests, ...invalidManifests];
    const manifestNames = all.map(({ manifest }) => manifestName(manifest));
    expect(new Set(manifestNames).size).toBe(all.length);
    expect(new Set(all.map(({ name }) => name)).size).toBe(all.length);
  });
});

describe('valid manifests pass the zod schemas', () => {
  test.each(validManifests.map((c) => [c.name, c.manifest] as const))('%s', (_name, manifest) => {
    const result = schemaFor(manifest).safeParse(manifest);
    expect(result.success ? [] : result.error.issues).toEqual([]);
  });
});

describe('malformed manifests fail the zod schemas at the field the API server names', () => {
  test.each(invalidManifests.map((c) => [c.name, c.field, c.manifest] as const))('%s (%s)', (_name, field, manifest) => {
    const paths = issuePaths(manifest);
    expect(paths.length).toBeGreaterThan(0);
    expect(paths.filter((path) => pathWithin(path, field))).not.toEqual([]);
  });
});
