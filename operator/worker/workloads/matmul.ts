// matmul: real CPU work, a dense n×n Float64 multiply repeated `repeat` times.
import { z } from 'zod';
import { MAX_MATRIX_SIZE, matrixPair, matrixSum, multiply } from './matrix.js';
import { parseParams, type Workload } from './types.js';

export const MAX_MATMUL_REPEAT = 10_000;

export const matrixSizeSchema = z.int().min(1).max(MAX_MATRIX_SIZE);

const matmulParamsSchema = z.object({
  n: matrixSizeSchema,
  repeat: z.int().min(1).max(MAX_MATMUL_REPEAT).default(1),
});

export interface MatmulResult {
  n: number;
  repeat: number;
  /** Sum over the repeats of the sum of the product's entries: the same for the same (n, repeat). */
  checksum: number;
  /** Measured seconds of the multiplies (not the matrix set-up). */
  seconds: number;
}

export const matmul: Workload = async (_items, params, { signal }): Promise<MatmulResult> => {
  const { n, repeat } = parseParams('matmul', matmulParamsSchema, params);
  const pair = matrixPair(n);
  let checksum = 0;
  const start = performance.now();
  for (let r = 0; r < repeat; r++) {
    await multiply(pair, signal);
    // Reading every product keeps each repeat honest work.
    checksum += matrixSum(pair.c);
  }
  const seconds = (performance.now() - start) / 1000;
  return { n, repeat, checksum, seconds };
};
