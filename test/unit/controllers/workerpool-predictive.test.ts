// The WorkerPool reconciler with a predictor: it gives the predictive policy each queued
// subtask's predicted time (predicted-work.ts), so pending work is sized by when each queued
// subtask would start, as in the simulator, and not by the totals alone.
import { describe, expect, test } from '@jest/globals';
import type { V1Node } from '@kubernetes/client-node';
import { subtaskSchema, type Subtask } from '../../../operator/api/subtask.js';
import { workerPoolSchema, type WorkerPool } from '../../../operator/api/workerpool.js';
import { makeWorkerPoolReconciler } from '../../../operator/controllers/workerpool/reconciler.js';
import { PlacementLedger, type PendingDemand } from '../../../operator/core/placement/index.js';
import type { Prediction, PredictionQuery } from '../../../operator/core/predict/index.js';
import { createLogger } from '../../../operator/runtime/logger.js';
import { subtask, workerPool } from '../../builders/index.js';
import { FakeApiServer, FakeCache, RecordingEvents } from '../../support/fake-kube.js';
import { FakeProvider } from '../../support/fake-provider.js';

const GiB = 1024 ** 3;
const NOW = Date.parse('2026-01-01T00:10:00Z');

/** What the scheduler publishes for `count` waiting subtasks of one request each. */
function demandFor(count: number, each: { cpuMillis: number; memoryBytes: number; gpus: number }): PendingDemand {
  const times = (factor: number) => ({ cpuMillis: each.cpuMillis * factor, memoryBytes: each.memoryBytes * factor, gpus: each.gpus * factor, ephemeralBytes: 0, pods: factor });
  return { hardware: 'gpu', gpuProduct: 'NVIDIA-A10G', subtasks: count, total: times(count), largest: times(1) };
}

const waiting = (name: string) =>
  subtaskSchema.parse(
    subtask(name, 'job', {
      spec: { taskType: 'train', hardware: { type: 'gpu', gpuProduct: 'NVIDIA-A10G' }, resources: { cpu: '1', memory: '2Gi', gpu: 1 } },
      status: { phase: 'Pending', attempts: 1 },
    }),
  ) as Subtask;

/** A predictor that has learned `train`: 100 s (model tier). */
const predictor = {
  predict: (query: PredictionQuery): Prediction => ({ executionSeconds: 100, cpu: 1, memoryBytes: 2 * GiB, gpu: 1, hardware: query.hardware?.type === 'gpu' ? 'gpu' : 'cpu', source: 'model', confidence: 0.9, margin: 0.1 }),
};

function setup(withPredictor: boolean) {
  const api = new FakeApiServer();
  const pool = workerPoolSchema.parse(workerPool('gpu', 'aws', { metadata: { uid: 'p1', generation: 1 }, spec: { maxNodes: 2 } }));
  api.put('workerpools', pool);
  api.put('Secret', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'aws-creds', namespace: 'drm-system' }, data: { AWS_ACCESS_KEY_ID: Buffer.from('AKIA').toString('base64') } } as never);
  const provider = new FakeProvider('aws', true, { cpu: 4, memoryBytes: 16 * GiB, gpu: 1 });
  const reconcile = makeWorkerPoolReconciler({
    clients: api.clients(),
    pools: new FakeCache<WorkerPool>([pool]),
    nodes: new FakeCache<V1Node>([]),
    subtasks: new FakeCache<Subtask>([waiting('job-p0'), waiting('job-p1'), waiting('job-p2')]),
    ledger: new PlacementLedger(),
    pendingDemand: () => [demandFor(3, { cpuMillis: 1000, memoryBytes: 2 * GiB, gpus: 1 })],
    ...(withPredictor ? { predictor } : {}),
    providers: { [provider.name]: provider },
    credentialsNamespace: 'drm-system',
    events: new RecordingEvents(),
    log: createLogger('silent'),
    clock: { now: () => NOW },
  });
  return { reconcile, provider, stored: () => api.get<WorkerPool>('workerpools', 'gpu')! };
}

describe('workerpool reconciler with a predictor', () => {
  test('queued subtasks with predicted times: sized by when each would start (the detailed policy), within maxNodes', async () => {
    const { reconcile, provider, stored } = setup(true);
    await reconcile('gpu');
    expect(provider.callsOf('launch').map((call) => call.count)).toEqual([2]);
    const last = stored().status?.lastDecision;
    expect(last).toMatchObject({ action: 'scaleUp', count: 2 });
    expect(last?.reason).toMatch(/3 queued subtasks would start later than 0 s \(a new node's launch\)/);
  });

  test('without a predictor the same pending work is sized from the pending demand alone', async () => {
    const { reconcile, stored } = setup(false);
    await reconcile('gpu');
    expect(stored().status?.lastDecision?.reason).not.toMatch(/queued subtasks would start/);
  });
});
