// Admission against the real API server: every valid manifest is accepted; every malformed one
// is rejected by the CRD schema or its CEL rules, with an error naming the offending field.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { invalidManifests, validManifests } from '../admission/corpus.js';
import { createNamespace, deleteNamespace, installCrds, kubectl, manifestInput } from '../support/cluster.js';

let namespace = '';
const createdPools: string[] = [];

beforeAll(() => {
  installCrds();
  namespace = createNamespace('admission');
});

afterAll(() => {
  if (createdPools.length > 0) kubectl(['delete', 'workerpool', ...createdPools, '--ignore-not-found', '--wait=false']);
  deleteNamespace(namespace);
});

describe('valid manifests are accepted', () => {
  test.each(validManifests.map((c) => [c.name, c.manifest] as const))('%s', (_name, manifest) => {
    const result = kubectl(['create', '-n', namespace, '-f', '-'], manifestInput(manifest));
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    if (manifest.kind === 'WorkerPool') createdPools.push((manifest.metadata as { name: string }).name);
  });
});

describe('malformed manifests are rejected at admission, naming the field', () => {
  test('the corpus holds at least 30 malformed manifests', () => {
    expect(invalidManifests.length).toBeGreaterThanOrEqual(30);
  });

  test.each(invalidManifests.map((c) => [c.name, c.field, c.manifest] as const))('%s (%s)', (_name, field, manifest) => {
    const result = kubectl(['create', '-n', namespace, '-f', '-'], manifestInput(manifest));
    if (result.code === 0 && manifest.kind === 'WorkerPool') createdPools.push((manifest.metadata as { name: string }).name);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('is invalid');
    expect(result.stderr).toContain(field);
  });
});
