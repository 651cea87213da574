// The local control plane is the real thing: a kube-apiserver reporting its version, a
// scheduler that binds, and kwok playing the kubelet for the nodes annotated for it.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createNamespace, deleteNamespace, kubectl, kubectlOk, manifestInput } from '../support/cluster.js';
import { kwokNode, podOnNode } from '../support/kube-objects.js';
import { waitUntil } from '../support/wait.js';

const nodeName = `kwok-cp-${Date.now().toString(36)}`;
let namespace = '';

beforeAll(() => {
  namespace = createNamespace('control-plane');
});

afterAll(() => {
  deleteNamespace(namespace);
  kubectl(['delete', 'node', nodeName, '--ignore-not-found', '--wait=false']);
});

describe('local control plane', () => {
  test('the API server reports a real Kubernetes version', () => {
    const version = JSON.parse(kubectlOk(['get', '--raw', '/version'])) as { gitVersion: string; major: string };
    expect(version.gitVersion).toMatch(/^v1\.(3[4-9]|[4-9]\d)\.\d+/);
    expect(Number(version.major)).toBe(1);
  });

  test('core controllers run: the namespace gets its default ServiceAccount', async () => {
    await waitUntil('default ServiceAccount', () => kubectl(['get', 'serviceaccount', 'default', '-n', namespace]).code === 0);
  });

  test('kwok makes an annotated node Ready and runs a pod bound to it', async () => {
    kubectlOk(['create', '-f', '-'], manifestInput(kwokNode(nodeName)));
    await waitUntil('node Ready', () => {
      const ready = kubectl(['get', 'node', nodeName, '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}']);
      return ready.stdout.trim() === 'True';
    });
    kubectlOk(['create', '-n', namespace, '-f', '-'], manifestInput(podOnNode('probe', nodeName)));
    await waitUntil('pod Running', () => {
      const phase = kubectl(['get', 'pod', 'probe', '-n', namespace, '-o', 'jsonpath={.status.phase}']);
      return phase.stdout.trim() === 'Running';
    });
  });

  test('kube-scheduler binds a pod with no nodeName to the kwok node', async () => {
    const pod = podOnNode('scheduled', nodeName) as { spec: Record<string, unknown> };
    delete pod.spec.nodeName;
    pod.spec.nodeSelector = { 'kubernetes.io/hostname': nodeName };
    kubectlOk(['create', '-n', namespace, '-f', '-'], manifestInput(pod));
    await waitUntil('pod scheduled', () => {
      const node = kubectl(['get', 'pod', 'scheduled', '-n', namespace, '-o', 'jsonpath={.spec.nodeName}']);
      return node.stdout.trim() === nodeName;
    });
  });
});
