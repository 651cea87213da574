// The security settings of every worker pod, which a task author cannot loosen: not root, no
// privilege escalation, every capability dropped, a read-only root filesystem, the runtime's
// seccomp profile, and the contract's DRM_ variables, which the task's own env cannot replace.
import { describe, expect, test } from '@jest/globals';
import { subtaskSchema, type Subtask } from '../../../operator/api/subtask.js';
import { buildWorkerPod, resultConfigMapNameFor, WORKER_SERVICE_ACCOUNT } from '../../../operator/controllers/subtask/pod.js';
import { subtask } from '../../builders/index.js';

const custom = subtaskSchema.parse(
  subtask('job-p0', 'job', {
    metadata: { namespace: 'ns', uid: 'u1' },
    spec: {
      worker: {
        image: 'registry.example.com/worker:1',
        command: ['run'],
        env: [
          { name: 'DRM_RESULT_CONFIGMAP', value: 'other-task-p0-a1-result' },
          { name: 'DRM_INPUT_FILE', value: '/etc/shadow' },
          { name: 'DRM_NAMESPACE', value: 'kube-system' },
          { name: 'LOG_LEVEL', value: 'debug' },
        ],
      },
    },
  }),
) as Subtask;

const pod = buildWorkerPod(custom, 2, { builtinWorkerImage: 'drm-operator:test' });
const container = pod.spec!.containers[0]!;

describe('a worker pod', () => {
  test('runs as non-root with the runtime seccomp profile, under the worker ServiceAccount', () => {
    expect(pod.spec!.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.spec!.serviceAccountName).toBe(WORKER_SERVICE_ACCOUNT);
    expect(pod.spec!.hostNetwork ?? false).toBe(false);
    expect(pod.spec!.hostPID ?? false).toBe(false);
  });

  test('drops every capability, cannot escalate, and has a read-only root filesystem', () => {
    expect(container.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(container.securityContext?.privileged).toBeUndefined();
    expect(container.volumeMounts?.find((mount) => mount.name === 'input')?.readOnly).toBe(true);
  });

  test('keeps the contract env: a task cannot point DRM_ variables elsewhere', () => {
    const env = container.env ?? [];
    const values = (name: string) => env.filter((variable) => variable.name === name);
    expect(values('DRM_RESULT_CONFIGMAP')).toEqual([{ name: 'DRM_RESULT_CONFIGMAP', value: resultConfigMapNameFor('job-p0', 2) }]);
    expect(values('DRM_INPUT_FILE')).toEqual([{ name: 'DRM_INPUT_FILE', value: '/var/run/drm/input/input.json' }]);
    expect(values('DRM_NAMESPACE')).toEqual([{ name: 'DRM_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } }]);
    expect(values('LOG_LEVEL')).toEqual([{ name: 'LOG_LEVEL', value: 'debug' }]);
  });
});
