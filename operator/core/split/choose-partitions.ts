// How many partitions a DataParallel task gets when spec.partitions is omitted.
import { MAX_PARTITIONS } from '../../api/orchestratedtask.js';
import { formatCount, formatNumber } from './slices.js';

/** Used when nothing is known about free capacity or run time. */
export const DEFAULT_PARTITIONS = 4;
/** Default length a subtask should have when a prediction is given: long enough that pod start-up is small beside it. */
export const DEFAULT_TARGET_SECONDS_PER_SUBTASK = 60;

/** What the operator knows when choosing; every field is optional. */
export interface PartitionHints {
  /** Subtasks of this task's size that fit on free schedulable capacity of its hardware now. */
  freeSlots?: number;
  /** How the slots are called in the reason, e.g. "CPU" or "H100 GPU". */
  slotKind?: string;
  /** Predicted seconds to process one item (from the predictor). */
  secondsPerItem?: number;
  /** How long one subtask should run; default DEFAULT_TARGET_SECONDS_PER_SUBTASK. */
  targetSecondsPerSubtask?: number;
  /** Upper bound; default MAX_PARTITIONS (the API's limit). */
  maxPartitions?: number;
}

export interface PartitionChoice {
  partitions: number;
  /** One sentence for an Event, e.g. "chose 8 partitions: 8 free CPU slots, 1,000 items → 125 items each". */
  reason: string;
}

/**
 * Chooses a partition count for `itemCount` items:
 * - with free slots only: one partition per slot, so the whole task runs at once;
 * - with a prediction only: enough partitions that each runs about the target seconds;
 * - with both: fill the free slots, but never cut subtasks shorter than the target (more,
 *   shorter subtasks would mostly add pod start-up);
 * - with neither, or no free slot and no prediction: DEFAULT_PARTITIONS.
 * With no free slot but a prediction, the prediction alone decides: the pending subtasks are
 * then the demand the autoscaler grows pools for.
 * The result is capped at the item count (no empty partition) and maxPartitions, and is ≥ 1.
 */
export function choosePartitions(itemCount: number, hints: PartitionHints = {}): PartitionChoice {
  if (!Number.isInteger(itemCount) || itemCount < 0) throw new RangeError(`item count must be a whole number ≥ 0, not ${itemCount}`);
  const maxPartitions = Math.max(1, Math.floor(hints.maxPartitions ?? MAX_PARTITIONS));
  if (itemCount === 0) return { partitions: 1, reason: 'chose 1 partition: no input items' };

  const slots = hints.freeSlots !== undefined && hints.freeSlots >= 1 ? Math.floor(hints.freeSlots) : undefined;
  const target = positive(hints.targetSecondsPerSubtask) ?? DEFAULT_TARGET_SECONDS_PER_SUBTASK;
  const perItem = positive(hints.secondsPerItem);
  const prediction = perItem !== undefined ? { perItem, byTime: Math.max(1, Math.ceil((itemCount * perItem) / target)) } : undefined;

  const grounds: string[] = [];
  let wanted: number;
  if (slots !== undefined && prediction !== undefined) {
    wanted = Math.min(slots, prediction.byTime);
    grounds.push(freeSlotsPhrase(slots, hints.slotKind));
    grounds.push(predictionPhrase(itemCount, prediction.perItem, target, prediction.byTime));
  } else if (slots !== undefined) {
    wanted = slots;
    grounds.push(freeSlotsPhrase(slots, hints.slotKind));
  } else if (prediction !== undefined) {
    wanted = prediction.byTime;
    if (hints.freeSlots !== undefined) grounds.push(`no free ${slotNoun(hints.slotKind)}`);
    grounds.push(predictionPhrase(itemCount, prediction.perItem, target, prediction.byTime));
  } else {
    wanted = DEFAULT_PARTITIONS;
    grounds.push(hints.freeSlots !== undefined ? `no free ${slotNoun(hints.slotKind)} and no prediction, default ${DEFAULT_PARTITIONS}` : `no capacity or prediction known, default ${DEFAULT_PARTITIONS}`);
  }

  let partitions = Math.min(wanted, maxPartitions);
  if (partitions < wanted) grounds.push(`capped at ${formatNumber(maxPartitions)}`);
  if (partitions > itemCount) {
    partitions = itemCount;
    grounds.push(`capped at the item count`);
  }
  partitions = Math.max(1, partitions);
  grounds.push(`${formatCount(itemCount, 'item')} → ${itemsEach(itemCount, partitions)}`);
  return { partitions, reason: `chose ${formatCount(partitions, 'partition')}: ${grounds.join(', ')}` };
}

function positive(value: number | undefined): number | undefined {
  return value !== undefined && Number.isFinite(value) && value > 0 ? value : undefined;
}

function slotNoun(kind: string | undefined): string {
  return kind ? `${kind} slots` : 'slots';
}

function freeSlotsPhrase(slots: number, kind: string | undefined): string {
  return `${formatNumber(slots)} free ${kind ? `${kind} ` : ''}slot${slots === 1 ? '' : 's'}`;
}

function predictionPhrase(itemCount: number, perItem: number, target: number, byTime: number): string {
  const total = itemCount * perItem;
  return `about ${formatSeconds(total)} of work predicted, ${formatNumber(byTime)} × ${formatSeconds(target)} subtasks`;
}

function formatSeconds(seconds: number): string {
  return seconds >= 10 ? `${formatNumber(Math.round(seconds))}s` : `${Number(seconds.toPrecision(2))}s`;
}

/** "125 items each" or "62–63 items each". */
function itemsEach(itemCount: number, partitions: number): string {
  const low = Math.floor(itemCount / partitions);
  const high = Math.ceil(itemCount / partitions);
  const noun = high === 1 ? 'item' : 'items';
  return low === high ? `${formatNumber(low)} ${noun} each` : `${formatNumber(low)}–${formatNumber(high)} ${noun} each`;
}

/**
 * Subtasks of `perSubtaskMillis` CPU that fit in what is free on the nodes (allocatable minus
 * every pod's requests), node by node: a subtask never spans two nodes.
 */
export function freeCpuSlots(nodes: ReadonlyArray<{ allocatableMillis: number; requestedMillis: number }>, perSubtaskMillis: number): number {
  const per = Math.max(1, perSubtaskMillis);
  return nodes.reduce((sum, node) => sum + Math.max(0, Math.floor((node.allocatableMillis - node.requestedMillis) / per)), 0);
}
