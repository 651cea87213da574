// Cutting a list of items into contiguous, nearly equal slices: DataParallel partitions and
// PipelineParallel micro-batches.

/** Items [offset, offset + count) of the input. */
export interface Slice {
  offset: number;
  count: number;
}

/**
 * `parts` contiguous slices covering `itemCount` items in order, sizes differing by at most one
 * (the first `itemCount % parts` slices get the extra item). Slices are empty only when
 * `parts > itemCount`; `capSliceCount` prevents that.
 */
export function contiguousSlices(itemCount: number, parts: number): Slice[] {
  if (!Number.isInteger(itemCount) || itemCount < 0) throw new RangeError(`item count must be a whole number ≥ 0, not ${itemCount}`);
  if (!Number.isInteger(parts) || parts < 1) throw new RangeError(`slice count must be a whole number ≥ 1, not ${parts}`);
  const base = Math.floor(itemCount / parts);
  const withExtra = itemCount % parts;
  const slices: Slice[] = [];
  let offset = 0;
  for (let i = 0; i < parts; i++) {
    const count = base + (i < withExtra ? 1 : 0);
    slices.push({ offset, count });
    offset += count;
  }
  return slices;
}

/** How many slices to cut, after capping what was asked for at what the items allow. */
export interface SliceCount {
  count: number;
  /** Why the count differs from the one asked for, as a sentence for an Event; absent when it does not. */
  note?: string;
}

/**
 * Caps a requested slice count so that no slice is empty: at most one slice per item, and
 * exactly one (empty) slice when there are no items, so the task still has a subtask whose
 * result (an empty list) can be merged.
 */
export function capSliceCount(requested: number, itemCount: number, what: 'partitions' | 'micro-batches'): SliceCount {
  if (itemCount === 0) {
    return requested === 1 ? { count: 1 } : { count: 1, note: `no input items: one empty ${what === 'partitions' ? 'partition' : 'micro-batch'} instead of ${requested}` };
  }
  if (requested > itemCount) {
    return { count: itemCount, note: `${what} capped at ${itemCount}: only ${formatCount(itemCount, 'item')} for ${requested} ${what}` };
  }
  return { count: requested };
}

/** "1 item", "1,000 items": counts in Event messages. */
export function formatCount(n: number, noun: string): string {
  return `${formatNumber(n)} ${noun}${n === 1 ? '' : 's'}`;
}

/** A whole number with thousands separators, independent of the process locale. */
export function formatNumber(n: number): string {
  const sign = n < 0 ? '-' : '';
  const digits = String(Math.abs(Math.trunc(n)));
  return sign + digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}
