// Splitting an OrchestratedTask into the Subtasks that run it, by its strategy. Pure: the
// caller resolves the input items (reading a configMapRef) and any partition hints first, then
// creates the planned Subtasks it does not find yet.
import type { FunctionSpec, OrchestratedTaskSpec, Stage, Strategy, Variant } from '../../api/orchestratedtask.js';
import type { SubtaskRole, SubtaskSpec } from '../../api/subtask.js';
import { choosePartitions, type PartitionHints } from './choose-partitions.js';
import { subtaskName } from './names.js';
import { capSliceCount, contiguousSlices, type Slice } from './slices.js';

/** The parts of a task spec the split reads. A whole OrchestratedTaskSpec fits. */
export type SplitSpec = Pick<
  OrchestratedTaskSpec,
  'strategy' | 'taskType' | 'params' | 'input' | 'partitions' | 'stages' | 'microBatches' | 'variants' | 'functions' | 'hardware' | 'resources' | 'worker'
>;

/** The task being split; an OrchestratedTask fits. */
export interface SplitTask {
  metadata: { name?: string | undefined; namespace?: string | undefined; uid?: string | undefined };
  spec: SplitSpec;
}

export interface SplitOptions {
  /** DataParallel partition count to use when spec.partitions is omitted (e.g. from choosePartitions). */
  partitions?: number;
  /** Otherwise, what choosePartitions is given when spec.partitions is omitted. */
  partitionHints?: PartitionHints;
}

/** One Subtask to create: its object name and its spec. */
export interface PlannedSubtask {
  name: string;
  spec: SubtaskSpec;
}

export interface SplitPlan {
  strategy: Strategy;
  /** In subtask order: by index, and for PipelineParallel by micro-batch, then stage. */
  subtasks: PlannedSubtask[];
  /** Sentences worth an Event on the task: partition counts chosen or capped, empty input. */
  notes: string[];
  /** DataParallel: the partitions cut. PipelineParallel: the micro-batches cut. */
  slices?: number;
}

/** The task cannot be split as given (the API's validation should have refused it). */
export class SplitError extends Error {
  override readonly name = 'SplitError';
}

/**
 * Plans the Subtasks of `task` over `items`, its resolved input (spec.input.items as given, or
 * the array read from spec.input.configMapRef; empty when the task has no input).
 *
 * Each subtask's input is a slice (or all) of the items: inline when the task's input is
 * inline, or an inputRef {name, key, offset, count} into the task's ConfigMap when it came from
 * one, so large inputs are never copied into Subtask objects. A subtask that depends on another
 * (ModelParallel shard s > 0, PipelineParallel stage s > 0) carries neither: its input is the
 * result of its last dependency (see itemsFromDependencies).
 *
 * Items are sliced, not cloned; stage, variant and task settings are copied per subtask.
 */
export function planSubtasks(task: SplitTask, items: readonly unknown[], options: SplitOptions = {}): SplitPlan {
  const taskName = task.metadata.name;
  if (!taskName) throw new SplitError('the task has no metadata.name to name its subtasks after');
  const { spec } = task;
  const inline = spec.input?.items;
  if (inline !== undefined && inline.length !== items.length) {
    throw new SplitError(`items given (${items.length}) are not the task's inline input (${inline.length} items)`);
  }
  const context: SplitContext = {
    taskName,
    taskRef: task.metadata.uid ? { name: taskName, uid: task.metadata.uid } : { name: taskName },
    spec,
    items,
  };
  switch (spec.strategy) {
    case 'DataParallel':
      return planDataParallel(context, options);
    case 'ModelParallel':
      return planModelParallel(context);
    case 'PipelineParallel':
      return planPipelineParallel(context);
    case 'Ensemble':
      return planEnsemble(context);
    case 'FunctionParallel':
      return planFunctionParallel(context);
    default:
      throw new SplitError(`unknown strategy ${String((spec as { strategy: unknown }).strategy)}`);
  }
}

interface SplitContext {
  taskName: string;
  taskRef: SubtaskSpec['taskRef'];
  spec: SplitSpec;
  items: readonly unknown[];
}

/** What distinguishes one subtask from its siblings, before input and dependencies. */
interface Part {
  role: SubtaskRole;
  index: number;
  name: string;
  microBatch?: number;
  taskType?: string | undefined;
  params?: Record<string, unknown> | undefined;
  hardware?: SubtaskSpec['hardware'];
  resources?: SubtaskSpec['resources'];
}

function planDataParallel(context: SplitContext, options: SplitOptions): SplitPlan {
  const notes: string[] = [];
  const itemCount = context.items.length;
  let requested = context.spec.partitions ?? options.partitions;
  if (requested === undefined) {
    const choice = choosePartitions(itemCount, options.partitionHints);
    requested = choice.partitions;
    notes.push(choice.reason);
  }
  const { count, note } = capSliceCount(requested, itemCount, 'partitions');
  if (note) notes.push(note);
  const subtasks = contiguousSlices(itemCount, count).map((slice, index) => ({
    name: subtaskName(context.taskName, { role: 'partition', index }),
    spec: subtaskSpec(context, { role: 'partition', index, name: `p${index}` }, inputOf(context, slice)),
  }));
  return { strategy: 'DataParallel', subtasks, notes, slices: count };
}

function planModelParallel(context: SplitContext): SplitPlan {
  const stages = required(context.spec.stages, 'stages', 'ModelParallel');
  const names = stages.map((stage, index) => subtaskName(context.taskName, { role: 'shard', index, name: stage.name }));
  const subtasks = stages.map((stage, index) => {
    const part = stagePart(context.spec, stage, 'shard', index);
    // Shard 0 reads the task's input; every later shard reads the output of the one before.
    const input = index === 0 ? inputOf(context, wholeInput(context)) : { dependsOn: [names[index - 1]!] };
    return { name: names[index]!, spec: subtaskSpec(context, part, input) };
  });
  return { strategy: 'ModelParallel', subtasks, notes: [] };
}

function planPipelineParallel(context: SplitContext): SplitPlan {
  const stages = required(context.spec.stages, 'stages', 'PipelineParallel');
  const requested = required(context.spec.microBatches, 'microBatches', 'PipelineParallel');
  const notes: string[] = [];
  const { count, note } = capSliceCount(requested, context.items.length, 'micro-batches');
  if (note) notes.push(note);
  const subtasks: PlannedSubtask[] = [];
  contiguousSlices(context.items.length, count).forEach((slice, microBatch) => {
    let previous: string | undefined;
    stages.forEach((stage, index) => {
      const name = subtaskName(context.taskName, { role: 'stage', microBatch, name: stage.name });
      const part = { ...stagePart(context.spec, stage, 'stage', index), microBatch };
      // (m, s) waits only for (m, s-1), so stage s of different micro-batches can overlap.
      const input = previous === undefined ? inputOf(context, slice) : { dependsOn: [previous] };
      subtasks.push({ name, spec: subtaskSpec(context, part, input) });
      previous = name;
    });
  });
  return { strategy: 'PipelineParallel', subtasks, notes, slices: count };
}

function planEnsemble(context: SplitContext): SplitPlan {
  const variants = required(context.spec.variants, 'variants', 'Ensemble');
  const subtasks = variants.map((variant: Variant, index) => ({
    name: subtaskName(context.taskName, { role: 'variant', name: variant.name }),
    spec: subtaskSpec(context, stagePart(context.spec, variant, 'variant', index), inputOf(context, wholeInput(context))),
  }));
  return { strategy: 'Ensemble', subtasks, notes: [] };
}

function planFunctionParallel(context: SplitContext): SplitPlan {
  const functions = required(context.spec.functions, 'functions', 'FunctionParallel');
  const subtasks = functions.map((fn: FunctionSpec, index) => {
    const part: Part = {
      role: 'function',
      index,
      name: fn.name,
      // The worker learns which function to run from params.function; it wins over a same-named param.
      params: { ...context.spec.params, ...fn.params, function: fn.name },
    };
    return {
      name: subtaskName(context.taskName, { role: 'function', name: fn.name }),
      spec: subtaskSpec(context, part, inputOf(context, wholeInput(context))),
    };
  });
  return { strategy: 'FunctionParallel', subtasks, notes: [] };
}

/** A stage or variant resolved against the task: its taskType and params overlay the task's; its hardware and resources replace them. */
function stagePart(spec: SplitSpec, part: Stage | Variant, role: SubtaskRole, index: number): Part {
  return {
    role,
    index,
    name: part.name,
    taskType: part.taskType,
    params: overlay(spec.params, part.params),
    hardware: part.hardware ?? spec.hardware,
    resources: part.resources ?? spec.resources,
  };
}

/** Key-by-key overlay; absent when neither side has params. */
function overlay(base: Record<string, unknown> | undefined, over: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (base === undefined && over === undefined) return undefined;
  return { ...base, ...over };
}

type SubtaskInput = Pick<SubtaskSpec, 'input' | 'inputRef' | 'dependsOn'>;

function wholeInput(context: SplitContext): Slice {
  return { offset: 0, count: context.items.length };
}

/** A slice of the task's input, inline or as a reference into the task's ConfigMap. */
function inputOf(context: SplitContext, slice: Slice): SubtaskInput {
  const configMap = context.spec.input?.configMapRef;
  if (configMap) {
    return { inputRef: { name: configMap.name, key: configMap.key, offset: slice.offset, count: slice.count } };
  }
  return { input: { items: context.items.slice(slice.offset, slice.offset + slice.count) } };
}

function subtaskSpec(context: SplitContext, part: Part, input: SubtaskInput): SubtaskSpec {
  const { spec } = context;
  const hardware = part.hardware ?? spec.hardware;
  const resources = part.resources ?? spec.resources;
  const params = part.params ?? spec.params;
  // Optional fields are left out rather than set to undefined: the spec goes to the API server as is.
  return {
    taskRef: { ...context.taskRef },
    index: part.index,
    role: part.role,
    name: part.name,
    ...(part.microBatch !== undefined ? { microBatch: part.microBatch } : {}),
    taskType: part.taskType ?? spec.taskType,
    ...(params !== undefined ? { params: structuredClone(params) } : {}),
    ...input,
    ...(hardware !== undefined ? { hardware: structuredClone(hardware) } : {}),
    ...(resources !== undefined ? { resources: structuredClone(resources) } : {}),
    ...(spec.worker !== undefined ? { worker: structuredClone(spec.worker) } : {}),
  };
}

function required<T>(value: T | undefined, field: string, strategy: Strategy): T {
  if (value === undefined || (Array.isArray(value) && value.length === 0)) {
    throw new SplitError(`strategy ${strategy} needs spec.${field}`);
  }
  return value;
}
