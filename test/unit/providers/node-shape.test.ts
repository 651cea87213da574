// What the cloud providers answer about nodes before any exists and about instances being taken
// back: EC2 against moto (through the proxy that adds spot requests), GCP against the Compute
// fake, both through the real SDKs.
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { CreateLaunchTemplateCommand, CreateSubnetCommand, CreateVpcCommand, EC2Client } from '@aws-sdk/client-ec2';
import { PassThroughClient } from 'google-auth-library';
import { workerPoolSchema, type WorkerPool } from '../../../operator/api/index.js';
import { AwsProvider, isSpotInterruption } from '../../../operator/providers/aws.js';
import { GcpProvider, wasPreempted } from '../../../operator/providers/gcp.js';
import { ProviderError, VM_MEMORY_OVERHEAD } from '../../../operator/providers/types.js';
import { workerPool } from '../../builders/workerpool.js';
import { startGcpFake, type GcpFake } from '../../support/gcp-fake.js';
import { startEc2FaultProxy, startMoto, type Ec2FaultProxy, type MotoServer } from '../../support/moto.js';

jest.setTimeout(60_000);

const MiB = 2 ** 20;
const estimate = (mib: number) => Math.floor(mib * (1 - VM_MEMORY_OVERHEAD)) * MiB;
const CREDENTIALS = { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' };

describe('EC2: node shape and spot interruptions (moto)', () => {
  let moto: MotoServer;
  let proxy: Ec2FaultProxy;
  let raw: EC2Client;
  let aws: AwsProvider;
  let subnet = '';

  beforeAll(async () => {
    moto = await startMoto({ installTimeoutMs: 290_000 });
    proxy = await startEc2FaultProxy(moto.endpoint);
    raw = new EC2Client({ region: 'us-west-2', endpoint: moto.endpoint, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
    const vpc = await raw.send(new CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }));
    subnet = (await raw.send(new CreateSubnetCommand({ VpcId: vpc.Vpc!.VpcId!, CidrBlock: '10.0.1.0/24', AvailabilityZone: 'us-west-2a' }))).Subnet!.SubnetId!;
    await raw.send(new CreateLaunchTemplateCommand({ LaunchTemplateName: 'drm-gpu', LaunchTemplateData: { ImageId: 'ami-12c6146b', InstanceType: 'g5.xlarge' } }));
    await raw.send(new CreateLaunchTemplateCommand({ LaunchTemplateName: 'no-type', LaunchTemplateData: { ImageId: 'ami-12c6146b' } }));
    aws = new AwsProvider({ endpoint: proxy.endpoint, retryBaseDelayMs: 5, requestTimeoutMs: 5000 });
  }, 300_000);

  afterAll(async () => {
    aws?.close();
    raw?.destroy();
    await proxy?.stop();
    await moto?.stop();
  });

  const pool = (aws: Record<string, unknown>): WorkerPool => workerPoolSchema.parse(workerPool('shape', 'aws', { spec: { provider: { aws: { subnetIds: [subnet], ...aws } } } }));

  test('an instance type: its vCPUs, memory less the VM overhead, and GPUs, from DescribeInstanceTypes; asked once', async () => {
    const shape = await aws.nodeShape({ pool: pool({ instanceTypes: ['g5.xlarge'], launchTemplate: undefined }), credentials: CREDENTIALS });
    expect(shape).toEqual({ cpu: 4, memoryBytes: estimate(16384), gpu: 1, source: 'g5.xlarge (EC2 DescribeInstanceTypes)' });
    const asked = proxy.requestsOf('DescribeInstanceTypes').length;
    await aws.nodeShape({ pool: pool({ instanceTypes: ['g5.xlarge'], launchTemplate: undefined }), credentials: CREDENTIALS });
    expect(proxy.requestsOf('DescribeInstanceTypes').length).toBe(asked);
  });

  test('several instance types: the smallest of each resource, since a launch may fall back to any', async () => {
    const shape = await aws.nodeShape({ pool: pool({ instanceTypes: ['m5.xlarge', 'c5.2xlarge'], launchTemplate: undefined }), credentials: CREDENTIALS });
    expect(shape).toMatchObject({ cpu: 4, memoryBytes: estimate(16384), gpu: 0 });
  });

  test('only a launch template: its instance type (DescribeLaunchTemplateVersions); a template without one is an error naming the field to set', async () => {
    const shape = await aws.nodeShape({ pool: pool({ instanceTypes: undefined, launchTemplate: { name: 'drm-gpu' } }), credentials: CREDENTIALS });
    expect(shape).toMatchObject({ cpu: 4, gpu: 1 });
    const error = await aws.nodeShape({ pool: pool({ instanceTypes: undefined, launchTemplate: { name: 'no-type' } }), credentials: CREDENTIALS }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).message).toMatch(/names no instance type: set provider\.aws\.instanceTypes/);
  });

  test('a spot instance with an interruption notice is listed with it; the others are not', async () => {
    const spotPool = pool({ instanceTypes: ['m5.large'], launchTemplate: undefined, spot: true });
    const launched = await aws.launch({ pool: spotPool, credentials: CREDENTIALS }, 2, 'step-1');
    expect(launched.instances).toHaveLength(2);
    const [first, second] = launched.instances.map((i) => i.id);
    proxy.interruptSpot(first!);
    const listed = await aws.list({ pool: spotPool, credentials: CREDENTIALS });
    expect(listed.find((i) => i.id === first)?.interruption).toMatch(/^spot marked-for-termination/);
    expect(listed.find((i) => i.id === second)?.interruption).toBeUndefined();
  });

  test('which spot request codes are EC2 taking the instance back', () => {
    expect(['marked-for-termination', 'marked-for-stop', 'instance-terminated-no-capacity', 'instance-stopped-by-price'].every(isSpotInterruption)).toBe(true);
    expect(['fulfilled', 'instance-terminated-by-user', 'pending-evaluation'].some(isSpotInterruption)).toBe(false);
  });
});

describe('Compute: node shape and preemptions (the fake)', () => {
  let fake: GcpFake;
  let gcp: GcpProvider;

  beforeAll(async () => {
    fake = await startGcpFake();
    fake.addGroup({ project: 'drm-test-project', zone: 'us-central1-a', name: 'plain', machineType: 'n2-standard-8' });
    fake.addGroup({ project: 'drm-test-project', zone: 'us-central1-a', name: 'gpus', machineType: 'n1-standard-4', guestAccelerators: [{ acceleratorType: 'nvidia-tesla-t4', acceleratorCount: 2 }] });
    gcp = new GcpProvider({ apiEndpoint: fake.host, port: fake.port, protocol: 'http', authClient: new PassThroughClient(), retryBaseDelayMs: 5, callTimeoutMs: 2000 });
  });

  afterAll(async () => {
    await gcp?.close();
    await fake?.stop();
  });

  const pool = (gcp: Record<string, unknown>, hardware: Record<string, unknown> = { type: 'cpu' }): WorkerPool =>
    workerPoolSchema.parse(workerPool('shape', 'gcp', { spec: { hardware, provider: { gcp: { credentialsSecretRef: undefined, ...gcp } } } }));

  test('the pool\'s machineType: machineTypes.get, cached', async () => {
    const shape = await gcp.nodeShape({ pool: pool({ instanceGroupManager: 'plain', machineType: 'n2-standard-8' }) });
    expect(shape).toEqual({ cpu: 8, memoryBytes: estimate(32768), gpu: 0, source: 'n2-standard-8 (Compute machineTypes.get)' });
    await gcp.nodeShape({ pool: pool({ instanceGroupManager: 'plain', machineType: 'n2-standard-8' }) });
    expect(fake.requestsOf('machineTypes.get')).toHaveLength(1);
  });

  test('no machineType: the group\'s instance template says it, and its guestAccelerators the GPUs', async () => {
    const shape = await gcp.nodeShape({ pool: pool({ instanceGroupManager: 'gpus', machineType: undefined }, { type: 'gpu' }) });
    expect(shape).toMatchObject({ cpu: 4, memoryBytes: estimate(15360), gpu: 2 });
    expect(shape?.source).toMatch(/n1-standard-4 of instance template gpus-template/);
  });

  test('a machine type with GPUs of its own (g2): those count', async () => {
    const shape = await gcp.nodeShape({ pool: pool({ instanceGroupManager: 'plain', machineType: 'g2-standard-4' }, { type: 'gpu' }) });
    expect(shape).toMatchObject({ cpu: 4, gpu: 1 });
  });

  test('an unknown machine type is an error the pool can show', async () => {
    const error = await gcp.nodeShape({ pool: pool({ instanceGroupManager: 'plain', machineType: 'no-such-type' }) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).message).toMatch(/machineTypes\.get/);
  });

  test('a preempted Spot VM of a spot pool is listed as interrupted; one being deleted by the group is not', async () => {
    const spot = pool({ instanceGroupManager: 'plain', machineType: 'n2-standard-8', spot: true });
    await gcp.launch({ pool: spot }, 1, 'step-1');
    const name = fake.group('drm-test-project', 'us-central1-a', 'plain').instances[0]!.name;
    fake.preempt('drm-test-project', 'us-central1-a', 'plain', name);
    const listed = await gcp.list({ pool: spot });
    expect(listed.find((i) => i.id === name)?.interruption).toMatch(/^preempted/);
    expect(wasPreempted({ instanceStatus: 'STOPPING', currentAction: 'DELETING' })).toBe(false);
    expect(wasPreempted({ instanceStatus: 'RUNNING', currentAction: 'NONE' })).toBe(false);
  });
});
