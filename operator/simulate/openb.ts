// Alibaba's GPU cluster trace v2023 ("openb", github.com/alibaba/clusterdata,
// cluster-trace-gpu-v2023/csv/openb_pod_list_*.csv: the pods of a production GPU cluster over
// ~150 days) as simulator traces, and the statistics the shipped `production` trace is fitted to
// (pure: text in, rows or figures out).
//
// Conversion of a window, one trace row per pod:
// - only pods that finished (pod_phase Succeeded or Failed) and ran at least minSeconds: their
//   duration is deletion_time − scheduled_time; a Running pod's deletion_time is the end of the
//   trace, not of the pod, and a Pending pod never ran;
// - arrival_s = (creation_time − window start) ÷ compress (the arrivals are compressed in time,
//   the durations are not: the load rises by the factor, the work keeps its real lengths);
// - hardware gpu when the pod asks for a GPU (num_gpu > 0, or a share of one: gpu_milli > 0, which
//   counts as a whole GPU since pools hand out whole ones), else cpu; cpu = cpu_milli ÷ 1000
//   (at least 0.01), memory_gib = memory_mib ÷ 1024; task_type `openb-<qos>`.
// The trace's own terms ("for research or study purpose") do not clearly allow redistribution,
// so no converted window ships in test/traces: the conversion runs on a local copy.
import { type TraceTask } from './trace.js';

export const OPENB_COLUMNS = ['name', 'cpu_milli', 'memory_mib', 'num_gpu', 'gpu_milli', 'gpu_spec', 'qos', 'pod_phase', 'creation_time', 'deletion_time', 'scheduled_time'] as const;

export interface OpenbPod {
  name: string;
  cpuMilli: number;
  memoryMiB: number;
  numGpu: number;
  gpuMilli: number;
  qos: string;
  phase: string;
  creation: number;
  deletion: number;
  scheduled: number | undefined;
}

/** The pods of an openb_pod_list CSV (header required, in the upstream column order). */
export function parseOpenbPods(text: string): OpenbPod[] {
  const lines = text.split('\n').map((line) => line.replace(/\r$/, '')).filter((line) => line.trim() !== '');
  const header = lines[0]?.split(',') ?? [];
  if (OPENB_COLUMNS.some((name, index) => header[index] !== name)) throw new Error(`not an openb pod list: the header must start ${OPENB_COLUMNS.join(',')}`);
  return lines.slice(1).map((line, index) => {
    const field = line.split(',');
    const number = (column: number) => {
      const value = Number(field[column]);
      if (field[column] === undefined || field[column] === '' || !Number.isFinite(value)) throw new Error(`line ${index + 2}: ${OPENB_COLUMNS[column]} is not a number: ${JSON.stringify(field[column])}`);
      return value;
    };
    return {
      name: field[0]!,
      cpuMilli: number(1),
      memoryMiB: number(2),
      numGpu: number(3),
      gpuMilli: number(4),
      qos: field[6] ?? '',
      phase: field[7] ?? '',
      creation: number(8),
      deletion: number(9),
      scheduled: field[10] === '' || field[10] === undefined ? undefined : number(10),
    };
  });
}

/** Pods that finished after running at least minSeconds, with their duration. */
export function finishedPods(pods: readonly OpenbPod[], minSeconds: number): Array<OpenbPod & { seconds: number }> {
  return pods
    .filter((pod) => (pod.phase === 'Succeeded' || pod.phase === 'Failed') && pod.scheduled !== undefined)
    .map((pod) => ({ ...pod, seconds: pod.deletion - pod.scheduled! }))
    .filter((pod) => pod.seconds >= minSeconds);
}

export interface OpenbWindow {
  /** Window start and length, seconds on the trace's clock. */
  fromSeconds: number;
  seconds: number;
  /** Arrivals are divided by this (≥ 1). */
  compress: number;
  /** Pods that ran less are left out. Default 60. */
  minSeconds?: number;
}

/** The trace rows of the pods created within the window, in arrival order. */
export function openbWindow(pods: readonly OpenbPod[], window: OpenbWindow): Array<Omit<TraceTask, 'line'>> {
  if (!(window.compress >= 1)) throw new Error(`compress must be ≥ 1, got ${window.compress}`);
  const end = window.fromSeconds + window.seconds;
  return finishedPods(pods, window.minSeconds ?? 60)
    .filter((pod) => pod.creation >= window.fromSeconds && pod.creation < end)
    .sort((a, b) => a.creation - b.creation || (a.name < b.name ? -1 : 1))
    .map((pod) => {
      const gpu = pod.numGpu > 0 || pod.gpuMilli > 0;
      return {
        arrivalSeconds: Number(((pod.creation - window.fromSeconds) / window.compress).toFixed(1)),
        taskType: `openb-${pod.qos.toLowerCase().replace(/[^a-z0-9]/g, '') || 'none'}`,
        hardware: gpu ? 'gpu' : 'cpu',
        subtasks: 1,
        secondsPerSubtask: pod.seconds,
        cpu: Math.max(0.01, Number((pod.cpuMilli / 1000).toFixed(2))),
        memoryGiB: Number((pod.memoryMiB / 1024).toFixed(3)),
        gpu: gpu ? Math.max(1, pod.numGpu) : 0,
      };
    });
}

/** The statistics the generated `production` trace is fitted to (see traces.ts). */
export interface OpenbFit {
  pods: number;
  /** ln(duration) of finished pods: mean and standard deviation (a lognormal fit). */
  logSecondsMean: number;
  logSecondsStdDev: number;
  /** Duration quantiles, seconds. */
  secondsP10: number;
  secondsP50: number;
  secondsP90: number;
  secondsP99: number;
  /** Inter-arrival times: mean (seconds, uncompressed) and coefficient of variation. */
  interArrivalMean: number;
  interArrivalCv: number;
  /** Request shapes (cores, GiB, GPUs, rounded), most common first, with their share. */
  shapes: Array<{ cpu: number; memoryGiB: number; gpu: number; share: number }>;
}

export function fitOpenb(pods: readonly OpenbPod[], minSeconds = 60, fromSeconds = 0): OpenbFit {
  const finished = finishedPods(pods, minSeconds).filter((pod) => pod.creation >= fromSeconds);
  if (finished.length < 2) throw new Error('fewer than 2 finished pods to fit');
  const logs = finished.map((pod) => Math.log(pod.seconds));
  const mean = logs.reduce((a, b) => a + b, 0) / logs.length;
  const std = Math.sqrt(logs.reduce((a, b) => a + (b - mean) ** 2, 0) / logs.length);
  const seconds = finished.map((pod) => pod.seconds).sort((a, b) => a - b);
  const at = (q: number) => seconds[Math.min(seconds.length - 1, Math.floor(q * seconds.length))]!;
  const times = finished.map((pod) => pod.creation).sort((a, b) => a - b);
  const gaps = times.slice(1).map((time, index) => time - times[index]!);
  const gapMean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
  const gapStd = Math.sqrt(gaps.reduce((a, b) => a + (b - gapMean) ** 2, 0) / gaps.length);
  const counts = new Map<string, number>();
  for (const pod of finished) {
    const key = [Math.round(pod.cpuMilli / 1000), Math.round(pod.memoryMiB / 1024), pod.numGpu > 0 || pod.gpuMilli > 0 ? Math.max(1, pod.numGpu) : 0].join(',');
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const shapes = [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .map(([key, count]) => {
      const [cpu, memoryGiB, gpu] = key.split(',').map(Number) as [number, number, number];
      return { cpu, memoryGiB, gpu, share: Number((count / finished.length).toFixed(4)) };
    });
  return {
    pods: finished.length,
    logSecondsMean: Number(mean.toFixed(3)),
    logSecondsStdDev: Number(std.toFixed(3)),
    secondsP10: at(0.1),
    secondsP50: at(0.5),
    secondsP90: at(0.9),
    secondsP99: at(0.99),
    interArrivalMean: Number(gapMean.toFixed(1)),
    interArrivalCv: Number((gapStd / gapMean).toFixed(3)),
    shapes,
  };
}
