// An aws WorkerPool driven by the operator against moto's EC2 server (the real EC2 wire
// protocol, on loopback): the pool is brought to minNodes, an instance terminated behind the
// operator's back is noticed and replaced (on-demand when spot capacity is short), and
// throttling on the way duplicates nothing.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { CreateSubnetCommand, CreateVpcCommand, DescribeInstancesCommand, EC2Client, TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import { workerPool } from '../builders/index.js';
import { applyManifest, createNamespace, deleteNamespace, installCrds, kubectl, kubectlOk } from '../support/cluster.js';
import { startEc2FaultProxy, startMoto, type Ec2FaultProxy, type MotoServer } from '../support/moto.js';
import { startOperator, stopAll, waitForOperator } from '../support/operator.js';
import { waitUntil } from '../support/wait.js';

const suffix = Date.now().toString(36).slice(-5);
const PORT = 18681;
const POOL = `aws-${suffix}`;
const REGION = 'us-west-2';
let namespace = '';
let moto: MotoServer;
let proxy: Ec2FaultProxy;
let ec2: EC2Client;

async function instances() {
  const answer = await ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'tag:drm.dtf.io/pool', Values: [POOL] }, { Name: 'instance-state-name', Values: ['pending', 'running'] }] }));
  return (answer.Reservations ?? []).flatMap((r) => r.Instances ?? []);
}

async function running(): Promise<string[]> {
  return (await instances()).map((i) => i.InstanceId!).sort();
}

beforeAll(async () => {
  installCrds();
  moto = await startMoto({ installTimeoutMs: 290_000 });
  // The proxy adds what moto leaves out (ClientToken idempotency, MaxCount) and injects faults.
  proxy = await startEc2FaultProxy(moto.endpoint);
  ec2 = new EC2Client({ region: REGION, endpoint: moto.endpoint, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
  namespace = createNamespace('aws-pool');
  kubectlOk(['create', 'secret', 'generic', 'aws-creds', '-n', namespace, '--from-literal=AWS_ACCESS_KEY_ID=testing', '--from-literal=AWS_SECRET_ACCESS_KEY=testing']);
  startOperator({ healthPort: PORT, extraArgs: ['--aws-endpoint', proxy.endpoint, '--credentials-namespace', namespace, '--predictor-namespace', namespace] });
  await waitForOperator(PORT);
}, 300_000);

afterAll(async () => {
  // Deleted while the operator runs, so it returns the pool's instances and lets it go (finalizer).
  kubectl(['delete', 'workerpool', POOL, '--ignore-not-found', '--timeout=60s']);
  kubectl(['patch', 'workerpool', POOL, '--type=merge', '-p', '{"metadata":{"finalizers":null}}']);
  await stopAll();
  deleteNamespace(namespace);
  ec2?.destroy();
  await proxy?.stop();
  await moto?.stop();
});

describe('an aws pool against moto', () => {
  test('reaches minNodes without duplicates under throttling, and replaces an instance terminated out of band, on-demand when spot capacity runs out', async () => {
    const vpc = await ec2.send(new CreateVpcCommand({ CidrBlock: '10.1.0.0/16' }));
    const subnet = await ec2.send(new CreateSubnetCommand({ VpcId: vpc.Vpc!.VpcId!, CidrBlock: '10.1.1.0/24', AvailabilityZone: `${REGION}a` }));
    // The first RunInstances calls are throttled: the SDK and the controller retry.
    proxy.inject({ action: 'RunInstances', fault: { kind: 'throttle' }, times: 2 });
    applyManifest(
      workerPool(POOL, 'aws', {
        spec: {
          hardware: { type: 'cpu', gpuProduct: undefined, gpuCount: undefined, gpuMemoryMiB: undefined },
          provider: { aws: { region: REGION, instanceTypes: ['m5.large'], launchTemplate: undefined, subnetIds: [subnet.Subnet!.SubnetId!], spot: true, credentialsSecretRef: { name: 'aws-creds' } } },
          minNodes: 2,
          maxNodes: 3,
          costPerNodeHour: 0.1,
          maxCostPerHour: undefined,
          scaling: { intervalSeconds: 5, cooldownSeconds: 5 },
        },
      }),
    );
    await waitUntil('two instances', async () => (await running()).length === 2, 120_000);
    const first = await running();
    // Give the controller more rounds: it must not launch more for the same need.
    await new Promise((resolve) => setTimeout(resolve, 12_000));
    expect(await running()).toEqual(first);

    expect((await instances()).every((i) => i.InstanceLifecycle === 'spot')).toBe(true);

    // Spot capacity runs out: the replacement comes up on-demand.
    proxy.inject({ action: 'RunInstances', spot: true, fault: { kind: 'insufficientCapacity' }, times: 20 });
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [first[0]!] }));
    await waitUntil('a replacement', async () => {
      const now = await running();
      return now.length === 2 && !now.includes(first[0]!);
    }, 120_000);
    const after = await running();
    expect(after).toContain(first[1]);
    expect(after.length).toBe(2);
    const replacement = (await instances()).find((i) => i.InstanceId !== first[1])!;
    expect(replacement.InstanceLifecycle).not.toBe('spot');
    const status = JSON.parse(kubectlOk(['get', 'workerpool', POOL, '-o', 'jsonpath={.status}'])) as { provider?: string; decisions?: Array<{ action: string; count?: number }> };
    expect(status.provider).toBe('aws');
    expect((status.decisions ?? []).filter((d) => d.action === 'scaleUp').reduce((sum, d) => sum + (d.count ?? 0), 0)).toBeGreaterThanOrEqual(3);
    expect(proxy.requestsOf('RunInstances').length).toBeGreaterThanOrEqual(2);
  });
});
