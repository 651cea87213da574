// Admission against the real API server: every valid manifest is accepted; every malformed one
// is rejected by the CRD schema or its CEL rules, with an error naming the offending field.
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { ADMISSION_POLICY_NAME } from '../../operator/api/crd/index.js';
import { invalidManifests, validManifests } from '../admission/corpus.js';
import { createNamespace, deleteNamespace, installCrds, kubectl, manifestInput } from '../support/cluster.js';

let namespace = '';
const createdPools: string[] = [];

/**
 * A new ValidatingAdmissionPolicy is enforced once the API server's policy informer has it, a
 * moment after it is created: dry-run a manifest only the policy refuses until it is refused.
 */
function waitForAdmissionPolicy(): void {
  const probe = invalidManifests.find((c) => c.name === 'inline-input-too-large')!;
  for (let attempt = 0; attempt < 600; attempt++) {
    const result = kubectl(['create', '--dry-run=server', '-n', namespace, '-f', '-'], manifestInput(probe.manifest));
    if (result.code !== 0 && result.stderr.includes(ADMISSION_POLICY_NAME)) return;
    execFileSync('sleep', ['0.1']);
  }
  throw new Error(`the ValidatingAdmissionPolicy ${ADMISSION_POLICY_NAME} is not enforced`);
}

beforeAll(() => {
  installCrds();
  namespace = createNamespace('admission');
  waitForAdmissionPolicy();
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

describe('bounds across fields', () => {
  test('the refusal of a task with too many subtasks names the limit', () => {
    const manifest = invalidManifests.find((c) => c.name === 'too-many-pipeline-subtasks')!.manifest;
    const result = kubectl(['create', '--dry-run=server', '-n', namespace, '-f', '-'], manifestInput(manifest));
    expect(result.stderr).toContain('spec.microBatches');
    expect(result.stderr).toContain('at most 10000');
  });

  test('the refusal of inline input too large for a ConfigMap says how large it is and what to do', () => {
    const manifest = invalidManifests.find((c) => c.name === 'inline-input-too-large')!.manifest;
    const result = kubectl(['create', '--dry-run=server', '-n', namespace, '-f', '-'], manifestInput(manifest));
    expect(result.stderr).toMatch(/spec\.input\.items: Invalid value: \d+ bytes/);
    expect(result.stderr).toContain('spec.input.configMapRef');
  });
});
