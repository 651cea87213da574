// Builders for worker Pods in the states the kubelet (or kwok, or the dev runner) puts them in.
import type { V1Pod } from '@kubernetes/client-node';

export function pendingPod(name: string): V1Pod {
  return { metadata: { name, namespace: 'ns' }, spec: { containers: [{ name: 'worker' }] }, status: { phase: 'Pending' } };
}

export function unschedulablePod(name: string, message: string): V1Pod {
  const pod = pendingPod(name);
  pod.status!.conditions = [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message }];
  return pod;
}

export function boundPod(name: string, nodeName: string): V1Pod {
  const pod = pendingPod(name);
  pod.spec!.nodeName = nodeName;
  return pod;
}

export function runningPod(name: string, nodeName: string, startTime = '2026-01-01T00:00:00Z'): V1Pod {
  const pod = boundPod(name, nodeName);
  pod.status = { phase: 'Running', startTime: new Date(startTime), containerStatuses: [{ name: 'worker', image: 'w', imageID: '', ready: true, restartCount: 0, state: { running: { startedAt: new Date(startTime) } } }] };
  return pod;
}

export function finishedPod(name: string, nodeName: string, exitCode: number, message: string, reason = exitCode === 0 ? 'Completed' : 'Error'): V1Pod {
  const pod = boundPod(name, nodeName);
  pod.status = {
    phase: exitCode === 0 ? 'Succeeded' : 'Failed',
    startTime: new Date('2026-01-01T00:00:00Z'),
    containerStatuses: [
      {
        name: 'worker', image: 'w', imageID: '', ready: false, restartCount: 0,
        state: { terminated: { exitCode, reason, message, startedAt: new Date('2026-01-01T00:00:00Z'), finishedAt: new Date('2026-01-01T00:00:05Z') } },
      },
    ],
  };
  return pod;
}
