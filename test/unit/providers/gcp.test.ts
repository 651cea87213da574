// The GCP provider through the real @google-cloud/compute REST client against a local fake of
// the Compute endpoints it calls (test/support/gcp-fake.ts).
import { afterEach, beforeEach, describe, expect, jest, test } from '@jest/globals';
import { PassThroughClient } from 'google-auth-library';
import { workerPoolSchema, type WorkerPool } from '../../../operator/api/index.js';
import { GcpProvider, gcpErrorKind, gcpKeyFrom, managedInstanceState, type GcpProviderOptions } from '../../../operator/providers/gcp.js';
import { ProviderError, type ProviderContext } from '../../../operator/providers/types.js';
import { workerPool } from '../../builders/workerpool.js';
import { startGcpFake, type GcpFake, type GcpFakeOptions } from '../../support/gcp-fake.js';

jest.setTimeout(30_000);

const PROJECT = 'drm-test-project';
const ZONE = 'us-central1-a';
const MIG = 'cpu-mig';

let fake: GcpFake;
let provider: GcpProvider;
const providers: GcpProvider[] = [];

async function startFake(options?: GcpFakeOptions, targetSize = 1): Promise<void> {
  fake = await startGcpFake(options);
  fake.addGroup({ project: PROJECT, zone: ZONE, name: MIG, targetSize });
}

function newProvider(options: GcpProviderOptions = {}): GcpProvider {
  const p = new GcpProvider({
    apiEndpoint: fake.host,
    port: fake.port,
    protocol: 'http',
    authClient: new PassThroughClient(),
    retryBaseDelayMs: 5,
    callTimeoutMs: 2000,
    operationTimeoutMs: 5000,
    ...options,
  });
  providers.push(p);
  return p;
}

beforeEach(async () => {
  await startFake();
  provider = newProvider();
});

afterEach(async () => {
  await Promise.all(providers.splice(0).map((p) => p.close()));
  await fake.stop();
});

const pool: WorkerPool = workerPoolSchema.parse(workerPool('cpu', 'gcp'));
const context: ProviderContext = { pool };

function group() {
  return fake.group(PROJECT, ZONE, MIG);
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

describe('GcpProvider against the Compute fake', () => {
  test('list maps the managed instances: name as id and node name, state from action and status', async () => {
    const [only] = group().instances;
    expect(await provider.list(context)).toEqual([{ id: only?.name, nodeName: only?.name, state: 'running', instanceType: 'n2-standard-8', spot: false }]);
    expect(only?.name).toMatch(/^cpu-mig-[a-z0-9]{4}$/);

    // Preempted: the MIG recreates it (pending), then it runs again.
    fake.preempt(PROJECT, ZONE, MIG, only?.name ?? '');
    expect((await provider.list(context)).map((i) => i.state)).toEqual(['pending']);
    await new Promise((r) => setTimeout(r, 150));
    expect((await provider.list(context)).map((i) => i.state)).toEqual(['running']);

    // Deleted by hand: gone.
    fake.removeInstance(PROJECT, ZONE, MIG, only?.name ?? '');
    expect(await provider.list(context)).toEqual([]);
  });

  test('launch resizes to target + count, waits for the operation and returns the new instances', async () => {
    const before = group().instances.map((i) => i.name);
    const result = await provider.launch(context, 2, 'step-1');
    expect(group().targetSize).toBe(3);
    expect(result.notes).toEqual([`resized ${MIG} from 1 to 3`]);
    expect(result.instances).toHaveLength(2);
    expect(result.instances.every((i) => !before.includes(i.id) && i.state === 'running')).toBe(true);

    const [resize] = fake.requestsOf('resize');
    expect(resize?.query.get('size')).toBe('3');
    expect(resize?.query.get('requestId')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(fake.requestsOf('operations.wait').length).toBeGreaterThanOrEqual(1);
    // PassThroughClient: no Authorization header.
    expect(resize?.authorization).toBeUndefined();
    expect(await provider.list(context)).toHaveLength(3);
  });

  test('instances still being created are pending', async () => {
    await fake.stop();
    fake = await startGcpFake();
    fake.addGroup({ project: PROJECT, zone: ZONE, name: MIG, targetSize: 0, instanceStartMs: 300 });
    provider = newProvider();
    const result = await provider.launch(context, 1, 'step-1');
    expect(result.instances.map((i) => i.state)).toEqual(['pending']);
    await new Promise((r) => setTimeout(r, 400));
    expect((await provider.list(context)).map((i) => i.state)).toEqual(['running']);
  });

  test('the same token twice resizes once', async () => {
    const first = await provider.launch(context, 2, 'step-1');
    const again = await provider.launch(context, 2, 'step-1');
    expect(group().targetSize).toBe(3);
    expect(fake.requestsOf('resize')).toHaveLength(1);
    expect(again.notes).toEqual([`${MIG} is already at target size 3 (this step asked for 3): not resized again`]);
    expect(again.instances.map((i) => i.id).sort()).toEqual(first.instances.map((i) => i.id).sort());

    await provider.launch(context, 1, 'step-2');
    expect(group().targetSize).toBe(4);
  });

  test('a lost resize answer: the retry sends the same requestId and Compute does not resize twice', async () => {
    provider = newProvider({ callTimeoutMs: 300 });
    fake.inject({ call: 'resize', fault: { kind: 'delay', delayMs: 1000 } });
    const result = await provider.launch(context, 2, 'step-1');
    const resizes = fake.requestsOf('resize');
    expect(resizes).toHaveLength(2);
    expect(resizes[1]?.query.get('requestId')).toBe(resizes[0]?.query.get('requestId'));
    expect(group().targetSize).toBe(3);
    expect(result.instances).toHaveLength(2);
  });

  test('a launch that failed after its resize: the controller\'s retry does not resize again', async () => {
    provider = newProvider({ callTimeoutMs: 300, maxAttempts: 1 });
    fake.inject({ call: 'resize', fault: { kind: 'delay', delayMs: 1000 } });
    const error = await rejection(provider.launch(context, 2, 'step-1'));
    expect(error.kind).toBe('transient');
    await new Promise((r) => setTimeout(r, 200)); // the fake's operation completes
    expect(group().targetSize).toBe(3);

    const retry = await provider.launch(context, 2, 'step-1');
    expect(fake.requestsOf('resize')).toHaveLength(1);
    expect(retry.notes[0]).toMatch(/already at target size 3/);
    expect(retry.instances).toHaveLength(2);
    expect(group().targetSize).toBe(3);
  });

  test('after a restart (nothing remembered) a retried step is still not doubled: Compute knows its requestId', async () => {
    await provider.launch(context, 2, 'step-1');
    const restarted = newProvider();
    const retry = await restarted.launch(context, 2, 'step-1');
    expect(group().targetSize).toBe(3);
    expect(retry.notes).toEqual([`${MIG}: this step's resize was already carried out (target size 3)`]);
    const resizes = fake.requestsOf('resize');
    expect(resizes[1]?.query.get('requestId')).toBe(resizes[0]?.query.get('requestId'));
  });

  test('an operation that outlasts operationTimeoutMs is transient; the retry waits, it does not resize again', async () => {
    await fake.stop();
    await startFake({ operationMs: 600, waitTimeoutMs: 100 });
    provider = newProvider({ operationTimeoutMs: 250 });
    const error = await rejection(provider.launch(context, 1, 'step-1'));
    expect(error.kind).toBe('transient');
    expect(error.message).toMatch(/still (PENDING|RUNNING)/);
    await new Promise((r) => setTimeout(r, 700));
    const retry = await provider.launch(context, 1, 'step-1');
    expect(retry.notes[0]).toMatch(/already at target size 2/);
    expect(fake.requestsOf('resize')).toHaveLength(1);
    expect(group().targetSize).toBe(2);
  });

  test('a stockout in the resize operation is capacity; a retry of the step sends a new requestId', async () => {
    fake.inject({ call: 'resize', fault: { kind: 'stockout' } });
    const error = await rejection(provider.launch(context, 1, 'step-1'));
    expect(error.kind).toBe('capacity');
    expect(error.message).toMatch(/ZONE_RESOURCE_POOL_EXHAUSTED/);
    expect(group().targetSize).toBe(1);

    const retry = await provider.launch(context, 1, 'step-1');
    expect(retry.instances).toHaveLength(1);
    const [first, second] = fake.requestsOf('resize');
    expect(second?.query.get('requestId')).not.toBe(first?.query.get('requestId'));
    expect(group().targetSize).toBe(2);
  });

  test('a stocked-out zone: the group grows but its new instances wait for capacity, with a note', async () => {
    fake.setStockout(PROJECT, ZONE, MIG, true);
    const result = await provider.launch(context, 2, 'step-1');
    expect(group().targetSize).toBe(3);
    expect(result.instances.map((i) => i.state)).toEqual(['pending', 'pending']);
    expect(result.notes).toContain('2 new instances waiting for capacity (ZONE_RESOURCE_POOL_EXHAUSTED); the group keeps retrying');
    // Listed later, each waiting instance says why, for the pool's status.
    const waiting = (await provider.list(context)).filter((i) => i.state === 'pending');
    expect(waiting).toHaveLength(2);
    for (const instance of waiting) expect(instance.problem).toMatch(/^ZONE_RESOURCE_POOL_EXHAUSTED: The zone does not have enough resources/);
    fake.setStockout(PROJECT, ZONE, MIG, false);
    await new Promise((r) => setTimeout(r, 100));
    const recovered = await provider.list(context);
    expect(recovered.map((i) => i.state)).toEqual(['running', 'running', 'running']);
    expect(recovered.every((i) => i.problem === undefined)).toBe(true);
  });

  test('429 is retried; persistent 429 is throttled', async () => {
    fake.inject({ call: 'listManagedInstances', fault: { kind: 'rateLimit' } });
    expect(await provider.list(context)).toHaveLength(1);
    expect(fake.requestsOf('listManagedInstances')).toHaveLength(2);

    fake.inject({ call: 'listManagedInstances', times: 10, fault: { kind: 'rateLimit' } });
    const error = await rejection(provider.list(context));
    expect(error.kind).toBe('throttled');
    expect(error.message).toMatch(/HTTP 429/);
    expect(fake.requestsOf('listManagedInstances')).toHaveLength(2 + 3);
  });

  test('5xx is retried; persistent 5xx is transient', async () => {
    fake.inject({ call: 'get', fault: { kind: 'serverError' } });
    fake.inject({ call: 'resize', fault: { kind: 'serverError', status: 503 } });
    await provider.launch(context, 1, 'step-1');
    expect(group().targetSize).toBe(2);

    fake.inject({ call: 'get', times: 10, fault: { kind: 'serverError', status: 502 } });
    expect((await rejection(provider.launch(context, 1, 'step-2'))).kind).toBe('transient');
    expect(group().targetSize).toBe(2);
  });

  test('a call that hangs past the timeout is transient', async () => {
    provider = newProvider({ callTimeoutMs: 200, maxAttempts: 2 });
    fake.inject({ call: 'listManagedInstances', times: 2, fault: { kind: 'hang', delayMs: 1000 } });
    const error = await rejection(provider.list(context));
    expect(error.kind).toBe('transient');
    expect(fake.requestsOf('listManagedInstances')).toHaveLength(2);
  });

  test('401 and 403 are auth and not retried; 400 and 404 are invalid', async () => {
    fake.inject({ call: 'get', fault: { kind: 'error', status: 401, reason: 'authError', message: 'Request had invalid authentication credentials.' } });
    expect((await rejection(provider.launch(context, 1, 's1'))).kind).toBe('auth');
    fake.inject({ call: 'listManagedInstances', fault: { kind: 'error', status: 403, reason: 'forbidden', message: "Required 'compute.instanceGroupManagers.get' permission" } });
    expect((await rejection(provider.list(context))).kind).toBe('auth');
    expect(fake.requestsOf('get')).toHaveLength(1);
    expect(fake.requestsOf('listManagedInstances')).toHaveLength(1);

    fake.inject({ call: 'resize', fault: { kind: 'error', status: 400, reason: 'invalid', message: "Invalid value for field 'size'" } });
    expect((await rejection(provider.launch(context, 1, 's2'))).kind).toBe('invalid');

    const missing = workerPoolSchema.parse(workerPool('other', 'gcp', { spec: { provider: { gcp: { instanceGroupManager: 'no-such-mig' } } } }));
    const notFound = await rejection(provider.list({ pool: missing }));
    expect(notFound.kind).toBe('invalid');
    expect(notFound.message).toMatch(/HTTP 404/);
  });

  test('a stockout answered as an HTTP error is capacity', async () => {
    fake.inject({ call: 'get', fault: { kind: 'stockout' } });
    provider = newProvider({ maxAttempts: 1 });
    expect((await rejection(provider.launch(context, 1, 's1'))).kind).toBe('capacity');
  });

  test('the API unreachable is transient', async () => {
    const nowhere = new GcpProvider({ apiEndpoint: '127.0.0.1', port: 1, protocol: 'http', authClient: new PassThroughClient(), maxAttempts: 1, callTimeoutMs: 2000 });
    providers.push(nowhere);
    expect((await rejection(nowhere.list(context))).kind).toBe('transient');
  });

  test('terminate deletes through the group (its target size drops); unknown ids are skipped', async () => {
    const { instances } = await provider.launch(context, 2, 'step-1');
    const [a, b] = instances.map((i) => i.id);
    await provider.terminate(context, [a!, 'cpu-mig-gone']);
    expect(group().targetSize).toBe(2);
    const [deletion] = fake.requestsOf('deleteInstances');
    expect(deletion?.body).toEqual({ instances: [`zones/${ZONE}/instances/${a}`, `zones/${ZONE}/instances/cpu-mig-gone`], skipInstancesOnValidationError: true });
    // Deleting until the MIG is done with it, then gone.
    await new Promise((r) => setTimeout(r, 100));
    const left = (await provider.list(context)).map((i) => i.id);
    expect(left).toHaveLength(2);
    expect(left).toContain(b);
    expect(left).not.toContain(a);

    await provider.terminate(context, []);
    expect(fake.requestsOf('deleteInstances')).toHaveLength(1);
  });

  test('a lost deleteInstances answer: the retry is the same request (same requestId)', async () => {
    await provider.launch(context, 2, 'step-1');
    provider = newProvider({ callTimeoutMs: 300 });
    fake.inject({ call: 'deleteInstances', fault: { kind: 'delay', delayMs: 1000 } });
    const [first] = group().instances;
    await provider.terminate(context, [first?.name ?? '']);
    const deletions = fake.requestsOf('deleteInstances');
    expect(deletions).toHaveLength(2);
    expect(deletions[1]?.query.get('requestId')).toBe(deletions[0]?.query.get('requestId'));
    expect(group().targetSize).toBe(2);
  });

  test('terminate maps faults too', async () => {
    fake.inject({ call: 'deleteInstances', times: 5, fault: { kind: 'rateLimit' } });
    const [only] = group().instances;
    expect((await rejection(provider.terminate(context, [only?.name ?? '']))).kind).toBe('throttled');
  });

  test('credentials: a key.json that is not JSON is an auth error', async () => {
    await expect(provider.list({ pool, credentials: { 'key.json': 'not json' } })).rejects.toMatchObject({ kind: 'auth' });
    expect(gcpKeyFrom(undefined)).toBeUndefined();
    const key = { type: 'service_account', client_email: 'drm@p.iam.gserviceaccount.com', private_key: '-----BEGIN PRIVATE KEY-----\n...' };
    expect(gcpKeyFrom({ 'key.json': JSON.stringify(key) })).toEqual(key);
    expect(() => gcpKeyFrom({ 'key.json': '[1]' })).toThrow(expect.objectContaining({ kind: 'auth' }));
  });

  test('credentials: an incomplete key is an auth error naming what it lacks, before any client is built', async () => {
    expect(() => gcpKeyFrom({ 'key.json': '{}' })).toThrow(/has type undefined; expected one of service_account, authorized_user/);
    expect(() => gcpKeyFrom({ 'key.json': '{"type":"service_account","client_email":"x@y"}' })).toThrow(/\(service_account\) lacks private_key/);
    expect(() => gcpKeyFrom({ 'key.json': '{"type":"authorized_user"}' })).toThrow(/lacks client_id, client_secret, refresh_token/);
    await expect(provider.list({ pool, credentials: { 'key.json': '{}' } })).rejects.toMatchObject({ kind: 'auth' });
  });
});

describe('GCP helpers', () => {
  test('instance state from the MIG action and the VM status', () => {
    expect(managedInstanceState({ currentAction: 'NONE', instanceStatus: 'RUNNING' })).toBe('running');
    expect(managedInstanceState({ currentAction: 'CREATING' })).toBe('pending');
    expect(managedInstanceState({ currentAction: 'CREATING', instanceStatus: 'STAGING' })).toBe('pending');
    expect(managedInstanceState({ currentAction: 'RECREATING', instanceStatus: 'TERMINATED' })).toBe('pending');
    expect(managedInstanceState({ currentAction: 'VERIFYING', instanceStatus: 'RUNNING' })).toBe('running');
    expect(managedInstanceState({ currentAction: 'DELETING', instanceStatus: 'RUNNING' })).toBe('stopping');
    expect(managedInstanceState({ currentAction: 'NONE', instanceStatus: 'STOPPED' })).toBe('stopping');
    expect(managedInstanceState({ currentAction: 'NONE', instanceStatus: 'PROVISIONING' })).toBe('pending');
  });

  test('error classification', () => {
    const gax = (code: number, httpStatusCode: number | undefined, message = 'x') => Object.assign(new Error(message), { code, httpStatusCode });
    expect(gcpErrorKind(gax(8, 429))).toBe('throttled');
    expect(gcpErrorKind(gax(7, 403, 'Rate Limit Exceeded: rateLimitExceeded'))).toBe('throttled');
    expect(gcpErrorKind(gax(14, 503, 'ZONE_RESOURCE_POOL_EXHAUSTED'))).toBe('capacity');
    expect(gcpErrorKind(gax(7, 403, "Quota 'CPUS' exceeded. QUOTA_EXCEEDED"))).toBe('capacity');
    expect(gcpErrorKind(gax(13, 500))).toBe('transient');
    expect(gcpErrorKind(gax(4, undefined, 'Deadline exceeded'))).toBe('transient');
    expect(gcpErrorKind(gax(14, undefined, 'connect ECONNREFUSED'))).toBe('transient');
    expect(gcpErrorKind(gax(16, 401))).toBe('auth');
    expect(gcpErrorKind(gax(7, 403))).toBe('auth');
    expect(gcpErrorKind(gax(3, 400))).toBe('invalid');
    expect(gcpErrorKind(gax(5, 404))).toBe('invalid');
  });
});
