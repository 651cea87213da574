// map: one operation applied to every item, in order.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { WorkloadError, describeType, parseParams, type Workload } from './types.js';

type ItemOperation = (item: unknown, index: number) => unknown;

function numeric(op: string, apply: (x: number) => number): ItemOperation {
  return (item, index) => {
    if (typeof item !== 'number') throw new WorkloadError(`map op ${op}: item ${index} is ${describeType(item)}, expected a number`);
    const result = apply(item);
    // JSON has no Infinity: it would silently become null in the result.
    if (!Number.isFinite(result)) throw new WorkloadError(`map op ${op}: item ${index} (${item}) overflows to ${result}`);
    return result;
  };
}

/** The hex SHA-256 of a string item's UTF-8 bytes, or of any other item's JSON text. */
export function sha256Hex(item: unknown): string {
  const text = typeof item === 'string' ? item : JSON.stringify(item);
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

export const mapOperations = {
  square: numeric('square', (x) => x * x),
  double: numeric('double', (x) => 2 * x),
  negate: numeric('negate', (x) => -x),
  upper: (item, index) => {
    if (typeof item !== 'string') throw new WorkloadError(`map op upper: item ${index} is ${describeType(item)}, expected a string`);
    return item.toUpperCase();
  },
  sha256: (item, index) => {
    if (item === undefined) throw new WorkloadError(`map op sha256: item ${index} is not JSON`);
    return sha256Hex(item);
  },
} satisfies Record<string, ItemOperation>;

export type MapOperationName = keyof typeof mapOperations;
export const mapOperationNames = Object.keys(mapOperations) as MapOperationName[];

const mapParamsSchema = z.object({
  op: z.string({ error: `op is required, one of ${mapOperationNames.join(' | ')}` }),
});

export const map: Workload = async (items, params) => {
  const { op } = parseParams('map', mapParamsSchema, params);
  if (!Object.hasOwn(mapOperations, op)) {
    throw new WorkloadError(`map: unknown op "${op}"; expected one of ${mapOperationNames.join(' | ')}`);
  }
  if (!Array.isArray(items)) throw new WorkloadError(`map op ${op}: items must be an array, got ${describeType(items)}`);
  const operation: ItemOperation = mapOperations[op as MapOperationName];
  return items.map((item, index) => operation(item, index));
};
