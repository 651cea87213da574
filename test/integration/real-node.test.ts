// The local cluster's real nodes (hack/node.sh) are real: a kubelet with containerd runs a pod in
// a container with the worker pods' security settings, with a pod IP from the node's bridge
// network, an exec readiness probe, a termination message and logs that kubectl reads through
// the kubelet; and pods reach the API server through the `kubernetes` Service, as in-cluster
// clients do everywhere.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { V1Pod } from '@kubernetes/client-node';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { createNamespace, deleteNamespace, kubectl, kubectlOk, manifestInput, rootDir } from '../support/cluster.js';
import { waitUntil } from '../support/wait.js';

let namespace = '';
let image = '';
let nodeName = '';

const getPod = (name: string) => JSON.parse(kubectlOk(['get', 'pod', name, '-n', namespace, '-o', 'json'])) as V1Pod;

function realNodePod(name: string, script: string, extra: Record<string, unknown> = {}) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: {
      nodeName,
      restartPolicy: 'Never',
      tolerations: [{ key: 'drm.dtf.io/real-node', operator: 'Exists', effect: 'NoSchedule' }],
      securityContext: { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [
        {
          name: 'main',
          image,
          imagePullPolicy: 'Never',
          command: ['node', '-e', script],
          securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
          ...extra,
        },
      ],
    },
  };
}

beforeAll(() => {
  const nodes = JSON.parse(kubectlOk(['get', 'nodes', '-l', 'drm.dtf.io/real-node=true,drm.dtf.io/hardware=cpu', '-o', 'json'])) as { items: Array<{ metadata: { name: string } }> };
  if (nodes.items.length === 0) throw new Error('no real node: `bash hack/node.sh up` starts them (npm test does, as root)');
  nodeName = nodes.items[0]!.metadata.name;
  image = spawnSync('bash', [path.join(rootDir, 'hack', 'images.sh'), 'name'], { encoding: 'utf8' }).stdout.trim();
  namespace = createNamespace('real-node');
});

afterAll(() => deleteNamespace(namespace));

describe('a real node', () => {
  test('runs a non-root, read-only container: pod IP, readiness probe, termination message, logs', async () => {
    const script = [
      "console.log('hello from', require('os').hostname());",
      "require('fs').writeFileSync('/dev/termination-log', JSON.stringify({ uid: process.getuid() }));",
      'setTimeout(() => {}, 6000);',
    ].join(' ');
    kubectlOk(['create', '-n', namespace, '-f', '-'], manifestInput(realNodePod('probe', script, {
      readinessProbe: { exec: { command: ['node', '-e', 'process.exit(0)'] }, periodSeconds: 1 },
    })));
    await waitUntil('pod ready', () => getPod('probe').status?.containerStatuses?.[0]?.ready === true, 120_000);
    const running = getPod('probe');
    expect(running.status?.podIP).toMatch(/^10\.85\./);
    expect(running.status?.containerStatuses?.[0]?.containerID).toMatch(/^containerd:\/\/[0-9a-f]{64}$/);
    await waitUntil('pod Succeeded', () => getPod('probe').status?.phase === 'Succeeded', 60_000);
    const done = getPod('probe').status!.containerStatuses![0]!.state!.terminated!;
    expect(done.exitCode).toBe(0);
    expect(JSON.parse(done.message!)).toEqual({ uid: 65532 });
    expect(kubectlOk(['logs', 'probe', '-n', namespace])).toContain('hello from probe');
  }, 200_000);

  test('a pod reaches the API server through the kubernetes Service', async () => {
    // The pod's ServiceAccount token, the cluster CA and the Service address the kubelet gives it:
    // what every in-cluster client uses. /version needs no permission beyond authentication.
    const script = [
      "const fs = require('fs'), https = require('https'), sa = '/var/run/secrets/kubernetes.io/serviceaccount/';",
      'https.get({ host: process.env.KUBERNETES_SERVICE_HOST, port: process.env.KUBERNETES_SERVICE_PORT, path: "/version",',
      "  ca: fs.readFileSync(sa + 'ca.crt'), headers: { authorization: 'Bearer ' + fs.readFileSync(sa + 'token', 'utf8') } },",
      "  (res) => { let body = ''; res.on('data', (d) => (body += d)); res.on('end', () => { console.log(res.statusCode, body); process.exit(res.statusCode === 200 ? 0 : 1); }); })",
      "  .on('error', (e) => { console.log('error', e.message); process.exit(1); });",
    ].join('\n');
    kubectlOk(['create', '-n', namespace, '-f', '-'], manifestInput(realNodePod('api', script)));
    await waitUntil('pod finished', () => ['Succeeded', 'Failed'].includes(getPod('api').status?.phase ?? ''), 120_000);
    const logs = kubectl(['logs', 'api', '-n', namespace]).stdout;
    expect(getPod('api').status?.phase).toBe('Succeeded');
    expect(logs).toMatch(/^200 [\s\S]*"gitVersion"/);
  }, 200_000);
});

describe("the project's helm", () => {
  test('renders the chart without --kube-version (its Kubernetes version is stamped at build)', () => {
    const helmBin = process.env.DRM_HELM ?? path.join(rootDir, '.local', 'bin', 'helm');
    const rendered = spawnSync(helmBin, ['template', 'drm', path.join(rootDir, 'charts', 'drm-operator')], { encoding: 'utf8' });
    expect(rendered.stderr).toBe('');
    expect(rendered.status).toBe(0);
    expect(rendered.stdout).toContain('kind: Deployment');
  });
});
