// The dense matrix kernel shared by matmul and benchmark: seeded inputs, an i-k-j multiply
// over Float64Array, and a driver that yields to the event loop so SIGTERM is noticed.
import { setImmediate as nextTurn } from 'node:timers/promises';
import { throwIfAborted } from './types.js';

export const MAX_MATRIX_SIZE = 2048;

// Fixed seeds: every worker, on every attempt, multiplies the same matrices for a given n.
const SEED_A = 0x2545f491;
const SEED_B = 0x9e3779b9;

/** xorshift32: tiny, fast and deterministic; values in [-1, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0 || 1; // xorshift's one fixed point is 0
  return () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return (state / 0x1_0000_0000) * 2 - 1;
  };
}

/** A row-major n×n matrix of pseudo-random values from seed. */
export function seededMatrix(n: number, seed: number): Float64Array {
  const next = seededRandom(seed);
  const matrix = new Float64Array(n * n);
  for (let i = 0; i < matrix.length; i++) matrix[i] = next();
  return matrix;
}

export interface MatrixPair {
  n: number;
  a: Float64Array;
  b: Float64Array;
  /** Output buffer, reused across multiplies. */
  c: Float64Array;
}

export function matrixPair(n: number): MatrixPair {
  return { n, a: seededMatrix(n, SEED_A), b: seededMatrix(n, SEED_B + n), c: new Float64Array(n * n) };
}

/**
 * c[rowStart..rowEnd) += a·b for those rows, in i-k-j order: the inner loop walks a row of b
 * and a row of c contiguously. Four rows of c share each loaded b value (register blocking),
 * which doubles throughput on V8; every c[i][j] still sums its k terms in increasing k, so the
 * result is bit-identical to the textbook i-j-k loop.
 */
export function multiplyRows(a: Float64Array, b: Float64Array, c: Float64Array, n: number, rowStart: number, rowEnd: number): void {
  let i = rowStart;
  for (; i + 3 < rowEnd; i += 4) {
    const r0 = i * n;
    const r1 = r0 + n;
    const r2 = r1 + n;
    const r3 = r2 + n;
    for (let k = 0; k < n; k++) {
      const a0 = a[r0 + k]!;
      const a1 = a[r1 + k]!;
      const a2 = a[r2 + k]!;
      const a3 = a[r3 + k]!;
      const bk = k * n;
      for (let j = 0; j < n; j++) {
        const bkj = b[bk + j]!;
        c[r0 + j]! += a0 * bkj;
        c[r1 + j]! += a1 * bkj;
        c[r2 + j]! += a2 * bkj;
        c[r3 + j]! += a3 * bkj;
      }
    }
  }
  for (; i < rowEnd; i++) {
    const ri = i * n;
    for (let k = 0; k < n; k++) {
      const aik = a[ri + k]!;
      const bk = k * n;
      for (let j = 0; j < n; j++) c[ri + j]! += aik * b[bk + j]!;
    }
  }
}

// How long the kernel may hold the event loop before it lets signal handlers run.
const YIELD_AFTER_MS = 50;

/**
 * pair.c = pair.a · pair.b. Works in blocks of rows and yields to the event loop every
 * YIELD_AFTER_MS, so an abort (SIGTERM) interrupts even an n=2048 multiply within ~50 ms.
 */
export async function multiply(pair: MatrixPair, signal: AbortSignal): Promise<void> {
  const { a, b, c, n } = pair;
  c.fill(0);
  // About a million multiply-adds per block: cheap to time, small enough to stay responsive.
  const rowsPerBlock = Math.max(4, Math.floor(1_000_000 / (n * n)) * 4);
  let lastYield = performance.now();
  for (let row = 0; row < n; row += rowsPerBlock) {
    multiplyRows(a, b, c, n, row, Math.min(n, row + rowsPerBlock));
    if (performance.now() - lastYield > YIELD_AFTER_MS) {
      await nextTurn();
      throwIfAborted(signal);
      lastYield = performance.now();
    }
  }
  throwIfAborted(signal);
}

/** Sum of all entries, in index order: a deterministic fingerprint of a product. */
export function matrixSum(matrix: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < matrix.length; i++) sum += matrix[i]!;
  return sum;
}

/** Floating-point operations in one n×n multiply (a multiply and an add per term). */
export function multiplyFlops(n: number): number {
  return 2 * n ** 3;
}

/** Bytes held by the three n×n Float64 matrices of a pair. */
export function workingSetBytes(n: number): number {
  return 3 * n * n * Float64Array.BYTES_PER_ELEMENT;
}
