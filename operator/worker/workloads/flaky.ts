// flaky: fails on purpose for its first attempts, to exercise the operator's retries.
import { z } from 'zod';
import { WorkloadError, parseParams, type Workload } from './types.js';

const flakyParamsSchema = z.object({
  failAttempts: z.int().min(0).default(1),
});

export const flaky: Workload = async (items, params, { attempt }) => {
  const { failAttempts } = parseParams('flaky', flakyParamsSchema, params);
  if (attempt <= failAttempts) {
    throw new WorkloadError(`flaky: attempt ${attempt} fails on purpose (params.failAttempts is ${failAttempts})`);
  }
  return items;
};
