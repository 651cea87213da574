// What a subtask's worker pod gets beyond its spec: the built-in image, the operator's
// schedulerName, tolerations for the taints of the pools its task may use, and the simulation
// annotations the task carries.
import type { ObjectCache } from '@kubernetes/client-node';
import type { OrchestratedTask } from '../../api/orchestratedtask.js';
import type { Subtask } from '../../api/subtask.js';
import { allowedPools, poolTolerations, type PoolInfo } from '../../core/placement/index.js';
import { simulationAnnotations } from '../simulation.js';
import type { WorkerPodOptions } from './pod.js';

export interface PodOptionsSource {
  tasks: ObjectCache<OrchestratedTask>;
  poolInfos: () => PoolInfo[];
  builtinWorkerImage: string;
  schedulerName: string;
}

export function workerPodOptions(source: PodOptionsSource, subtask: Subtask): WorkerPodOptions {
  const task = source.tasks.get(subtask.spec.taskRef.name, subtask.metadata.namespace);
  const pools = source.poolInfos();
  const tolerations = poolTolerations(pools, allowedPools(task?.spec.poolSelector, pools), subtask.spec.hardware?.type ?? 'any', subtask.spec.resources?.gpu ?? 0);
  const simulated = simulationAnnotations(task?.metadata.annotations).copied;
  return {
    builtinWorkerImage: source.builtinWorkerImage,
    schedulerName: source.schedulerName,
    ...(tolerations.length > 0 ? { tolerations } : {}),
    ...(Object.keys(simulated).length > 0 ? { annotations: simulated } : {}),
  };
}
