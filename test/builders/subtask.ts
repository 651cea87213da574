// A valid Subtask manifest: partition 0 of a DataParallel `map` task.
import { GROUP_VERSION, type SubtaskInput } from '../../operator/api/index.js';
import { withOverrides, type Manifest, type Overrides } from './merge.js';

export function subtask(name: string, taskName: string, overrides: Overrides = {}): Manifest {
  const base = {
    apiVersion: GROUP_VERSION,
    kind: 'Subtask',
    metadata: { name },
    spec: {
      taskRef: { name: taskName },
      index: 0,
      role: 'partition',
      name: 'p-0',
      taskType: 'map',
      params: { op: 'square' },
      input: { items: [1, 2] },
      hardware: { type: 'cpu' },
      resources: { cpu: '250m', memory: '128Mi' },
    },
  } satisfies SubtaskInput;
  return withOverrides(base, overrides);
}
