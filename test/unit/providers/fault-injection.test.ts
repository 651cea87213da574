// Launch failures on demand are for tests only: the kwok provider itself ignores the annotation,
// and only the wrapper the operator adds under --test-fault-injection honours it.
import { describe, expect, test } from '@jest/globals';
import type { CoreV1Api, V1Node } from '@kubernetes/client-node';
import { workerPoolSchema, type WorkerPool } from '../../../operator/api/workerpool.js';
import { FAIL_LAUNCHES_ANNOTATION, withInjectedLaunchFailures } from '../../../operator/providers/fault-injection.js';
import { KwokProvider } from '../../../operator/providers/kwok.js';
import { ProviderError } from '../../../operator/providers/types.js';
import { workerPool } from '../../builders/index.js';

function kwok() {
  const created: string[] = [];
  const core = { createNode: async ({ body }: { body: V1Node }) => (created.push(body.metadata!.name!), body) } as unknown as CoreV1Api;
  return { provider: new KwokProvider(core, { list: () => [] }), created };
}

const pool = (failLaunches: string) =>
  ({ ...workerPoolSchema.parse(workerPool('sim', 'kwok')), metadata: { name: 'sim', uid: 'u1', annotations: { [FAIL_LAUNCHES_ANNOTATION]: failLaunches } } }) as WorkerPool;

describe('launch fault injection', () => {
  test('the kwok provider itself ignores the annotation', async () => {
    const { provider, created } = kwok();
    await provider.launch({ pool: pool('2') } as never, 1, 'step-1');
    expect(created).toHaveLength(1);
  });

  test('wrapped, the next N launches fail as a provider would, then launches go through', async () => {
    const { provider, created } = kwok();
    const wrapped = withInjectedLaunchFailures(provider);
    const context = { pool: pool('2') } as never;
    await expect(wrapped.launch(context, 1, 'a')).rejects.toMatchObject({ kind: 'capacity' });
    await expect(wrapped.launch(context, 1, 'b')).rejects.toBeInstanceOf(ProviderError);
    await wrapped.launch(context, 1, 'c');
    expect(created).toHaveLength(1);
    expect([wrapped.name, wrapped.canScale, wrapped.removesNodes]).toEqual(['kwok', true, true]);
  });
});
