import type { Workload } from './types.js';

/** The result is the input, unchanged. */
export const echo: Workload = async (items) => items;
