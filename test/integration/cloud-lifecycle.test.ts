// Cloud node groups end to end, on the real control plane: the operator drives EC2 (moto, behind
// the proxy that adds what moto lacks) and a GCP managed instance group (the Compute fake), and
// the boot harness plays each instance's kubelet: a running instance registers a Node with its
// providerID and its type's capacity and no pool labels (kwok runs its pods); a gone instance's
// Node is deleted. What the operator must do is the rest: scale from zero by the node shape the
// provider gives, adopt the Node (labels, taints), drain it past DaemonSet pods and not past a
// PodDisruptionBudget, replace instances that never register or are interrupted, and return
// every instance when a pool is deleted. Conditions are waited for; nothing is timed. The
// operator runs as the ServiceAccount of the chart (installed with its pods kept off every node),
// so what it does here is what the chart's least-privilege RBAC allows.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { CreateSubnetCommand, CreateVpcCommand, DescribeInstancesCommand, EC2Client, type Instance } from '@aws-sdk/client-ec2';
import type { V1Node } from '@kubernetes/client-node';
import { dataParallelTask, workerPool } from '../builders/index.js';
import { bootEc2Instances, bootGceInstances, type BootHarness } from '../support/boot-harness.js';
import path from 'node:path';
import { applyManifest, createNamespace, deleteNamespace, helm, installCrds, kubectl, kubectlOk, manifestInput, rootDir } from '../support/cluster.js';
import { startGcpFake, type GcpFake } from '../support/gcp-fake.js';
import { startEc2FaultProxy, startMoto, type Ec2FaultProxy, type MotoServer } from '../support/moto.js';
import { coreClient } from '../support/occupancy.js';
import { startOperator, stopAll, waitForOperator, type ManagedProcess } from '../support/operator.js';
import { serviceAccountKubeconfig } from '../support/service-account.js';
import { waitUntil } from '../support/wait.js';

const suffix = Date.now().toString(36).slice(-5);
const PORT = 19581;
const REGION = 'us-west-2';
const RELEASE = `cl-${suffix}`;
const FULLNAME = `${RELEASE}-drm-operator`;
const PROJECT = 'drm-test-project';
const ZONE = 'us-central1-a';
const core = coreClient();
let namespace = '';
let moto: MotoServer;
let proxy: Ec2FaultProxy;
let ec2: EC2Client;
let gcp: GcpFake;
let operator: ManagedProcess;
let subnet = '';
const harnesses: BootHarness[] = [];
const pools: string[] = [];

interface LifecycleEntry {
  reason: string;
  message: string;
}
interface PoolStatus {
  nodes?: number;
  message?: string;
  nodeShape?: { cpu: number; memoryMiB: number; gpu: number; source: string };
  lifecycle?: LifecycleEntry[];
  draining?: Array<{ node: string; message?: string }>;
  decisions?: Array<{ action: string; count?: number }>;
}

const poolJson = (name: string) => {
  const result = kubectl(['get', 'workerpool', name, '-o', 'json']);
  return result.code === 0 ? (JSON.parse(result.stdout) as { metadata: { finalizers?: string[] }; status?: PoolStatus }) : undefined;
};
const poolStatus = (name: string): PoolStatus => poolJson(name)?.status ?? {};
const lifecycleOf = (name: string, reason: string) => (poolStatus(name).lifecycle ?? []).filter((e) => e.reason === reason);
const poolEvents = (name: string) =>
  kubectlOk(['get', 'events', '-n', 'default', '--field-selector', `involvedObject.name=${name}`, '-o', 'jsonpath={range .items[*]}{.reason}{": "}{.message}{"\\n"}{end}']);
const explain = (name: string) => `\n${JSON.stringify(poolStatus(name), null, 1)}\n${poolEvents(name)}\n${operator.output().slice(-6000)}`;

async function ec2Instances(pool: string, states = ['pending', 'running']): Promise<Instance[]> {
  const answer = await ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'tag:drm.dtf.io/pool', Values: [pool] }, { Name: 'instance-state-name', Values: states }] }));
  return (answer.Reservations ?? []).flatMap((r) => r.Instances ?? []);
}

async function nodesWithProviderId(pattern: RegExp): Promise<V1Node[]> {
  return (await core.listNode()).items.filter((n) => pattern.test(n.spec?.providerID ?? ''));
}

async function poolNodes(pool: string): Promise<V1Node[]> {
  return (await core.listNode({ labelSelector: `drm.dtf.io/pool=${pool}` })).items;
}

/** An aws pool of m5.large instances in the test's subnet, scaled quickly. */
function awsPool(name: string, options: { minNodes?: number; spot?: boolean; registrationTimeoutSeconds?: number; idleSeconds?: number } = {}) {
  pools.push(name);
  return workerPool(name, 'aws', {
    metadata: { labels: { 'cloud-test': name } },
    spec: {
      hardware: { type: 'cpu', gpuProduct: undefined, gpuCount: undefined, gpuMemoryMiB: undefined },
      nodeLabels: { team: `t-${suffix}` },
      taints: [{ key: 'drm.dtf.io/cloud-test', value: name, effect: 'NoSchedule' }],
      provider: { aws: { region: REGION, instanceTypes: ['m5.large'], launchTemplate: undefined, subnetIds: [subnet], spot: options.spot ?? false, credentialsSecretRef: { name: 'aws-creds' } } },
      minNodes: options.minNodes ?? 0,
      maxNodes: 2,
      costPerNodeHour: 0.1,
      maxCostPerHour: undefined,
      scaling: { intervalSeconds: 5, cooldownSeconds: 5, scaleDownIdleSeconds: options.idleSeconds ?? 15, horizonSeconds: 30 },
      lifecycle: { registrationTimeoutSeconds: options.registrationTimeoutSeconds ?? 120, drainTimeoutSeconds: 15 },
    },
  });
}

/** A DataParallel task for one pool: `partitions` subtasks of 500m and 512Mi, each simulated for `seconds`. */
function taskFor(name: string, pool: string, partitions: number, seconds: number, maxAttempts = 3) {
  return dataParallelTask(name, {
    metadata: { annotations: { 'drm.dtf.io/simulated-duration': `${seconds}s` } },
    spec: {
      input: { items: Array.from({ length: partitions }, (_, i) => i + 1) },
      partitions,
      hardware: { type: 'cpu' },
      resources: { cpu: '500m', memory: '512Mi' },
      poolSelector: { matchLabels: { 'cloud-test': pool } },
      retry: { maxAttempts, backoffSeconds: 1, maxBackoffSeconds: 2 },
    },
  });
}

const taskPhase = (name: string) => kubectlOk(['get', 'ot', name, '-n', namespace, '-o', 'jsonpath={.status.phase}']);

interface SubtaskJson {
  metadata: { name: string };
  status?: { phase?: string; nodeName?: string; attempts?: number; attemptHistory?: Array<{ attempt: number; reason?: string; nodeName?: string; phase?: string }> };
}
const subtasksOf = (task: string) =>
  (JSON.parse(kubectlOk(['get', 'subtasks', '-n', namespace, '-l', `drm.dtf.io/task=${task}`, '-o', 'json'])) as { items: SubtaskJson[] }).items;

beforeAll(async () => {
  installCrds();
  moto = await startMoto({ installTimeoutMs: 290_000 });
  proxy = await startEc2FaultProxy(moto.endpoint);
  ec2 = new EC2Client({ region: REGION, endpoint: moto.endpoint, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
  const vpc = await ec2.send(new CreateVpcCommand({ CidrBlock: '10.7.0.0/16' }));
  subnet = (await ec2.send(new CreateSubnetCommand({ VpcId: vpc.Vpc!.VpcId!, CidrBlock: '10.7.1.0/24', AvailabilityZone: `${REGION}a` }))).Subnet!.SubnetId!;
  gcp = await startGcpFake({ operationMs: 100 });
  namespace = createNamespace('cloud-life');
  kubectlOk(['create', 'secret', 'generic', 'aws-creds', '-n', namespace, '--from-literal=AWS_ACCESS_KEY_ID=testing', '--from-literal=AWS_SECRET_ACCESS_KEY=testing']);
  // The chart's RBAC (its default providers), the credentials Secret by name.
  const install = helm([
    'install', RELEASE, path.join(rootDir, 'charts', 'drm-operator'), '--namespace', namespace,
    '--set', 'replicaCount=1', '--set', 'nodeSelector.drm-test=never', '--set', 'credentials.secretNames={aws-creds}',
  ]);
  expect(install.stderr).toBe('');
  operator = startOperator({
    healthPort: PORT,
    extraArgs: ['--kubeconfig', serviceAccountKubeconfig(FULLNAME, namespace), '--aws-endpoint', proxy.endpoint, '--gcp-endpoint', `http://${gcp.host}:${gcp.port}`, '--credentials-namespace', namespace, '--predictor-namespace', namespace],
  });
  await waitForOperator(PORT);
}, 300_000);

afterAll(async () => {
  // Pools first, while the operator can still release them; then what is left by force.
  for (const pool of pools) kubectl(['delete', 'workerpool', pool, '--ignore-not-found', '--wait=false']);
  await waitUntil('test pools released', () => pools.every((p) => poolJson(p) === undefined), 60_000).catch(() => undefined);
  for (const pool of pools) kubectl(['patch', 'workerpool', pool, '--type=merge', '-p', '{"metadata":{"finalizers":null}}']);
  await stopAll();
  await Promise.all(harnesses.map((h) => h.stop()));
  helm(['uninstall', RELEASE, '--namespace', namespace]);
  deleteNamespace(namespace);
  ec2?.destroy();
  await proxy?.stop();
  await moto?.stop();
  await gcp?.stop();
}, 120_000);

describe('cloud node groups, end to end', () => {
  test('aws from zero: the node shape from EC2 launches an instance for work that fits; its Node joins bare, is labeled and tainted, runs the subtasks, and past a DaemonSet pod is drained and returned', async () => {
    const POOL = `aws-zero-${suffix}`;
    harnesses.push(bootEc2Instances(ec2, [POOL]));
    const harness = harnesses.at(-1)!;
    applyManifest(awsPool(POOL));
    // The shape comes from DescribeInstanceTypes before any instance exists.
    await waitUntil('the node shape in status', () => poolStatus(POOL).nodeShape !== undefined, 60_000).catch((e: unknown) => {
      throw new Error(`${(e as Error).message}${explain(POOL)}`);
    });
    expect(poolStatus(POOL).nodeShape).toMatchObject({ cpu: 2, gpu: 0, source: expect.stringMatching(/m5\.large/) });
    expect(await ec2Instances(POOL)).toHaveLength(0);

    // A DaemonSet on every node of the pool, as a logging or CNI agent would be.
    applyManifest(
      {
        apiVersion: 'apps/v1',
        kind: 'DaemonSet',
        metadata: { name: 'node-agent' },
        spec: {
          selector: { matchLabels: { app: 'node-agent' } },
          template: {
            metadata: { labels: { app: 'node-agent' } },
            spec: { nodeSelector: { 'drm.dtf.io/pool': POOL }, tolerations: [{ operator: 'Exists' }], containers: [{ name: 'agent', image: 'registry.invalid/agent:0', resources: { requests: { cpu: '50m' } } }] },
          },
        },
      },
      namespace,
    );

    // Every DaemonSet pod seen on the pool's nodes: a drain must leave it, not evict it (its
    // controller would only put it back).
    const agents = new Set<string>();
    let watching = true;
    const watcher = (async () => {
      // Bounded, so a failing test leaves no loop behind.
      const stopAt = Date.now() + 600_000;
      while (watching && Date.now() < stopAt) {
        const pods = await core.listNamespacedPod({ namespace, labelSelector: 'app=node-agent' }).catch(() => ({ items: [] }));
        for (const pod of pods.items) if (pod.spec?.nodeName && !pod.metadata?.deletionTimestamp) agents.add(pod.metadata!.uid!);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    })();

    kubectlOk(['apply', '-n', namespace, '-f', '-'], manifestInput(taskFor('from-zero', POOL, 2, 4)));
    await waitUntil('an instance launched and its Node registered', () => harness.registered.size > 0, 120_000).catch((e: unknown) => {
      throw new Error(`${(e as Error).message}${explain(POOL)}`);
    });
    const [nodeName, registration] = [...harness.registered.entries()][0]!;
    // Joined as a stock image would: no pool label, no taint.
    expect(registration.labels['drm.dtf.io/pool']).toBeUndefined();
    expect(registration.taints).toEqual([]);
    await waitUntil('the operator labeled and tainted the Node', async () => (await poolNodes(POOL)).some((n) => n.metadata?.name === nodeName), 60_000);
    const adopted = (await core.readNode({ name: nodeName }));
    expect(adopted.metadata?.labels).toMatchObject({ 'drm.dtf.io/pool': POOL, 'drm.dtf.io/hardware': 'cpu', team: `t-${suffix}` });
    expect(adopted.spec?.taints).toEqual(expect.arrayContaining([expect.objectContaining({ key: 'drm.dtf.io/cloud-test', value: POOL, effect: 'NoSchedule' })]));
    await waitUntil('the DaemonSet pod runs on the node', async () => (await core.listNamespacedPod({ namespace, labelSelector: 'app=node-agent' })).items.some((p) => p.spec?.nodeName === nodeName && p.status?.phase === 'Running'), 60_000);

    await waitUntil('the task completed', () => taskPhase('from-zero') === 'Completed', 180_000).catch((e: unknown) => {
      throw new Error(`${(e as Error).message}${explain(POOL)}`);
    });
    for (const subtask of subtasksOf('from-zero')) expect(subtask.status?.nodeName).toBe(nodeName);

    // Idle: drained (the DaemonSet pod stays and does not hold it), the instance terminated.
    await waitUntil('the pool back at 0 with no instance in EC2', async () => (await ec2Instances(POOL)).length === 0 && (await poolNodes(POOL)).length === 0, 180_000).catch((e: unknown) => {
      throw new Error(`${(e as Error).message}${explain(POOL)}`);
    });
    watching = false;
    await watcher;
    expect(agents.size).toBe(1);
    await waitUntil('the status counts no node', () => poolStatus(POOL).nodes === 0, 60_000);
    expect((poolStatus(POOL).decisions ?? []).some((d) => d.action === 'scaleDown')).toBe(true);
    expect(poolEvents(POOL)).toMatch(/NodesRemoved: removed drained node/);
  }, 600_000);

  test('aws: an instance that never registers is terminated and replaced within the registration timeout; deleting the pool returns every instance', async () => {
    const POOL = `aws-reg-${suffix}`;
    let victim: string | undefined;
    harnesses.push(bootEc2Instances(ec2, [POOL], { neverRegister: (id) => (victim ??= id) === id }));
    const harness = harnesses.at(-1)!;
    applyManifest(awsPool(POOL, { minNodes: 1, registrationTimeoutSeconds: 10 }));
    await waitUntil('a replacement registered and adopted', async () => (await poolNodes(POOL)).length === 1, 180_000).catch((e: unknown) => {
      throw new Error(`${(e as Error).message}${explain(POOL)}`);
    });
    expect(victim).toBeDefined();
    expect(harness.ignored.has(victim!)).toBe(true);
    expect((await ec2Instances(POOL)).map((i) => i.InstanceId)).not.toContain(victim);
    expect(lifecycleOf(POOL, 'RegistrationTimeout').some((e) => e.message.includes(victim!))).toBe(true);
    expect(poolEvents(POOL)).toMatch(new RegExp(`RegistrationTimeout: instance ${victim} registered no Node within 10s`));
    expect(poolJson(POOL)?.metadata.finalizers).toContain('drm.dtf.io/release-instances');

    // Deleting the pool with a node running: drained, terminated, its Node removed, then gone.
    kubectlOk(['delete', 'workerpool', POOL, '--wait=false']);
    await waitUntil('the pool released and gone', () => poolJson(POOL) === undefined, 120_000).catch((e: unknown) => {
      throw new Error(`${(e as Error).message}${explain(POOL)}`);
    });
    expect(await ec2Instances(POOL, ['pending', 'running', 'stopping', 'stopped'])).toEqual([]);
    expect(await poolNodes(POOL)).toEqual([]);
    expect(await nodesWithProviderId(new RegExp(`^aws:///.*/(${[...harness.registered.values()].map((r) => r.instanceId).join('|') || 'none'})$`))).toEqual([]);
  }, 400_000);

  test('aws spot: an interruption notice mid-subtask replaces the instance, and the subtask completes on the replacement with the lost attempt counted as node loss', async () => {
    const POOL = `aws-spot-${suffix}`;
    harnesses.push(bootEc2Instances(ec2, [POOL]));
    applyManifest(awsPool(POOL, { spot: true, idleSeconds: 60 }));
    // One attempt allowed: a node lost under it is no failure, so it does not use it up.
    kubectlOk(['apply', '-n', namespace, '-f', '-'], manifestInput(taskFor('spot-work', POOL, 1, 20, 1)));
    await waitUntil('the subtask running on a spot node', () => subtasksOf('spot-work').some((s) => s.status?.phase === 'Running' && s.status.nodeName), 180_000).catch((e: unknown) => {
      throw new Error(`${(e as Error).message}${explain(POOL)}`);
    });
    const firstNode = subtasksOf('spot-work')[0]!.status!.nodeName!;
    const firstInstance = (await core.readNode({ name: firstNode })).spec!.providerID!.split('/').at(-1)!;
    expect((await ec2Instances(POOL)).find((i) => i.InstanceId === firstInstance)?.InstanceLifecycle).toBe('spot');

    // EC2's two-minute notice: the spot request is marked for termination.
    proxy.interruptSpot(firstInstance);
    await waitUntil('the task completed on a replacement', () => taskPhase('spot-work') === 'Completed', 240_000).catch((e: unknown) => {
      throw new Error(`${(e as Error).message}${explain(POOL)}\n${JSON.stringify(subtasksOf('spot-work'), null, 1)}`);
    });
    const [subtask] = subtasksOf('spot-work');
    expect(subtask!.status?.attempts).toBe(2);
    expect(subtask!.status?.nodeName).not.toBe(firstNode);
    const first = subtask!.status?.attemptHistory?.find((a) => a.attempt === 1);
    expect(first).toMatchObject({ reason: 'NodeLost', nodeName: firstNode });
    expect((await ec2Instances(POOL)).map((i) => i.InstanceId)).not.toContain(firstInstance);
    expect(lifecycleOf(POOL, 'InstanceInterrupted').some((e) => e.message.includes(firstInstance) && /marked-for-termination/.test(e.message))).toBe(true);
  }, 600_000);

  test('gcp spot: a preempted VM mid-subtask loses its Node at once and is deleted rather than recreated in place, and the subtask completes on a new instance with the lost attempt counted as node loss', async () => {
    const POOL = `gcp-spot-${suffix}`;
    const MIG = `spot-${suffix}`;
    // Slow starts: the group would recreate the preempted VM only after the operator has acted.
    gcp.addGroup({ project: PROJECT, zone: ZONE, name: MIG, targetSize: 0, instanceStartMs: 8000, machineType: 'e2-standard-4' });
    // A preempted VM's kubelet is simply gone: its Node stays until someone removes it.
    harnesses.push(bootGceInstances(gcp, { project: PROJECT, zone: ZONE, group: MIG }, { keepNodesOfGoneInstances: true }));
    pools.push(POOL);
    applyManifest(
      workerPool(POOL, 'gcp', {
        metadata: { labels: { 'cloud-test': POOL } },
        spec: {
          provider: { gcp: { project: PROJECT, zone: ZONE, instanceGroupManager: MIG, machineType: undefined, spot: true, credentialsSecretRef: undefined } },
          minNodes: 0,
          maxNodes: 2,
          scaling: { intervalSeconds: 5, cooldownSeconds: 5, scaleDownIdleSeconds: 60, horizonSeconds: 30 },
        },
      }),
    );
    kubectlOk(['apply', '-n', namespace, '-f', '-'], manifestInput(taskFor('preempted-work', POOL, 1, 20, 1)));
    await waitUntil('the subtask running on a spot VM', () => subtasksOf('preempted-work').some((s) => s.status?.phase === 'Running' && s.status.nodeName), 180_000).catch((e: unknown) => {
      throw new Error(`${(e as Error).message}${explain(POOL)}`);
    });
    const firstNode = subtasksOf('preempted-work')[0]!.status!.nodeName!;
    gcp.preempt(PROJECT, ZONE, MIG, firstNode);
    await waitUntil('the task completed on a new instance', () => taskPhase('preempted-work') === 'Completed', 240_000).catch((e: unknown) => {
      throw new Error(`${(e as Error).message}${explain(POOL)}\n${JSON.stringify(subtasksOf('preempted-work'), null, 1)}`);
    });
    const [subtask] = subtasksOf('preempted-work');
    expect(subtask!.status?.attempts).toBe(2);
    expect(subtask!.status?.nodeName).not.toBe(firstNode);
    expect(subtask!.status?.attemptHistory?.find((a) => a.attempt === 1)).toMatchObject({ reason: 'NodeLost', nodeName: firstNode });
    expect((await core.listNode()).items.map((n) => n.metadata?.name)).not.toContain(firstNode);
    expect(gcp.group(PROJECT, ZONE, MIG).instances.map((i) => i.name)).not.toContain(firstNode);
    expect(lifecycleOf(POOL, 'InstanceInterrupted').some((e) => e.message.includes(firstNode) && /preempted/.test(e.message))).toBe(true);
  }, 600_000);

  test('gcp: a PodDisruptionBudget that allows no eviction makes the drain give up with the reason in status; deleting the pool with its node running resizes the group to 0 and leaves no Node', async () => {
    const POOL = `gcp-pdb-${suffix}`;
    const MIG = `mig-${suffix}`;
    gcp.addGroup({ project: PROJECT, zone: ZONE, name: MIG, targetSize: 0, instanceStartMs: 200, machineType: 'e2-standard-4' });
    harnesses.push(bootGceInstances(gcp, { project: PROJECT, zone: ZONE, group: MIG }));
    pools.push(POOL);
    const manifest = (minNodes: number) =>
      workerPool(POOL, 'gcp', {
        metadata: { labels: { 'cloud-test': POOL } },
        spec: {
          provider: { gcp: { project: PROJECT, zone: ZONE, instanceGroupManager: MIG, machineType: undefined, credentialsSecretRef: undefined } },
          minNodes,
          maxNodes: 2,
          scaling: { intervalSeconds: 5, cooldownSeconds: 5, scaleDownIdleSeconds: 5, horizonSeconds: 30 },
          lifecycle: { registrationTimeoutSeconds: 120, drainTimeoutSeconds: 10 },
        },
      });
    applyManifest(manifest(1));
    await waitUntil('one node registered and adopted', async () => (await poolNodes(POOL)).length === 1, 120_000).catch((e: unknown) => {
      throw new Error(`${(e as Error).message}${explain(POOL)}`);
    });
    // The shape came from the group's instance template.
    expect(poolStatus(POOL).nodeShape).toMatchObject({ cpu: 4, source: expect.stringMatching(/e2-standard-4 of instance template/) });
    const nodeName = (await poolNodes(POOL))[0]!.metadata!.name!;
    applyManifest({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'guarded', labels: { app: 'guarded' } }, spec: { nodeName, tolerations: [{ operator: 'Exists' }], containers: [{ name: 'main', image: 'registry.invalid/none:0' }] } }, namespace);
    applyManifest({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'guarded' }, spec: { maxUnavailable: 0, selector: { matchLabels: { app: 'guarded' } } } }, namespace);
    await waitUntil('the guarded pod running', async () => (await core.readNamespacedPod({ name: 'guarded', namespace })).status?.phase === 'Running', 60_000);

    // Allowed to shrink to 0: the idle node is cordoned and drained, and the PDB refuses.
    applyManifest(manifest(0));
    await waitUntil('the drain gave up', () => lifecycleOf(POOL, 'DrainGaveUp').length > 0, 120_000).catch((e: unknown) => {
      throw new Error(`${(e as Error).message}${explain(POOL)}`);
    });
    const gaveUp = lifecycleOf(POOL, 'DrainGaveUp')[0]!;
    expect(gaveUp.message).toMatch(new RegExp(`drain of node ${nodeName} gave up after 10s`));
    expect(gaveUp.message).toMatch(/eviction of pod .*\/guarded refused by a PodDisruptionBudget/);
    const kept = await core.readNode({ name: nodeName });
    expect(kept.spec?.unschedulable).toBeFalsy();
    expect((await core.readNamespacedPod({ name: 'guarded', namespace })).metadata?.deletionTimestamp).toBeUndefined();
    expect(gcp.group(PROJECT, ZONE, MIG).targetSize).toBe(1);

    // Deleting the pool: past the drain timeout its node goes anyway, and the group is emptied.
    kubectlOk(['delete', 'workerpool', POOL, '--wait=false']);
    await waitUntil('the pool released and gone', () => poolJson(POOL) === undefined, 120_000).catch((e: unknown) => {
      throw new Error(`${(e as Error).message}${explain(POOL)}\n${JSON.stringify(gcp.group(PROJECT, ZONE, MIG), null, 1)}`);
    });
    expect(gcp.group(PROJECT, ZONE, MIG).targetSize).toBe(0);
    expect(await nodesWithProviderId(new RegExp(`^gce://${PROJECT}/${ZONE}/${MIG}-`))).toEqual([]);
  }, 400_000);

  test('as the chart\'s ServiceAccount, the operator was refused nothing (evictions, Node deletes, finalizers)', () => {
    expect(operator.output().match(/.{0,200}(forbidden|cannot [a-z]+ resource).{0,200}/gi) ?? []).toEqual([]);
    // What a pool reports (a drain's evictions among it) was not refused either.
    for (const pool of pools) expect(poolEvents(pool)).not.toMatch(/forbidden/i);
  });
});
