// A WorkerPool the API server kept from before spec.hardware and spec.scaling were required:
// its reconcile says what is missing in the status instead of throwing on every attempt.
import { describe, expect, test } from '@jest/globals';
import type { V1Node } from '@kubernetes/client-node';
import type { Subtask } from '../../../operator/api/subtask.js';
import { workerPoolSchema, type WorkerPool } from '../../../operator/api/workerpool.js';
import { makeWorkerPoolReconciler } from '../../../operator/controllers/workerpool/reconciler.js';
import { PlacementLedger } from '../../../operator/core/placement/index.js';
import { createLogger } from '../../../operator/runtime/logger.js';
import { workerPool } from '../../builders/index.js';
import { FakeApiServer, FakeCache, RecordingEvents } from '../../support/fake-kube.js';
import { FakeProvider } from '../../support/fake-provider.js';

describe('a WorkerPool stored without spec.hardware or spec.scaling', () => {
  test('gets a status message and condition naming the missing fields, and the reconcile does not throw', async () => {
    const api = new FakeApiServer();
    const { hardware: _hardware, scaling: _scaling, ...spec } = workerPoolSchema.parse(workerPool('old', 'kwok')).spec;
    const pool = { apiVersion: 'drm.dtf.io/v1alpha1', kind: 'WorkerPool', metadata: { name: 'old', uid: 'p1', generation: 1 }, spec } as unknown as WorkerPool;
    api.put('workerpools', pool);
    const reconcile = makeWorkerPoolReconciler({
      clients: api.clients(),
      pools: new FakeCache<WorkerPool>([pool]),
      nodes: new FakeCache<V1Node>(),
      subtasks: new FakeCache<Subtask>(),
      ledger: new PlacementLedger(),
      pendingDemand: () => [],
      providers: { kwok: new FakeProvider('kwok', true, { cpu: 4, memoryBytes: 2 ** 34, gpu: 0 }) },
      credentialsNamespace: 'drm-system',
      events: new RecordingEvents(),
      log: createLogger('silent'),
      clock: { now: () => Date.parse('2026-01-01T00:10:00Z') },
    });
    await expect(reconcile('old')).resolves.toBeUndefined();
    const stored = api.get<WorkerPool>('workerpools', 'old')!;
    expect(stored.status?.message).toContain('spec.hardware, spec.scaling missing');
    expect(stored.status?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({ status: 'False' });
  });
});
