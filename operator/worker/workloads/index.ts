// The built-in workloads by taskType: what the default worker image can run.
import { benchmark } from './benchmark.js';
import { echo } from './echo.js';
import { flaky } from './flaky.js';
import { map } from './map.js';
import { matmul } from './matmul.js';
import { sleep } from './sleep.js';
import { WorkloadError, type Workload } from './types.js';

export const builtInWorkloads = { echo, map, matmul, sleep, flaky, benchmark } satisfies Record<string, Workload>;
export type BuiltInTaskType = keyof typeof builtInWorkloads;
export const builtInTaskTypes = Object.keys(builtInWorkloads) as BuiltInTaskType[];

export function workloadFor(taskType: string): Workload {
  if (Object.hasOwn(builtInWorkloads, taskType)) return builtInWorkloads[taskType as BuiltInTaskType];
  throw new WorkloadError(
    `unknown taskType ${JSON.stringify(taskType)}; built-in workloads are ${builtInTaskTypes.join(', ')} (run anything else with spec.worker)`,
  );
}

export { WorkloadError, type Workload, type WorkloadContext } from './types.js';
