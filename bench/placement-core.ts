// In-process placement benchmark: 1,000 nodes of mixed shapes (some partly taken by other pods)
// and 10,000 pending subtasks in 100 tasks, placed task by task as the scheduler does. Each
// decision (choosing a node and reserving it, or explaining why none fits) is timed alone. The
// baseline, measured in the same run on the same cluster, is first fit: the first feasible node
// in name order, no scoring.
import { seededRandom } from '../operator/core/random.js';
import {
  chooseNode,
  explainUnschedulable,
  fits,
  infeasibility,
  largestFirst,
  PlacementLedger,
  staticCandidates,
  type NodeInfo,
  type PlacementRequest,
  type ResourceVector,
} from '../operator/core/placement/index.js';

const GiB = 2 ** 30;

/** The core's generator: every run places the same cluster and work. */
export const mulberry32 = seededRandom;

const pick = <T>(random: () => number, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const vector = (cpuCores: number, memoryGiB: number, gpus = 0): ResourceVector => ({ cpuMillis: Math.round(cpuCores * 1000), memoryBytes: Math.round(memoryGiB * GiB), gpus, ephemeralBytes: 0, pods: 1 });

const CPU_SHAPES = [
  [8, 32],
  [16, 64],
  [32, 128],
  [64, 256],
] as const;
const GPU_SHAPES = [
  { product: 'NVIDIA-A10G', gpus: 4, cpu: 48, memory: 192, gpuMemoryMiB: 24576 },
  { product: 'NVIDIA-L4', gpus: 8, cpu: 96, memory: 384, gpuMemoryMiB: 23034 },
  { product: 'NVIDIA-H100-80GB-HBM3', gpus: 8, cpu: 192, memory: 2048, gpuMemoryMiB: 81920 },
] as const;

export function benchCluster(nodeCount: number, random: () => number): PlacementLedger {
  const ledger = new PlacementLedger();
  for (let i = 0; i < nodeCount; i++) {
    const gpu = i % 10 < 3; // 30% GPU nodes
    const name = `node-${String(i).padStart(4, '0')}`;
    let node: NodeInfo;
    if (gpu) {
      const shape = pick(random, GPU_SHAPES);
      node = {
        name,
        labels: {},
        taints: [],
        allocatable: { ...vector(shape.cpu, shape.memory, shape.gpus), pods: 110 },
        ready: true,
        unschedulable: false,
        hardware: 'gpu',
        gpuProduct: shape.product,
        gpuMemoryMiB: shape.gpuMemoryMiB,
        pool: `gpu-${shape.product.toLowerCase()}`,
      };
    } else {
      const [cpu, memory] = pick(random, CPU_SHAPES);
      node = { name, labels: {}, taints: [], allocatable: { ...vector(cpu, memory), pods: 110 }, ready: true, unschedulable: false, hardware: 'cpu', pool: 'cpu' };
    }
    ledger.setNode(node);
    // A third of the nodes already run other pods, up to half their CPU and memory.
    if (random() < 1 / 3) {
      const share = random() * 0.5;
      const taken = vector((node.allocatable.cpuMillis / 1000) * share, (node.allocatable.memoryBytes / GiB) * share, gpu && random() < 0.5 ? 1 : 0);
      ledger.recordBound(`other/${name}`, name, taken);
    }
  }
  return ledger;
}

export function benchWork(taskCount: number, perTask: number, random: () => number): PlacementRequest[][] {
  const tasks: PlacementRequest[][] = [];
  for (let t = 0; t < taskCount; t++) {
    const kind = pick(random, ['cpu', 'cpu', 'any', 'any', 'gpu-product', 'gpu-any'] as const);
    const taskKey = `bench/task-${t}`;
    const requests: PlacementRequest[] = [];
    for (let s = 0; s < perTask; s++) {
      const key = `${taskKey}-${s}`;
      const base = { key, taskKey, tolerations: [], taskType: `type-${t % 7}` };
      switch (kind) {
        case 'cpu':
          requests.push({ ...base, hardware: 'cpu', requests: vector(pick(random, [0.5, 1, 2, 4]), pick(random, [1, 2, 4, 8])) });
          break;
        case 'any':
          requests.push({ ...base, hardware: 'any', requests: vector(pick(random, [0.25, 0.5, 1]), pick(random, [0.5, 1, 2])) });
          break;
        case 'gpu-product':
          requests.push({ ...base, hardware: 'gpu', gpuProduct: GPU_SHAPES[t % GPU_SHAPES.length]!.product, requests: vector(pick(random, [2, 4, 8]), pick(random, [8, 16, 32]), pick(random, [1, 1, 2])) });
          break;
        case 'gpu-any':
          requests.push({ ...base, hardware: 'gpu', minGpuMemoryMiB: 20000, requests: vector(4, 16, 1) });
          break;
      }
    }
    tasks.push(requests);
  }
  return tasks;
}

export interface LatencySummary {
  decisions: number;
  placed: number;
  unplaced: number;
  p50Micros: number;
  p99Micros: number;
  maxMicros: number;
  totalMs: number;
}

function summarize(samples: number[], placed: number, totalMs: number): LatencySummary {
  const sorted = Float64Array.from(samples).sort();
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! * 1000;
  return { decisions: samples.length, placed, unplaced: samples.length - placed, p50Micros: at(0.5), p99Micros: at(0.99), maxMicros: sorted[sorted.length - 1]! * 1000, totalMs };
}

/** The scheduler's way: per task, largest first, best fitness (tiered), explained when nothing fits. */
function placeByFitness(ledger: PlacementLedger, tasks: PlacementRequest[][]): LatencySummary {
  const samples: number[] = [];
  let placed = 0;
  const options = { policyFor: (node: NodeInfo) => (node.hardware === 'gpu' ? ('binpack' as const) : ('spread' as const)) };
  const started = performance.now();
  for (const task of tasks) {
    // As placeBatch does: candidates per kind of request once per task, then largest first.
    const t0 = performance.now();
    const candidatesOf = staticCandidates(task, ledger.nodeList());
    const ordered = largestFirst(task, ledger.nodeList());
    const preparation = (performance.now() - t0) / task.length;
    for (const request of ordered) {
      const t0 = performance.now();
      const choice = chooseNode(request, ledger, options, candidatesOf(request));
      if (choice) {
        ledger.reserve(request.key, choice.node.name, request.requests, request.taskKey);
        placed += 1;
      } else {
        explainUnschedulable(request, ledger);
      }
      // Each decision carries its share of the task's preparation.
      samples.push(performance.now() - t0 + preparation);
    }
  }
  return summarize(samples, placed, performance.now() - started);
}

/** Baseline: the first node in name order that can take it, no scoring, no explanation. */
function placeFirstFit(ledger: PlacementLedger, tasks: PlacementRequest[][]): LatencySummary {
  const samples: number[] = [];
  let placed = 0;
  const started = performance.now();
  for (const task of tasks) {
    for (const request of task) {
      const t0 = performance.now();
      for (const node of ledger.nodeList()) {
        const free = ledger.free(node.name)!;
        if (!fits(request.requests, free) || infeasibility(request, node, free)) continue;
        ledger.reserve(request.key, node.name, request.requests, request.taskKey);
        placed += 1;
        break;
      }
      samples.push(performance.now() - t0);
    }
  }
  return summarize(samples, placed, performance.now() - started);
}

export interface CoreBenchResult {
  nodes: number;
  pending: number;
  fitness: LatencySummary;
  firstFit: LatencySummary;
}

export function benchPlacementCore(options: { nodes?: number; tasks?: number; perTask?: number; seed?: number } = {}): CoreBenchResult {
  const nodes = options.nodes ?? 1000;
  const tasks = options.tasks ?? 100;
  const perTask = options.perTask ?? 100;
  const seed = options.seed ?? 42;
  // Same cluster and work for both: rebuilt from the same seed.
  const run = (place: (ledger: PlacementLedger, work: PlacementRequest[][]) => LatencySummary) => {
    const random = mulberry32(seed);
    const ledger = benchCluster(nodes, random);
    return place(ledger, benchWork(tasks, perTask, random));
  };
  run(placeFirstFit); // warm-up of the JIT for both paths
  run(placeByFitness);
  return { nodes, pending: tasks * perTask, firstFit: run(placeFirstFit), fitness: run(placeByFitness) };
}
