// The shipped workload traces (test/traces/*.csv), generated from a seeded random stream so they
// are the same on every machine (pure). `npm run simulate` reads the files; generate-traces.ts
// writes them, and a unit test checks the files still match this code.
import { seededRandom as mulberry32 } from '../core/random.js';
import type { TraceTask } from './trace.js';

export const TRACE_KINDS = ['bursty', 'diurnal', 'steady'] as const;
export type TraceKind = (typeof TRACE_KINDS)[number];

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

const SEEDS: Record<TraceKind, number> = { bursty: 20240601, diurnal: 20240602, steady: 20240603 };

/** The rows of a shipped trace. */
export function generateTrace(kind: TraceKind): Row[] {
  const random = seededRandom(SEEDS[kind]);
  switch (kind) {
    case 'bursty':
      return bursty(random);
    case 'diurnal':
      return diurnal(random);
    case 'steady':
      return steady(random);
  }
}
