// The AWS provider against moto's EC2 (installed once per machine by hack/moto.sh, which can
// take a minute or two the first time), with the fault-injecting proxy in front of it.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, jest, test } from '@jest/globals';
import {
  CreateLaunchTemplateCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  DescribeInstancesCommand,
  EC2Client,
  TerminateInstancesCommand,
  type Instance,
} from '@aws-sdk/client-ec2';
import { workerPoolSchema, type WorkerPool } from '../../../operator/api/index.js';
import { AwsProvider, awsCredentialsFrom, awsErrorKind, LAUNCH_TOKEN_TAG, POOL_TAG, type AwsProviderOptions } from '../../../operator/providers/aws.js';
import { ProviderError, type ProviderContext } from '../../../operator/providers/types.js';
import { workerPool } from '../../builders/workerpool.js';
import { startEc2FaultProxy, startMoto, type Ec2FaultProxy, type Ec2FaultProxyOptions, type MotoServer } from '../../support/moto.js';

jest.setTimeout(60_000);

const REGION = 'us-west-2';
const CREDENTIALS = { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' };

let moto: MotoServer;
let raw: EC2Client;
let proxy: Ec2FaultProxy;
let provider: AwsProvider;
let subnets: string[];

beforeAll(async () => {
  moto = await startMoto({ installTimeoutMs: 290_000 });
  raw = new EC2Client({ region: REGION, endpoint: moto.endpoint, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
}, 300_000);

afterAll(async () => {
  raw?.destroy();
  await moto?.stop();
});

beforeEach(async () => {
  await moto.reset();
  const vpc = await raw.send(new CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }));
  const vpcId = vpc.Vpc?.VpcId ?? '';
  subnets = [];
  for (const [i, zone] of ['us-west-2a', 'us-west-2b'].entries()) {
    const subnet = await raw.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: `10.0.${i + 1}.0/24`, AvailabilityZone: zone }));
    subnets.push(subnet.Subnet?.SubnetId ?? '');
  }
  await raw.send(new CreateLaunchTemplateCommand({ LaunchTemplateName: 'drm-gpu', LaunchTemplateData: { ImageId: 'ami-12c6146b', InstanceType: 'g5.xlarge' } }));
  proxy = await startProxy();
  provider = newProvider();
});

afterEach(async () => {
  provider.close();
  await proxy.stop();
});

async function startProxy(options?: Ec2FaultProxyOptions): Promise<Ec2FaultProxy> {
  return startEc2FaultProxy(moto.endpoint, options);
}

function newProvider(options: AwsProviderOptions = {}, through: Ec2FaultProxy = proxy): AwsProvider {
  return new AwsProvider({ endpoint: through.endpoint, retryBaseDelayMs: 5, requestTimeoutMs: 5000, ...options });
}

/** The builder's aws pool (GPU, launch template drm-gpu, spot) with these aws fields. */
function pool(name: string, aws: Record<string, unknown> = {}): WorkerPool {
  return workerPoolSchema.parse(workerPool(name, 'aws', { spec: { provider: { aws: { subnetIds: [subnets[0]], ...aws } } } }));
}

function context(p: WorkerPool, credentials: Record<string, string> = CREDENTIALS): ProviderContext {
  return { pool: p, credentials };
}

async function allInstances(): Promise<Instance[]> {
  const output = await raw.send(new DescribeInstancesCommand({}));
  return (output.Reservations ?? []).flatMap((r) => r.Instances ?? []);
}

function tag(instance: Instance, key: string): string | undefined {
  return instance.Tags?.find((t) => t.Key === key)?.Value;
}

async function rejection(promise: Promise<unknown>): Promise<ProviderError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ProviderError);
    return error as ProviderError;
  }
  throw new Error('expected a ProviderError');
}

describe('AwsProvider against moto', () => {
  test('launch starts N instances tagged with the pool, and list shows them', async () => {
    const gpu = pool('gpu', { spot: false });
    const result = await provider.launch(context(gpu), 3, 'step-1');
    expect(result.instances).toHaveLength(3);
    expect(result.notes).toEqual([]);

    const listed = await provider.list(context(gpu));
    expect(listed.map((i) => i.id).sort()).toEqual(result.instances.map((i) => i.id).sort());
    for (const instance of listed) {
      expect(instance).toMatchObject({ state: 'running', instanceType: 'g5.xlarge', spot: false });
      expect(instance.id).toMatch(/^i-/);
      expect(instance.nodeName).toMatch(/\.compute\.internal$/);
      expect(Date.parse(instance.launchedAt ?? '')).not.toBeNaN();
    }
    const stored = await allInstances();
    expect(stored).toHaveLength(3);
    for (const instance of stored) {
      expect(tag(instance, POOL_TAG)).toBe('gpu');
      expect(tag(instance, 'Name')).toBe('drm-gpu');
      expect(tag(instance, LAUNCH_TOKEN_TAG)).toMatch(/^[0-9a-f]{32}$/);
      expect(instance.SubnetId).toBe(subnets[0]);
    }

    // One RunInstances: MinCount 1, MaxCount 3, the template, the type, a ClientToken.
    const [run] = proxy.requestsOf('RunInstances');
    expect(proxy.requestsOf('RunInstances')).toHaveLength(1);
    expect(run?.params.get('MinCount')).toBe('1');
    expect(run?.params.get('MaxCount')).toBe('3');
    expect(run?.params.get('LaunchTemplate.LaunchTemplateName')).toBe('drm-gpu');
    expect(run?.params.get('LaunchTemplate.Version')).toBe('$Latest');
    expect(run?.params.get('InstanceType')).toBe('g5.xlarge');
    expect(run?.params.get('InstanceMarketOptions.MarketType')).toBeNull();
    expect(run?.params.get('ClientToken')?.length).toBeLessThanOrEqual(64);
  });

  test('list shows only the pool\'s own instances', async () => {
    await provider.launch(context(pool('a', { spot: false })), 2, 'step-a');
    await provider.launch(context(pool('b', { spot: false })), 1, 'step-b');
    expect(await provider.list(context(pool('a')))).toHaveLength(2);
    expect(await provider.list(context(pool('b')))).toHaveLength(1);
    expect(await provider.list(context(pool('c')))).toEqual([]);
  });

  test('a launch template by id, and no template with instance types only', async () => {
    const { LaunchTemplates } = await raw.send(new CreateLaunchTemplateCommand({ LaunchTemplateName: 'by-id', LaunchTemplateData: { ImageId: 'ami-12c6146b' } })).then((o) => ({
      LaunchTemplates: [o.LaunchTemplate],
    }));
    const id = LaunchTemplates[0]?.LaunchTemplateId ?? '';
    await provider.launch(context(pool('by-id', { spot: false, launchTemplate: { name: undefined, id, version: '1' } })), 1, 's1');
    const [byId] = proxy.requestsOf('RunInstances');
    expect(byId?.params.get('LaunchTemplate.LaunchTemplateId')).toBe(id);
    expect(byId?.params.get('LaunchTemplate.Version')).toBe('1');
    expect(byId?.params.get('LaunchTemplate.LaunchTemplateName')).toBeNull();

    await provider.launch(context(pool('no-template', { spot: false, launchTemplate: undefined, instanceTypes: ['m5.large'] })), 1, 's2');
    const plain = proxy.requestsOf('RunInstances')[1];
    expect(plain?.params.get('LaunchTemplate.LaunchTemplateName')).toBeNull();
    expect(plain?.params.get('InstanceType')).toBe('m5.large');
  });

  test('the same token twice launches once: the retry finds the step\'s instances by tag', async () => {
    const gpu = pool('gpu', { spot: false });
    const first = await provider.launch(context(gpu), 2, 'step-1');
    const again = await provider.launch(context(gpu), 2, 'step-1');
    expect(again.instances.map((i) => i.id).sort()).toEqual(first.instances.map((i) => i.id).sort());
    expect(again.notes).toEqual(['all 2 instances were already launched for this step; nothing added']);
    expect(proxy.requestsOf('RunInstances')).toHaveLength(1);
    expect(await allInstances()).toHaveLength(2);

    // Another token is another step.
    await provider.launch(context(gpu), 1, 'step-2');
    expect(await provider.list(context(gpu))).toHaveLength(3);
  });

  test('a lost RunInstances answer retried by the SDK reuses the ClientToken: no duplicates', async () => {
    provider.close();
    provider = newProvider({ requestTimeoutMs: 400, maxAttempts: 3 });
    proxy.inject({ action: 'RunInstances', fault: { kind: 'lostAnswer', delayMs: 1500 } });
    const result = await provider.launch(context(pool('gpu', { spot: false })), 3, 'step-1');
    expect(result.instances).toHaveLength(3);
    const runs = proxy.requestsOf('RunInstances');
    expect(runs).toHaveLength(2);
    expect(runs[0]?.fault).toBe('lostAnswer');
    expect(runs[1]?.params.get('ClientToken')).toBe(runs[0]?.params.get('ClientToken'));
    expect(await allInstances()).toHaveLength(3);
  });

  test('a lost answer surfaces as transient; the controller\'s retry with the token adds nothing (no ClientToken help)', async () => {
    // A proxy without EC2's ClientToken idempotency: only the provider's own tag check protects.
    const bare = await startProxy({ clientTokens: false });
    const noRetry = newProvider({ requestTimeoutMs: 400, maxAttempts: 1 }, bare);
    try {
      bare.inject({ action: 'RunInstances', fault: { kind: 'lostAnswer', delayMs: 1500 } });
      const gpu = pool('gpu', { spot: false });
      const error = await rejection(noRetry.launch(context(gpu), 2, 'step-1'));
      expect(error.kind).toBe('transient');
      expect(error.temporary).toBe(true);

      const retry = await noRetry.launch(context(gpu), 2, 'step-1');
      expect(retry.instances).toHaveLength(2);
      expect(retry.notes[0]).toMatch(/already launched/);
      expect(bare.requestsOf('RunInstances')).toHaveLength(1);
      expect(await allInstances()).toHaveLength(2);
    } finally {
      noRetry.close();
      await bare.stop();
    }
  });

  test('capacity for part of the step in one zone: the rest from the next subnet', async () => {
    proxy.inject({ action: 'RunInstances', fault: { kind: 'partialCapacity', available: 1 } });
    const gpu = pool('gpu', { spot: false, subnetIds: subnets });
    const result = await provider.launch(context(gpu), 3, 'step-1');
    expect(result.instances).toHaveLength(3);
    expect(result.notes.some((n) => /capacity for 1 of 3 only/.test(n))).toBe(true);
    const runs = proxy.requestsOf('RunInstances');
    expect(runs.map((r) => r.params.get('MaxCount'))).toEqual(['3', '2']);
    expect(new Set((await allInstances()).map((i) => i.SubnetId)).size).toBe(2);

    expect((await provider.launch(context(gpu), 3, 'step-1')).instances).toHaveLength(3);
    expect(proxy.requestsOf('RunInstances')).toHaveLength(2);
  });

  test('a step cut short by an error reports what it launched; its retry launches only the rest', async () => {
    provider.close();
    provider = newProvider({ maxAttempts: 1 });
    proxy.inject({ action: 'RunInstances', fault: { kind: 'partialCapacity', available: 1 } });
    proxy.inject({ action: 'RunInstances', fault: { kind: 'throttle' } });
    const gpu = pool('gpu', { spot: false, subnetIds: subnets });
    const first = await provider.launch(context(gpu), 3, 'step-1');
    expect(first.instances).toHaveLength(1);
    expect(first.notes.join('\n')).toMatch(/stopped after 1 instances: .*RequestLimitExceeded/);

    const retry = await provider.launch(context(gpu), 3, 'step-1');
    expect(retry.instances).toHaveLength(3);
    expect(retry.notes[0]).toBe('1 of 3 instances were already launched for this step; launching 2 more');
    expect(proxy.requestsOf('RunInstances').at(-1)?.params.get('MaxCount')).toBe('2');
    expect(await allInstances()).toHaveLength(3);
  });

  test('spot InsufficientInstanceCapacity falls back to on-demand, with a note', async () => {
    proxy.inject({ action: 'RunInstances', spot: true, times: 10, fault: { kind: 'insufficientCapacity' } });
    const gpu = pool('gpu', { spot: true });
    const result = await provider.launch(context(gpu), 2, 'step-1');
    expect(result.instances).toHaveLength(2);
    expect(result.instances.every((i) => i.spot === false)).toBe(true);
    expect(result.notes).toContain('spot capacity short (InsufficientInstanceCapacity): launched 2 × g5.xlarge on-demand');
    const runs = proxy.requestsOf('RunInstances');
    expect(runs.map((r) => r.params.get('InstanceMarketOptions.MarketType'))).toEqual(['spot', null]);
    // Capacity errors are not retried by the SDK (one request per option) and fallbacks get their own ClientToken.
    expect(runs[0]?.params.get('ClientToken')).not.toBe(runs[1]?.params.get('ClientToken'));
  });

  test('spot when there is capacity: spot instances', async () => {
    const result = await provider.launch(context(pool('gpu', { spot: true })), 2, 'step-1');
    expect(result.instances.every((i) => i.spot)).toBe(true);
    expect(result.notes).toEqual([]);
    expect((await allInstances()).every((i) => i.InstanceLifecycle === 'spot')).toBe(true);
    expect((await provider.list(context(pool('gpu')))).every((i) => i.spot)).toBe(true);
  });

  test('partial spot capacity: the rest on-demand', async () => {
    proxy.inject({ action: 'RunInstances', spot: true, fault: { kind: 'partialCapacity', available: 1 } });
    proxy.inject({ action: 'RunInstances', spot: true, times: 10, fault: { kind: 'insufficientCapacity' } });
    const result = await provider.launch(context(pool('gpu', { spot: true })), 3, 'step-1');
    expect(result.instances.filter((i) => i.spot)).toHaveLength(1);
    expect(result.instances.filter((i) => !i.spot)).toHaveLength(2);
    expect(result.notes.join('\n')).toMatch(/capacity for 1 of 3 only/);
    expect(result.notes.join('\n')).toMatch(/launched 2 × g5.xlarge on-demand/);
  });

  test('instance-type fallback: the next type when the first has no capacity', async () => {
    proxy.inject({ action: 'RunInstances', instanceType: 'g5.xlarge', times: 10, fault: { kind: 'insufficientCapacity' } });
    const gpu = pool('gpu', { spot: false, instanceTypes: ['g5.xlarge', 'g5.2xlarge'] });
    const result = await provider.launch(context(gpu), 2, 'step-1');
    expect(result.instances.map((i) => i.instanceType)).toEqual(['g5.2xlarge', 'g5.2xlarge']);
    expect(result.notes).toContain('preferred instance types unavailable (g5.xlarge InsufficientInstanceCapacity): launched 2 × g5.2xlarge on-demand');
    expect(proxy.requestsOf('RunInstances').map((r) => r.params.get('InstanceType'))).toEqual(['g5.xlarge', 'g5.2xlarge']);
  });

  test('Unsupported in one subnet\'s zone: the next subnet', async () => {
    proxy.inject({ action: 'RunInstances', fault: { kind: 'error', status: 400, code: 'Unsupported', message: 'Your requested instance type is not supported in your requested Availability Zone' } });
    const result = await provider.launch(context(pool('gpu', { spot: false, subnetIds: subnets })), 1, 'step-1');
    expect(result.instances).toHaveLength(1);
    const runs = proxy.requestsOf('RunInstances');
    expect(runs).toHaveLength(2);
    expect(runs[0]?.params.get('SubnetId')).not.toBe(runs[1]?.params.get('SubnetId'));
    expect(runs[0]?.params.get('InstanceType')).toBe(runs[1]?.params.get('InstanceType'));
  });

  test('a spot market refusal (SpotMaxPriceTooLow) skips the other spot options', async () => {
    proxy.inject({ action: 'RunInstances', spot: true, times: 10, fault: { kind: 'error', status: 400, code: 'SpotMaxPriceTooLow', message: 'Your max price is too low' } });
    const result = await provider.launch(context(pool('gpu', { spot: true, instanceTypes: ['g5.xlarge', 'g5.2xlarge'] })), 1, 'step-1');
    expect(result.instances[0]).toMatchObject({ spot: false, instanceType: 'g5.xlarge' });
    expect(proxy.requestsOf('RunInstances').map((r) => `${r.params.get('InstanceMarketOptions.MarketType') ?? 'on-demand'} ${r.params.get('InstanceType')}`)).toEqual([
      'spot g5.xlarge',
      'on-demand g5.xlarge',
    ]);
    expect(result.notes).toContain('spot capacity short (SpotMaxPriceTooLow): launched 1 × g5.xlarge on-demand');
  });

  test('no capacity anywhere: a capacity ProviderError naming what was tried, nothing launched', async () => {
    proxy.inject({ action: 'RunInstances', times: 100, fault: { kind: 'insufficientCapacity' } });
    const error = await rejection(provider.launch(context(pool('gpu', { spot: true, instanceTypes: ['g5.xlarge', 'g5.2xlarge'] })), 2, 'step-1'));
    expect(error.kind).toBe('capacity');
    expect(error.temporary).toBe(true);
    expect(error.message).toMatch(/spot g5.xlarge.*InsufficientInstanceCapacity.*on-demand g5.2xlarge/);
    // 2 markets × 2 types × 1 subnet, each tried once.
    expect(proxy.requestsOf('RunInstances')).toHaveLength(4);
    expect(await allInstances()).toEqual([]);
  });

  test('throttling is retried by the SDK; persistent throttling is a throttled ProviderError', async () => {
    const gpu = pool('gpu');
    proxy.inject({ action: 'DescribeInstances', fault: { kind: 'throttle' } });
    expect(await provider.list(context(gpu))).toEqual([]);
    expect(proxy.requestsOf('DescribeInstances').map((r) => r.fault ?? 'ok')).toEqual(['throttle', 'ok']);

    proxy.inject({ action: 'DescribeInstances', times: 10, fault: { kind: 'throttle' } });
    const error = await rejection(provider.list(context(gpu)));
    expect(error.kind).toBe('throttled');
    expect(error.message).toMatch(/RequestLimitExceeded/);
    // maxAttempts (3) in all.
    expect(proxy.requestsOf('DescribeInstances')).toHaveLength(2 + 3);
  });

  test('throttled RunInstances is retried with the same ClientToken', async () => {
    proxy.inject({ action: 'RunInstances', times: 2, fault: { kind: 'throttle' } });
    const result = await provider.launch(context(pool('gpu', { spot: false })), 2, 'step-1');
    expect(result.instances).toHaveLength(2);
    const tokens = new Set(proxy.requestsOf('RunInstances').map((r) => r.params.get('ClientToken')));
    expect(proxy.requestsOf('RunInstances')).toHaveLength(3);
    expect(tokens.size).toBe(1);
  });

  test('500s are retried; persistent 5xx is transient', async () => {
    const gpu = pool('gpu');
    proxy.inject({ action: 'DescribeInstances', fault: { kind: 'serverError' } });
    await provider.list(context(gpu));
    proxy.inject({ action: 'DescribeInstances', times: 10, fault: { kind: 'serverError', status: 503, code: 'Unavailable' } });
    const error = await rejection(provider.list(context(gpu)));
    expect(error.kind).toBe('transient');
    expect(proxy.requestsOf('DescribeInstances')).toHaveLength(2 + 3);
  });

  test('a call that times out is transient', async () => {
    provider.close();
    provider = newProvider({ requestTimeoutMs: 300, maxAttempts: 2 });
    proxy.inject({ action: 'DescribeInstances', times: 2, fault: { kind: 'hang', delayMs: 2000 } });
    const error = await rejection(provider.list(context(pool('gpu'))));
    expect(error.kind).toBe('transient');
    expect(proxy.requestsOf('DescribeInstances')).toHaveLength(2);
  });

  test('EC2 unreachable is transient', async () => {
    const nowhere = new AwsProvider({ endpoint: 'http://127.0.0.1:1', maxAttempts: 1 });
    try {
      const error = await rejection(nowhere.list(context(pool('gpu'))));
      expect(error.message).toMatch(/ECONNREFUSED/);
      expect(error.kind).toBe('transient');
    } finally {
      nowhere.close();
    }
  });

  test('auth failures are auth and not retried; validation errors are invalid', async () => {
    const gpu = pool('gpu', { spot: false });
    proxy.inject({ action: 'DescribeInstances', fault: { kind: 'error', status: 401, code: 'AuthFailure', message: 'AWS was not able to validate the provided access credentials' } });
    expect((await rejection(provider.list(context(gpu)))).kind).toBe('auth');
    expect(proxy.requestsOf('DescribeInstances')).toHaveLength(1);

    proxy.inject({ action: 'RunInstances', fault: { kind: 'error', status: 403, code: 'UnauthorizedOperation', message: 'You are not authorized to perform this operation.' } });
    const unauthorized = await rejection(provider.launch(context(gpu), 1, 'step-1'));
    expect(unauthorized.kind).toBe('auth');
    expect(unauthorized.temporary).toBe(false);

    proxy.inject({ action: 'RunInstances', fault: { kind: 'error', status: 400, code: 'InvalidParameterValue', message: 'Invalid value for InstanceType' } });
    expect((await rejection(provider.launch(context(gpu), 1, 'step-2'))).kind).toBe('invalid');

    // A launch template that does not exist: moto's own validation error.
    const missing = await rejection(provider.launch(context(pool('gpu', { spot: false, launchTemplate: { name: 'nope' } })), 1, 'step-3'));
    expect(missing.kind).toBe('invalid');
    expect(await allInstances()).toEqual([]);
  });

  test('terminate removes instances; ones already gone or unknown are not an error', async () => {
    const gpu = pool('gpu', { spot: false });
    const { instances } = await provider.launch(context(gpu), 3, 'step-1');
    const [a, b, c] = instances.map((i) => i.id);
    await provider.terminate(context(gpu), [a!]);
    expect((await provider.list(context(gpu))).map((i) => i.id).sort()).toEqual([b, c].sort());

    await provider.terminate(context(gpu), [a!, b!, 'i-0123456789abcdef0']);
    expect((await provider.list(context(gpu))).map((i) => i.id)).toEqual([c]);
    await provider.terminate(context(gpu), []);
    await provider.terminate(context(gpu), ['i-0123456789abcdef0']);
  });

  test('an instance terminated out of band disappears from list, so the controller can replace it', async () => {
    const gpu = pool('gpu', { spot: false });
    const { instances } = await provider.launch(context(gpu), 2, 'step-1');
    await raw.send(new TerminateInstancesCommand({ InstanceIds: [instances[0]!.id] }));
    const listed = await provider.list(context(gpu));
    expect(listed.map((i) => i.id)).toEqual([instances[1]!.id]);

    // The replacement is a new step (new token): one more instance.
    const replacement = await provider.launch(context(gpu), 1, 'step-2');
    expect(replacement.instances).toHaveLength(1);
    expect(await provider.list(context(gpu))).toHaveLength(2);
  });

  test('credentials come from the context; clientFor builds the client', async () => {
    const seen: unknown[] = [];
    const custom = new AwsProvider({
      clientFor: (region, credentials) => {
        seen.push({ region, credentials });
        return new EC2Client({ region, endpoint: proxy.endpoint, credentials: credentials ?? { accessKeyId: 'x', secretAccessKey: 'y' } });
      },
    });
    await custom.list(context(pool('gpu'), { ...CREDENTIALS, AWS_SESSION_TOKEN: 'session\n' }));
    expect(seen).toMatchObject([{ region: REGION, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing', sessionToken: 'session' } }]);
  });
});

describe('AWS helpers', () => {
  test('credentials: both keys or none', () => {
    expect(awsCredentialsFrom(undefined)).toBeUndefined();
    expect(awsCredentialsFrom({})).toBeUndefined();
    expect(awsCredentialsFrom({ AWS_ACCESS_KEY_ID: ' id\n', AWS_SECRET_ACCESS_KEY: 'secret' })).toEqual({ accessKeyId: 'id', secretAccessKey: 'secret' });
    expect(() => awsCredentialsFrom({ AWS_ACCESS_KEY_ID: 'id' })).toThrow(expect.objectContaining({ kind: 'auth' }));
  });

  test('error classification', () => {
    const sdk = (name: string, status?: number) => Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });
    expect(awsErrorKind(sdk('RequestLimitExceeded', 503))).toBe('throttled');
    expect(awsErrorKind(sdk('ThrottlingException', 400))).toBe('throttled');
    expect(awsErrorKind(sdk('InsufficientInstanceCapacity', 500))).toBe('capacity');
    expect(awsErrorKind(sdk('MaxSpotInstanceCountExceeded', 400))).toBe('capacity');
    expect(awsErrorKind(sdk('capacity-not-available'))).toBe('capacity');
    expect(awsErrorKind(sdk('InternalError', 500))).toBe('transient');
    expect(awsErrorKind(sdk('TimeoutError'))).toBe('transient');
    expect(awsErrorKind(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))).toBe('transient');
    expect(awsErrorKind(sdk('AuthFailure', 401))).toBe('auth');
    expect(awsErrorKind(sdk('UnauthorizedOperation', 403))).toBe('auth');
    expect(awsErrorKind(sdk('InvalidParameterValue', 400))).toBe('invalid');
    expect(awsErrorKind(sdk('IdempotentParameterMismatch', 400))).toBe('invalid');
  });

  test('a pool without an aws provider, or a bad count, is invalid', async () => {
    const kwok = workerPoolSchema.parse(workerPool('k', 'kwok'));
    const p = new AwsProvider();
    await expect(p.list({ pool: kwok })).rejects.toMatchObject({ kind: 'invalid' });
    const aws = workerPoolSchema.parse(workerPool('a', 'aws'));
    await expect(p.launch({ pool: aws }, -1, 't')).rejects.toMatchObject({ kind: 'invalid' });
    expect(await p.launch({ pool: aws }, 0, 't')).toEqual({ instances: [], notes: [] });
    p.close();
  });
});
