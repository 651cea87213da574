// The three kinds as CRDs: schema, names and the columns `kubectl get` prints.
import { orchestratedTaskNames, orchestratedTaskSchema } from '../orchestratedtask.js';
import { subtaskNames, subtaskSchema } from '../subtask.js';
import { workerPoolNames, workerPoolSchema } from '../workerpool.js';
import { AGE_COLUMN, type CrdSource } from './crd.js';

export const orchestratedTaskCrdSource: CrdSource = {
  names: orchestratedTaskNames,
  schema: orchestratedTaskSchema,
  printerColumns: [
    { name: 'Strategy', type: 'string', jsonPath: '.spec.strategy', description: 'How the task is split into subtasks.' },
    { name: 'Phase', type: 'string', jsonPath: '.status.phase', description: 'Where the task is in its lifecycle.' },
    { name: 'Progress', type: 'integer', jsonPath: '.status.completionPercentage', description: 'Finished subtasks, in percent.' },
    { name: 'Subtasks', type: 'string', jsonPath: '.status.subtasksSummary', description: 'Completed subtasks over all subtasks.' },
    AGE_COLUMN,
  ],
};

export const subtaskCrdSource: CrdSource = {
  names: subtaskNames,
  schema: subtaskSchema,
  printerColumns: [
    { name: 'Task', type: 'string', jsonPath: '.spec.taskRef.name', description: 'The OrchestratedTask this subtask belongs to.' },
    { name: 'Role', type: 'string', jsonPath: '.spec.role', description: 'partition, shard, stage, variant or function.' },
    { name: 'Phase', type: 'string', jsonPath: '.status.phase', description: 'Where the subtask is in its lifecycle.' },
    { name: 'Node', type: 'string', jsonPath: '.status.nodeName', description: 'Node the subtask was placed on.' },
    { name: 'Attempts', type: 'integer', jsonPath: '.status.attempts', description: 'Attempts started so far.' },
    AGE_COLUMN,
    { name: 'Pool', type: 'string', jsonPath: '.status.workerPool', description: 'WorkerPool of the node.', priority: 1 },
    { name: 'Fitness', type: 'number', jsonPath: '.status.fitnessScore', description: 'Fitness of the node chosen, 0 to 1.', priority: 1 },
    { name: 'Message', type: 'string', jsonPath: '.status.message', description: 'What the subtask waits for, or why it failed.', priority: 1 },
  ],
};

export const workerPoolCrdSource: CrdSource = {
  names: workerPoolNames,
  schema: workerPoolSchema,
  printerColumns: [
    { name: 'Hardware', type: 'string', jsonPath: '.spec.hardware.type', description: 'Hardware class of the nodes.' },
    { name: 'Provider', type: 'string', jsonPath: '.status.provider', description: 'Where the nodes come from.' },
    { name: 'Nodes', type: 'integer', jsonPath: '.status.nodes', description: 'Nodes in the pool now.' },
    { name: 'Desired', type: 'integer', jsonPath: '.status.desiredNodes', description: 'Nodes the autoscaler wants.' },
    { name: 'Util', type: 'string', jsonPath: '.status.utilizationSummary', description: 'Requested over allocatable cpu, memory and gpu.' },
    { name: 'Last-Action', type: 'string', jsonPath: '.status.lastDecision.action', description: 'The autoscaler\'s last decision.' },
    AGE_COLUMN,
  ],
};

export const crdSources: readonly CrdSource[] = [orchestratedTaskCrdSource, subtaskCrdSource, workerPoolCrdSource];
