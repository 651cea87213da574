// Relative speed of a kind of work on a kind of hardware, from how long finished subtasks took
// (pure). The predictor refines this; until it answers, observed means are the prediction.
import type { NodeInfo } from './feasibility.js';

export interface SpeedSample {
  taskType: string;
  /** hardwareKey() of the node it ran on. */
  hardware: string;
  seconds: number;
}

/** What speed is learned per: the GPU product when there is one, else the hardware class. */
export function hardwareKey(node: Pick<NodeInfo, 'hardware' | 'gpuProduct'>): string {
  return node.gpuProduct ?? node.hardware;
}

export type SpeedEstimate = (taskType: string | undefined, node: NodeInfo) => number | undefined;

/**
 * Mean seconds per (task type, hardware); a node's speed is the fastest mean over its mean, so 1
 * is the fastest hardware seen. With samples from only one kind of hardware there is nothing to
 * compare, and no estimate.
 */
export function speedEstimateFrom(samples: Iterable<SpeedSample>): SpeedEstimate {
  const sums = new Map<string, Map<string, { total: number; count: number }>>();
  for (const sample of samples) {
    if (!(sample.seconds > 0)) continue;
    let byHardware = sums.get(sample.taskType);
    if (!byHardware) sums.set(sample.taskType, (byHardware = new Map()));
    const entry = byHardware.get(sample.hardware) ?? { total: 0, count: 0 };
    entry.total += sample.seconds;
    entry.count += 1;
    byHardware.set(sample.hardware, entry);
  }
  const relative = new Map<string, Map<string, number>>();
  for (const [taskType, byHardware] of sums) {
    if (byHardware.size < 2) continue;
    const means = [...byHardware].map(([hardware, { total, count }]) => [hardware, total / count] as const);
    const fastest = Math.min(...means.map(([, mean]) => mean));
    relative.set(taskType, new Map(means.map(([hardware, mean]) => [hardware, fastest / mean])));
  }
  return (taskType, node) => (taskType === undefined ? undefined : relative.get(taskType)?.get(hardwareKey(node)));
}
