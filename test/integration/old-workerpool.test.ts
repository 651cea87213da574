// A WorkerPool written under an older CRD, before spec.hardware and spec.scaling existed (or were
// defaulted), is still an object the API server serves: the operator must say what is missing in
// its status instead of failing its reconcile forever, and the dashboard must keep serving. The
// test installs such an older CRD for the time it takes to write the pool, then restores the
// generated one (whose defaults the API server then fills in on every read).
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { installCrds, kubectl, kubectlOk, manifestInput, rootDir } from '../support/cluster.js';
import { startOperator, stopAll, waitForOperator } from '../support/operator.js';
import { waitUntil } from '../support/wait.js';

const PORT = 19381;
const POOL = `old-pool-${Date.now().toString(36).slice(-5)}`;

interface CrdJson {
  spec: { versions: Array<{ schema: { openAPIV3Schema: { properties: Record<string, unknown> } } }> };
}

/** The generated WorkerPool CRD with a spec schema that requires and defaults nothing. */
function olderCrd(): CrdJson {
  const crd = parse(readFileSync(path.join(rootDir, 'crds', 'drm.dtf.io_workerpools.yaml'), 'utf8')) as CrdJson;
  for (const version of crd.spec.versions) {
    version.schema.openAPIV3Schema.properties.spec = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
  }
  return crd;
}

const poolStatus = () =>
  (JSON.parse(kubectlOk(['get', 'workerpool', POOL, '-o', 'json'])) as { status?: { message?: string; conditions?: Array<{ type: string; status: string; reason?: string }> } }).status;

beforeAll(async () => {
  kubectlOk(['apply', '--server-side', '--force-conflicts', '-f', '-'], manifestInput(olderCrd()));
  await waitUntil('the older CRD served', () => {
    const created = kubectl(['create', '--dry-run=server', '-f', '-'], manifestInput({ apiVersion: 'drm.dtf.io/v1alpha1', kind: 'WorkerPool', metadata: { name: POOL }, spec: {} }));
    return created.code === 0;
  });
  // No spec.hardware and no spec.scaling: what such a pool looked like then.
  kubectlOk(['create', '-f', '-'], manifestInput({
    apiVersion: 'drm.dtf.io/v1alpha1',
    kind: 'WorkerPool',
    metadata: { name: POOL },
    spec: { provider: { kwok: { node: { cpu: '4', memory: '8Gi' } } }, minNodes: 0, maxNodes: 1 },
  }));
  startOperator({ healthPort: PORT });
  await waitForOperator(PORT);
}, 120_000);

afterAll(async () => {
  await stopAll();
  kubectl(['delete', 'workerpool', POOL, '--ignore-not-found']);
  installCrds();
});

describe('a WorkerPool stored under an older schema', () => {
  test('gets a status message naming what is missing, and the dashboard still serves its page and snapshot', async () => {
    await waitUntil('the pool status names the missing fields', () => /spec\.hardware.*spec\.scaling/.test(poolStatus()?.message ?? ''));
    const ready = poolStatus()?.conditions?.find((c) => c.type === 'Ready');
    expect(ready).toMatchObject({ status: 'False', reason: 'SpecIncomplete' });
    const snapshot = await fetch(`http://127.0.0.1:${PORT}/dashboard/api/snapshot`);
    expect(snapshot.status).toBe(200);
    const body = (await snapshot.json()) as Record<string, unknown>;
    expect(JSON.stringify(body)).toContain(POOL);
    expect((await fetch(`http://127.0.0.1:${PORT}/dashboard/`)).status).toBe(200);
    // The operator is still up and ready after reconciling the pool.
    expect((await fetch(`http://127.0.0.1:${PORT}/readyz`)).status).toBe(200);
  });
});
