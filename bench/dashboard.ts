// What one dashboard tick costs on a large cluster: 1,000 nodes (the placement bench's cluster),
// 4 pools with 20 decisions each, 200 tasks and 20,000 finished subtasks. A tick gathers the facts
// from the caches, builds the snapshot and serializes it once for every open page. The baseline,
// measured in the same run, is serializing the cached objects the snapshot reads, which is what a
// dashboard that ships the caches to the browser would do on every tick.
import type { OrchestratedTask } from '../operator/api/orchestratedtask.js';
import type { Subtask } from '../operator/api/subtask.js';
import type { WorkerPool } from '../operator/api/workerpool.js';
import { DashboardHistory } from '../operator/core/dashboard/history.js';
import { dashboardSnapshot } from '../operator/core/dashboard/snapshot.js';
import { seededRandom } from '../operator/core/random.js';
import { gatherFacts } from '../operator/dashboard/facts.js';
import { benchCluster } from './placement-core.js';

export interface DashboardBenchResult {
  nodes: number;
  subtasks: number;
  tick: { medianMs: number; bytes: number };
  baseline: { medianMs: number; bytes: number };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

function pool(name: string, hardware: 'cpu' | 'gpu', nodes: number, random: () => number): WorkerPool {
  const decisions = Array.from({ length: 20 }, (_, i) => ({
    action: (i % 3 === 0 ? 'scaleDown' : 'scaleUp') as 'scaleUp' | 'scaleDown',
    count: 1 + Math.floor(random() * 3),
    reason: `${Math.floor(random() * 40)} pending subtasks need gpu ${Math.floor(random() * 8)}; the work averages cpu 12 over the next 600 s`,
    time: new Date(Date.UTC(2026, 10, 23, 12, i)).toISOString(),
  }));
  return {
    apiVersion: 'drm.dtf.io/v1alpha1',
    kind: 'WorkerPool',
    metadata: { name },
    spec: { hardware: { type: hardware }, provider: { kwok: { node: { cpu: '32', memory: '128Gi' } } }, minNodes: 0, maxNodes: 500, costPerNodeHour: 1.2 },
    status: { provider: 'kwok', nodes, readyNodes: nodes, costPerHour: nodes * 1.2, decisions, lastDecision: decisions.at(-1) },
  } as unknown as WorkerPool;
}

function task(i: number, random: () => number): OrchestratedTask {
  const total = 100;
  const completed = Math.floor(random() * total);
  return {
    apiVersion: 'drm.dtf.io/v1alpha1',
    kind: 'OrchestratedTask',
    metadata: { name: `task-${i}`, namespace: `team-${i % 10}`, creationTimestamp: new Date(Date.UTC(2026, 10, 23, 10, 0, i)).toISOString() },
    spec: { strategy: 'DataParallel', taskType: 'matmul', params: { n: 512 }, input: { items: [] } },
    status: { phase: completed === total ? 'Completed' : 'InProgress', subtasks: { total, pending: 0, assigned: 0, running: total - completed, completed, failed: 0, cancelled: 0 } },
  } as unknown as OrchestratedTask;
}

function subtask(i: number, random: () => number): Subtask {
  const start = Date.UTC(2026, 10, 23, 11, 0, 0) + i * 100;
  return {
    apiVersion: 'drm.dtf.io/v1alpha1',
    kind: 'Subtask',
    metadata: { name: `task-${i % 200}-p-${i}`, namespace: `team-${i % 10}` },
    spec: { taskRef: { name: `task-${i % 200}` }, index: i, role: 'partition', name: `p-${i}`, taskType: 'matmul', params: { n: 512 }, input: { items: [i] }, resources: { cpu: '2', memory: '4Gi' } },
    status: {
      phase: 'Completed',
      workerPool: i % 3 === 0 ? 'gpu-nvidia-a10g' : 'cpu',
      startTime: new Date(start).toISOString(),
      completionTime: new Date(start + 30_000).toISOString(),
      metrics: { executionSeconds: 30, cpuCoresUsed: 0.5 + random() * 1.5, memoryBytesUsed: Math.floor((1 + random() * 3) * 2 ** 30) },
      result: { sum: i },
    },
  } as unknown as Subtask;
}

export function benchDashboard(options: { nodes?: number; tasks?: number; subtasks?: number; rounds?: number } = {}): DashboardBenchResult {
  const random = seededRandom(7);
  const ledger = benchCluster(options.nodes ?? 1000, random);
  const pools = [pool('cpu', 'cpu', 700, random), pool('gpu-nvidia-a10g', 'gpu', 100, random), pool('gpu-nvidia-l4', 'gpu', 100, random), pool('gpu-nvidia-h100-80gb-hbm3', 'gpu', 100, random)];
  const tasks = Array.from({ length: options.tasks ?? 200 }, (_, i) => task(i, random));
  const subtasks = Array.from({ length: options.subtasks ?? 20_000 }, (_, i) => subtask(i, random));
  const history = new DashboardHistory();
  const rounds = options.rounds ?? 25;
  const tick: number[] = [];
  const baseline: number[] = [];
  let bytes = 0;
  let baselineBytes = 0;
  for (let round = 0; round < rounds; round++) {
    let started = performance.now();
    const text = JSON.stringify(dashboardSnapshot(gatherFacts({ ledger, pools: () => pools, tasks: () => tasks, subtasks: () => subtasks, history }, new Date(Date.UTC(2026, 10, 23, 12, 0, round * 2)))));
    tick.push(performance.now() - started);
    bytes = Buffer.byteLength(text);
    started = performance.now();
    const raw = JSON.stringify({ nodes: ledger.nodeList().map((node) => ({ ...node, requested: ledger.usedView(node.name) })), pools, tasks, subtasks });
    baseline.push(performance.now() - started);
    baselineBytes = Buffer.byteLength(raw);
  }
  return { nodes: ledger.nodeList().length, subtasks: subtasks.length, tick: { medianMs: median(tick), bytes }, baseline: { medianMs: median(baseline), bytes: baselineBytes } };
}
