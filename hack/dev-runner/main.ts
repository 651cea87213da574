// The dev runner: a stand-in kubelet for end-to-end tests that need many nodes running real worker
// code quickly (the demo and the user's path run on real kubelet nodes, hack/node.sh). It registers the
// nodes it is given (labeled drm.dtf.io/dev-runner=true; kwok leaves them alone), keeps them
// Ready, and runs each drm-operator worker pod bound to them as a local process with the pod's
// environment, mounts (ConfigMap, downward API, emptyDir) and ServiceAccount, reporting the pod's
// phase and termination message as a kubelet would. Never part of the chart: in a real cluster the kubelet does this.
import {
  CoordinationV1Api,
  CoreV1Api,
  KubeConfig,
  makeInformer,
  type KubernetesListObject,
  type V1Pod,
} from '@kubernetes/client-node';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { mergePatch, isNotFound, isAlreadyExists, describeError } from '../../operator/kube/client.js';
import { createLogger } from '../../operator/runtime/logger.js';
import { microTime } from '../../operator/runtime/leader-election.js';
import { commandFor, downwardApiFiles, localPathFor, nodeObject, parseNodeSpec, planPaths, resolveEnv, terminationMessage, type NodeSpec } from './pod-spec.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const { values } = parseArgs({
  options: {
    kubeconfig: { type: 'string' },
    node: { type: 'string', multiple: true, default: [] },
    'worker-image': { type: 'string', default: 'drm-operator:0.1.0' },
    'state-dir': { type: 'string', default: path.join(repoRoot, '.local', 'dev-runner') },
    // The compiled worker starts in a fraction of the time tsx needs; dev.sh builds it first.
    'compiled-worker': { type: 'boolean', default: false },
    'log-level': { type: 'string', default: 'info' },
  },
});

const log = createLogger(values['log-level']).child({ component: 'dev-runner' });
const kubeConfig = new KubeConfig();
if (values.kubeconfig) kubeConfig.loadFromFile(values.kubeconfig);
else kubeConfig.loadFromDefault();
const core = kubeConfig.makeApiClient(CoreV1Api);
const coordination = kubeConfig.makeApiClient(CoordinationV1Api);
const nodes: NodeSpec[] = (values.node ?? []).map(parseNodeSpec);
const nodeNames = new Set(nodes.map((n) => n.name));
const stateDir = values['state-dir']!;
// The built-in worker image runs this repository's worker under the project's Node.
const builtinWorkerCommand = values['compiled-worker']
  ? [process.execPath, path.join(repoRoot, 'dist', 'operator', 'worker', 'main.js')]
  : [process.execPath, '--import', 'tsx', path.join(repoRoot, 'operator', 'worker', 'main.ts')];

if (nodes.length === 0) {
  log.error('no --node given (e.g. --node dev-cpu-1:cpu:4:8Gi --node dev-gpu-1:gpu:8:32Gi:1:NVIDIA-A10G:24576)');
  process.exit(2);
}

// ---------------------------------------------------------------------------------------------
// Nodes: register, then heartbeat (Ready condition and the node Lease).

async function registerNode(spec: NodeSpec): Promise<void> {
  try {
    await core.createNode({ body: nodeObject(spec) });
    log.info({ node: spec.name, hardware: spec.hardware }, 'node registered');
  } catch (error) {
    if (!isAlreadyExists(error)) throw error;
  }
}

async function heartbeat(spec: NodeSpec): Promise<void> {
  const now = new Date();
  const condition = (type: string, status: string, reason: string, message: string) => ({ type, status, reason, message, lastHeartbeatTime: now, lastTransitionTime: now });
  const desired = nodeObject(spec);
  await core.patchNodeStatus(
    {
      name: spec.name,
      body: {
        status: {
          capacity: desired.status.capacity,
          allocatable: desired.status.allocatable,
          conditions: [
            condition('Ready', 'True', 'DevRunnerReady', 'the drm dev runner runs pods here as local processes'),
            condition('MemoryPressure', 'False', 'DevRunnerHasSufficientMemory', 'no pressure'),
            condition('DiskPressure', 'False', 'DevRunnerHasNoDiskPressure', 'no pressure'),
            condition('PIDPressure', 'False', 'DevRunnerHasSufficientPID', 'no pressure'),
          ],
          addresses: [{ type: 'InternalIP', address: '127.0.0.1' }, { type: 'Hostname', address: spec.name }],
          nodeInfo: { architecture: 'amd64', operatingSystem: 'linux', kubeletVersion: 'drm-dev-runner', kubeProxyVersion: '', containerRuntimeVersion: 'local-process', kernelVersion: '', osImage: '', machineID: '', systemUUID: '', bootID: '' },
        },
      },
    },
    mergePatch,
  );
  const leaseBody = { metadata: { name: spec.name, namespace: 'kube-node-lease' }, spec: { holderIdentity: spec.name, leaseDurationSeconds: 40, renewTime: microTime(now) as unknown as Date } };
  try {
    const lease = await coordination.readNamespacedLease({ name: spec.name, namespace: 'kube-node-lease' });
    await coordination.replaceNamespacedLease({ name: spec.name, namespace: 'kube-node-lease', body: { ...lease, spec: { ...lease.spec, ...leaseBody.spec } } });
  } catch (error) {
    if (!isNotFound(error)) throw error;
    await coordination.createNamespacedLease({ namespace: 'kube-node-lease', body: leaseBody });
  }
}

// ---------------------------------------------------------------------------------------------
// Pods: run, report, stop.

interface RunningPod {
  child?: ChildProcess;
  stopping: boolean;
}
const running = new Map<string, RunningPod>();

async function setPodStatus(pod: V1Pod, status: Record<string, unknown>): Promise<void> {
  await core.patchNamespacedPodStatus({ name: pod.metadata!.name!, namespace: pod.metadata!.namespace!, body: { status } }, mergePatch);
}

async function serviceAccountKubeconfig(pod: V1Pod, podDir: string): Promise<string | undefined> {
  if (pod.spec?.automountServiceAccountToken === false) return undefined;
  const serviceAccount = pod.spec?.serviceAccountName ?? 'default';
  const token = await core.createNamespacedServiceAccountToken({
    name: serviceAccount,
    namespace: pod.metadata!.namespace!,
    body: { spec: { audiences: [], expirationSeconds: 3600, boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: pod.metadata!.name!, uid: pod.metadata!.uid! } } },
  });
  const cluster = kubeConfig.getCurrentCluster()!;
  const file = path.join(podDir, 'kubeconfig');
  const caLine = cluster.caFile ? `    certificate-authority: ${cluster.caFile}` : cluster.caData ? `    certificate-authority-data: ${cluster.caData}` : '    insecure-skip-tls-verify: true';
  writeFileSync(
    file,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '- name: cluster',
      '  cluster:',
      `    server: ${cluster.server}`,
      caLine,
      'users:',
      `- name: ${serviceAccount}`,
      '  user:',
      `    token: ${token.status?.token}`,
      'contexts:',
      `- name: pod`,
      `  context: {cluster: cluster, user: ${serviceAccount}, namespace: ${pod.metadata!.namespace}}`,
      'current-context: pod',
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  return file;
}

async function materializeVolumes(pod: V1Pod, podDir: string): Promise<void> {
  for (const volume of pod.spec?.volumes ?? []) {
    const dir = path.join(podDir, 'volumes', volume.name);
    mkdirSync(dir, { recursive: true });
    if (volume.configMap) {
      const configMap = await core.readNamespacedConfigMap({ name: volume.configMap.name!, namespace: pod.metadata!.namespace! });
      for (const [key, value] of Object.entries(configMap.data ?? {})) writeFileSync(path.join(dir, key), value);
    }
    for (const file of downwardApiFiles(pod, volume)) {
      mkdirSync(path.dirname(path.join(dir, file.path)), { recursive: true });
      writeFileSync(path.join(dir, file.path), file.content);
    }
  }
}

async function startPod(pod: V1Pod): Promise<void> {
  const key = `${pod.metadata!.namespace}/${pod.metadata!.name}`;
  const entry: RunningPod = { stopping: false };
  running.set(key, entry);
  const podLog = log.child({ pod: key, node: pod.spec?.nodeName });
  const container = pod.spec!.containers[0]!;
  const podDir = path.join(stateDir, 'pods', pod.metadata!.uid!);
  const startedAt = new Date();
  const fail = async (reason: string, message: string) => {
    podLog.warn({ reason, message }, 'pod could not start');
    await setPodStatus(pod, {
      phase: 'Failed',
      reason,
      message,
      containerStatuses: [{ name: container.name, image: container.image, imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode: 128, reason, message: message.slice(0, 4096), startedAt, finishedAt: new Date() } } }],
    });
  };
  if (pod.metadata?.labels?.['app.kubernetes.io/managed-by'] !== 'drm-operator') {
    await fail('UnsupportedPod', 'the drm dev runner only runs drm-operator worker pods');
    return;
  }
  let command: string[];
  let env: Record<string, string>;
  let terminationFile: string;
  try {
    rmSync(podDir, { recursive: true, force: true });
    mkdirSync(podDir, { recursive: true });
    await materializeVolumes(pod, podDir);
    const paths = planPaths(pod, container, podDir);
    terminationFile = paths.terminationMessage.localPath;
    env = resolveEnv(pod, container, paths, () => undefined);
    const kubeconfigFile = await serviceAccountKubeconfig(pod, podDir);
    if (kubeconfigFile) env.KUBECONFIG = kubeconfigFile;
    // The built-in worker's command names host paths already; a pod's own command names
    // container paths, which map to the pod's local directories.
    command = container.image === values['worker-image'] ? builtinWorkerCommand : commandFor(container, values['worker-image']!, builtinWorkerCommand).map((word) => localPathFor(word, paths));
  } catch (error) {
    await fail('CreateContainerError', describeError(error));
    return;
  }
  const child = spawn(command[0]!, command.slice(1), {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', HOME: podDir, TMPDIR: path.join(podDir, 'volumes', 'scratch'), NODE_NO_WARNINGS: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  entry.child = child;
  let logTail = '';
  const keepTail = (chunk: Buffer) => {
    logTail = (logTail + chunk.toString()).slice(-8192);
  };
  child.stdout!.on('data', keepTail);
  child.stderr!.on('data', keepTail);
  // Listen for the exit at once: a fast worker can finish before the Running report is through.
  const exited: Promise<number> = new Promise((resolve) => {
    child.on('error', (error) => {
      logTail += `\n${error.message}`;
      resolve(127);
    });
    child.on('exit', (code, signal) => resolve(code ?? (signal === 'SIGKILL' ? 137 : 143)));
  });
  podLog.info({ command: command.join(' ') }, 'pod started');
  await setPodStatus(pod, {
    phase: 'Running',
    startTime: startedAt,
    hostIP: '127.0.0.1',
    podIP: '127.0.0.1',
    conditions: ['PodScheduled', 'Initialized', 'ContainersReady', 'Ready'].map((type) => ({ type, status: 'True', lastTransitionTime: startedAt })),
    containerStatuses: [{ name: container.name, image: container.image, imageID: '', ready: true, started: true, restartCount: 0, state: { running: { startedAt } } }],
  }).catch((error: unknown) => podLog.warn({ err: describeError(error) }, 'could not report Running'));

  const exitCode = await exited;
  running.delete(key);
  if (entry.stopping) return; // deleted: the pod object goes away, no status to report
  const fileContent = existsSync(terminationFile) ? readFileSync(terminationFile, 'utf8') : undefined;
  const message = terminationMessage(fileContent, logTail, exitCode, container.terminationMessagePolicy);
  const finishedAt = new Date();
  podLog.info({ exitCode, seconds: (finishedAt.getTime() - startedAt.getTime()) / 1000 }, 'pod finished');
  await setPodStatus(pod, {
    phase: exitCode === 0 ? 'Succeeded' : 'Failed',
    conditions: ['PodScheduled', 'Initialized'].map((type) => ({ type, status: 'True', lastTransitionTime: startedAt })).concat(['ContainersReady', 'Ready'].map((type) => ({ type, status: 'False', lastTransitionTime: finishedAt }))),
    containerStatuses: [
      {
        name: container.name,
        image: container.image,
        imageID: '',
        ready: false,
        started: false,
        restartCount: 0,
        state: { terminated: { exitCode, reason: exitCode === 0 ? 'Completed' : exitCode === 137 ? 'OOMKilled' : 'Error', ...(message ? { message } : {}), startedAt, finishedAt } },
      },
    ],
  }).catch((error: unknown) => podLog.warn({ err: describeError(error) }, 'could not report the pod finished'));
  rmSync(path.join(podDir, 'kubeconfig'), { force: true });
}

async function stopPod(pod: V1Pod): Promise<void> {
  const key = `${pod.metadata!.namespace}/${pod.metadata!.name}`;
  const entry = running.get(key);
  if (entry?.child && !entry.stopping) {
    entry.stopping = true;
    const child = entry.child;
    const gone = child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const grace = (pod.spec?.terminationGracePeriodSeconds ?? 30) * 1000;
    const timer = setTimeout(() => child.kill('SIGKILL'), Math.min(grace, 10_000));
    await gone;
    clearTimeout(timer);
  }
  // As the kubelet does: confirm the deletion once the container is gone.
  await core.deleteNamespacedPod({ name: pod.metadata!.name!, namespace: pod.metadata!.namespace!, gracePeriodSeconds: 0 }).catch((error: unknown) => {
    if (!isNotFound(error)) log.warn({ pod: key, err: describeError(error) }, 'could not confirm pod deletion');
  });
  rmSync(path.join(stateDir, 'pods', pod.metadata!.uid!), { recursive: true, force: true });
}

function onPod(pod: V1Pod): void {
  if (!pod.spec?.nodeName || !nodeNames.has(pod.spec.nodeName)) return;
  const key = `${pod.metadata!.namespace}/${pod.metadata!.name}`;
  if (pod.metadata?.deletionTimestamp) {
    void stopPod(pod);
    return;
  }
  if (running.has(key) || pod.status?.phase !== 'Pending') return;
  void startPod(pod).catch((error: unknown) => log.error({ pod: key, err: describeError(error) }, 'pod start failed'));
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  mkdirSync(stateDir, { recursive: true });
  for (const spec of nodes) await registerNode(spec);
  const beat = async () => {
    for (const spec of nodes) await heartbeat(spec).catch((error: unknown) => log.warn({ node: spec.name, err: describeError(error) }, 'heartbeat failed'));
  };
  await beat();
  const heartbeatTimer = setInterval(() => void beat(), 10_000);

  const informer = makeInformer<V1Pod>(kubeConfig, '/api/v1/pods', () => core.listPodForAllNamespaces() as Promise<KubernetesListObject<V1Pod>>);
  informer.on('add', onPod);
  informer.on('update', onPod);
  informer.on('error', (error) => {
    log.warn({ err: describeError(error) }, 'pod watch failed; restarting in 2s');
    setTimeout(() => void informer.start(), 2000);
  });
  await informer.start();
  log.info({ nodes: [...nodeNames] }, 'dev runner ready');

  const shutdown = async () => {
    clearInterval(heartbeatTimer);
    await informer.stop();
    for (const entry of running.values()) {
      entry.stopping = true;
      entry.child?.kill('SIGTERM');
    }
    // Unlike a kubelet, the runner takes its nodes with it: left behind, they would look Ready
    // to the scheduler for the next cluster start's first minute and swallow pods.
    await Promise.all(nodes.map((spec) => core.deleteNode({ name: spec.name }).catch(() => undefined)));
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown());
  process.on('SIGINT', () => void shutdown());
}

main().catch((error: unknown) => {
  log.fatal({ err: describeError(error) }, 'dev runner failed');
  process.exit(1);
});
