// The shipped workload traces (test/traces/*.csv), generated from a seeded random stream so they
// are the same on every machine (pure). `npm run simulate` reads the files; generate-traces.ts
// writes them, and a unit test checks the files still match this code.
import { seededRandom as mulberry32 } from '../core/random.js';
import type { TraceTask } from './trace.js';

export const TRACE_KINDS = ['bursty', 'diurnal', 'steady', 'production'] as const;
/**
 * Traces kept out of tuning the policy: generated like the others, run only to report how the
 * policy does on work it was not tuned to (docs/autoscaling.md), never asserted on by tests.
 */
export const HELD_OUT_KINDS = ['heldout-mixed'] as const;
export type TraceKind = (typeof TRACE_KINDS)[number] | (typeof HELD_OUT_KINDS)[number];

type Random = () => number;
type Row = Omit<TraceTask, 'line'>;

export const seededRandom = (seed: number): Random => mulberry32(seed);

const int = (random: Random, min: number, max: number) => min + Math.floor(random() * (max - min + 1));
const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

/** A CPU task (a DataParallel map or benchmark) or, one time in five, a GPU task (training, inference). */
function randomTask(random: Random, arrivalSeconds: number): Row {
  if (random() < 0.2) {
    return {
      arrivalSeconds,
      taskType: pick(random, ['train', 'inference', 'matmul']),
      hardware: 'gpu',
      subtasks: int(random, 1, 6),
      secondsPerSubtask: pick(random, [180, 300, 300, 600, 900, 1200]),
      cpu: pick(random, [2, 4]),
      memoryGiB: pick(random, [8, 16]),
      gpu: 1,
    };
  }
  return {
    arrivalSeconds,
    taskType: pick(random, ['map', 'matmul', 'benchmark', 'sleep']),
    hardware: 'cpu',
    subtasks: int(random, 2, 16),
    secondsPerSubtask: pick(random, [60, 90, 120, 180, 240, 300, 450, 600]),
    cpu: pick(random, [0.5, 1, 1, 2, 2, 4]),
    memoryGiB: pick(random, [1, 2, 2, 4, 8]),
    gpu: 0,
  };
}

/** Arrivals of a Poisson process of rate `rate(t)` (per second, at most `peak`) on [0, seconds), by thinning. */
function poissonArrivals(random: Random, seconds: number, peak: number, rate: (t: number) => number): number[] {
  const times: number[] = [];
  let t = 0;
  for (;;) {
    t += -Math.log(1 - random()) / peak;
    if (t >= seconds) return times;
    if (random() * peak < rate(t)) times.push(Math.floor(t));
  }
}

/** Six hours: twelve bursts of 12 to 26 tasks within three minutes each, over a trickle of 50 tasks. */
function bursty(random: Random): Row[] {
  const hours = 6;
  const arrivals: number[] = [];
  const bursts = 12;
  const spacing = (hours * 3600) / bursts;
  for (let burst = 0; burst < bursts; burst += 1) {
    const start = Math.floor((burst + 0.5) * spacing + (random() - 0.5) * spacing * 0.5);
    const size = int(random, 12, 26);
    for (let task = 0; task < size; task += 1) arrivals.push(start + int(random, 0, 180));
  }
  for (let task = 0; task < 50; task += 1) arrivals.push(int(random, 0, hours * 3600 - 1));
  return arrivals.sort((a, b) => a - b).map((at) => randomTask(random, at));
}

/** Eight hours of one compressed day: the arrival rate swings from a tenth of its peak (start, end) to the peak (middle). */
function diurnal(random: Random): Row[] {
  const seconds = 8 * 3600;
  const peak = 0.025;
  const rate = (t: number) => peak * (0.1 + 0.9 * (1 - Math.cos((2 * Math.PI * t) / seconds)) / 2);
  return poissonArrivals(random, seconds, peak, rate).map((at) => randomTask(random, at));
}

/** Four hours at a constant rate of about 75 tasks an hour. */
function steady(random: Random): Row[] {
  const seconds = 4 * 3600;
  const rate = 75 / 3600;
  return poissonArrivals(random, seconds, rate, () => rate).map((at) => randomTask(random, at));
}

// ---------------------------------------------------------------------------------------------
// `production`: fitted to Alibaba's openb GPU cluster trace (cluster-trace-gpu-v2023, pods created
// from day 115 on; `node --import tsx operator/simulate/convert-openb.ts --fit --from-day 115`
// prints these figures). Its rows are not shipped (the trace's terms allow research and study use,
// not clearly redistribution), so this generator draws from distributions fitted to it:
// - durations: lognormal, ln(seconds) mean 6.222, standard deviation 1.455 (finished pods that ran
//   ≥ 60 s: median 292 s, P90 4,079 s, P99 34,738 s), kept within 60 s to 12 h;
// - arrivals: single-pod tasks, mean gap 1,612.6 s compressed 24× (67 s), bursty with the trace's
//   inter-arrival coefficient of variation (1.79), drawn from a two-state Markov-modulated Poisson
//   process (bursts at 7× the quiet rate);
// - requests: the cluster's request mix (all pods of the period, share ≥ 1%), 13% CPU-only.
// Pools to run it on (shaped like the trace's nodes): examples/simulate/openb-pools.yaml.

const PRODUCTION_SHAPES: ReadonlyArray<{ cpu: number; memoryGiB: number; gpu: number; weight: number }> = [
  { cpu: 3, memoryGiB: 5, gpu: 1, weight: 0.196 },
  { cpu: 11, memoryGiB: 48, gpu: 1, weight: 0.171 },
  { cpu: 12, memoryGiB: 46, gpu: 1, weight: 0.097 },
  { cpu: 8, memoryGiB: 30, gpu: 1, weight: 0.059 },
  { cpu: 19, memoryGiB: 63, gpu: 1, weight: 0.031 },
  { cpu: 10, memoryGiB: 41, gpu: 1, weight: 0.024 },
  { cpu: 4, memoryGiB: 22, gpu: 1, weight: 0.023 },
  { cpu: 4, memoryGiB: 15, gpu: 1, weight: 0.022 },
  { cpu: 16, memoryGiB: 57, gpu: 1, weight: 0.019 },
  { cpu: 12, memoryGiB: 24, gpu: 1, weight: 0.019 },
  { cpu: 4, memoryGiB: 10, gpu: 1, weight: 0.019 },
  { cpu: 4, memoryGiB: 30, gpu: 1, weight: 0.017 },
  { cpu: 64, memoryGiB: 257, gpu: 8, weight: 0.01 },
  { cpu: 88, memoryGiB: 320, gpu: 8, weight: 0.01 },
  { cpu: 12, memoryGiB: 56, gpu: 0, weight: 0.045 },
  { cpu: 32, memoryGiB: 48, gpu: 0, weight: 0.035 },
  { cpu: 8, memoryGiB: 30, gpu: 0, weight: 0.02 },
];

function weighted<T extends { weight: number }>(random: Random, items: readonly T[]): T {
  const total = items.reduce((sum, item) => sum + item.weight, 0);
  let left = random() * total;
  for (const item of items) {
    left -= item.weight;
    if (left < 0) return item;
  }
  return items.at(-1)!;
}

/** A standard normal draw (Box–Muller). */
function normal(random: Random): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/** Six hours of single-pod tasks shaped like the openb trace (see above). */
function production(random: Random): Row[] {
  const seconds = 6 * 3600;
  const meanGap = 1612.6 / 24;
  // Two states, quiet and burst (7× the quiet rate, a fifth of the time); the generated trace
  // has a mean gap of 62 s and a coefficient of variation of 1.94 (the trace: 67 s, 1.79).
  const burstRatio = 7;
  const burstShare = 0.2;
  const quietRate = 1 / (meanGap * ((1 - burstShare) + burstShare * burstRatio));
  const sojourn = { quiet: 5400, burst: 1350 };
  const rows: Row[] = [];
  let t = 0;
  let burst = false;
  let switchAt = -Math.log(1 - random()) * sojourn.quiet;
  for (;;) {
    const rate = quietRate * (burst ? burstRatio : 1);
    const next = t + -Math.log(1 - random()) / rate;
    if (next >= switchAt) {
      // Memoryless: restart the draw from the switch in the other state.
      t = switchAt;
      burst = !burst;
      switchAt = t + -Math.log(1 - random()) * (burst ? sojourn.burst : sojourn.quiet);
      continue;
    }
    t = next;
    if (t >= seconds) return rows;
    const shape = weighted(random, PRODUCTION_SHAPES);
    const duration = Math.round(Math.min(12 * 3600, Math.max(60, Math.exp(6.222 + 1.455 * normal(random)))));
    rows.push({
      arrivalSeconds: Math.floor(t),
      taskType: shape.gpu > 0 ? (shape.gpu > 1 ? 'train' : 'inference') : 'preprocess',
      hardware: shape.gpu > 0 ? 'gpu' : 'cpu',
      subtasks: 1,
      secondsPerSubtask: duration,
      cpu: shape.cpu,
      memoryGiB: shape.memoryGiB,
      gpu: shape.gpu,
    });
  }
}

/**
 * Five hours of mixed CPU and GPU tasks unlike the shipped ones: lognormal durations (median
 * 240 s, ln-sd 1.0, 30 s to 2 h), 1 to 24 subtasks, CPU requests from a quarter core to 8 cores
 * and 0.5 to 16 GiB, a third of the tasks on GPUs; Poisson arrivals at 45 an hour plus eight
 * bursts of 5 to 20 tasks within five minutes at random times.
 */
function heldOutMixed(random: Random): Row[] {
  const seconds = 5 * 3600;
  const arrivals = poissonArrivals(random, seconds, 45 / 3600, () => 45 / 3600);
  for (let burst = 0; burst < 8; burst += 1) {
    const start = int(random, 0, seconds - 300);
    const size = int(random, 5, 20);
    for (let task = 0; task < size; task += 1) arrivals.push(start + int(random, 0, 300));
  }
  return arrivals
    .sort((a, b) => a - b)
    .map((arrivalSeconds): Row => {
      const gpu = random() < 1 / 3;
      const secondsPerSubtask = Math.round(Math.min(7200, Math.max(30, Math.exp(Math.log(240) + normal(random)))));
      return {
        arrivalSeconds,
        taskType: gpu ? pick(random, ['train', 'inference']) : pick(random, ['map', 'reduce', 'benchmark']),
        hardware: gpu ? 'gpu' : 'cpu',
        subtasks: int(random, 1, 24),
        secondsPerSubtask,
        cpu: gpu ? pick(random, [1, 2, 4, 6]) : pick(random, [0.25, 0.5, 1, 2, 4, 8]),
        memoryGiB: gpu ? pick(random, [4, 8, 16, 24]) : pick(random, [0.5, 1, 2, 4, 8, 16]),
        gpu: gpu ? 1 : 0,
      };
    });
}

const SEEDS: Record<TraceKind, number> = { bursty: 20240601, diurnal: 20240602, steady: 20240603, production: 20240604, 'heldout-mixed': 20261202 };

/**
 * The rows of a shipped trace; with `seedOffset`, another draw of the same kind (its seed plus
 * the offset), to check a policy on traces it was not tuned on.
 */
export function generateTrace(kind: TraceKind, seedOffset = 0): Row[] {
  const random = seededRandom(SEEDS[kind] + seedOffset);
  switch (kind) {
    case 'bursty':
      return bursty(random);
    case 'diurnal':
      return diurnal(random);
    case 'steady':
      return steady(random);
    case 'production':
      return production(random);
    case 'heldout-mixed':
      return heldOutMixed(random);
  }
}
