// The largest node a piece of work could get (pure): what a predicted request must not exceed,
// since a request larger than every node waits forever.
import type { NodeInfo } from './feasibility.js';
import { largestAllocatable } from './place.js';
import type { ResourceVector } from './resources.js';

/**
 * The most of each resource any one ready, schedulable node of the hardware class offers ("gpu":
 * nodes with GPUs or labeled gpu; "cpu": the others; "any" or none: all). Undefined without such nodes.
 */
export function largestNodeOfClass(nodes: readonly NodeInfo[], hardware: string | undefined): ResourceVector | undefined {
  const eligible = nodes.filter((node) => {
    if (!node.ready || node.unschedulable) return false;
    const isGpu = node.hardware === 'gpu' || node.allocatable.gpus > 0;
    return hardware === 'gpu' ? isGpu : hardware === 'cpu' ? !isGpu : true;
  });
  return eligible.length > 0 ? largestAllocatable(eligible) : undefined;
}
