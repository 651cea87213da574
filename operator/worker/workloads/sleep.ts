// sleep: waits, then returns its items; stands in for work that takes time but no CPU.
import { setTimeout as delay } from 'node:timers/promises';
import { z } from 'zod';
import { abortError, parseParams, type Workload } from './types.js';

export const MAX_SLEEP_SECONDS = 86_400;

const sleepParamsSchema = z.object({
  seconds: z.number().min(0).max(MAX_SLEEP_SECONDS).default(1),
});

export const sleep: Workload = async (items, params, { signal }) => {
  const { seconds } = parseParams('sleep', sleepParamsSchema, params);
  try {
    await delay(seconds * 1000, undefined, { signal });
  } catch (error) {
    if (signal.aborted) throw abortError(signal);
    throw error;
  }
  return items;
};
