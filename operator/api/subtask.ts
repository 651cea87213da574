// Subtask: one piece of an OrchestratedTask, created and owned by the task controller, run as
// one Pod per attempt on a node the operator's scheduler chose.
import { z } from 'zod';
import {
  conditionsSchema,
  configMapKey,
  dnsLabel,
  freeFormObject,
  freeFormValue,
  gpuNeedsGpuHardwareRule,
  objectMetaSchema,
  objectName,
  resourcesSchema,
  resultOrReferenceRule,
  taskHardwareSchema,
  timestamp,
  typeMeta,
  workerSchema,
  type KindNames,
} from './common.js';
import { scalarSet, withRules, type TransitionRule } from './validation.js';

export const subtaskNames: KindNames = {
  kind: 'Subtask',
  listKind: 'SubtaskList',
  plural: 'subtasks',
  singular: 'subtask',
  shortNames: ['st'],
  scope: 'Namespaced',
};

export const SUBTASK_ROLES = ['partition', 'shard', 'stage', 'variant', 'function'] as const;
export type SubtaskRole = (typeof SUBTASK_ROLES)[number];
export const SUBTASK_PHASES = ['Pending', 'Assigned', 'Running', 'Completed', 'Failed', 'Cancelled'] as const;
export type SubtaskPhase = (typeof SUBTASK_PHASES)[number];
/** Attempts kept in status.attemptHistory; older ones are dropped first (status.attempts keeps the count). */
export const MAX_ATTEMPT_HISTORY = 20;

const reasonWord = (description: string) =>
  z
    .string()
    .min(1)
    .max(128)
    .regex(/^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/)
    .describe(description);

const inputRefSchema = z
  .object({
    name: objectName('ConfigMap in the subtask\'s namespace.'),
    key: configMapKey('Key in the ConfigMap\'s data holding a JSON array of items.'),
    offset: z.int().min(0).max(100_000_000).optional().describe('First item of the array that belongs to this subtask (0-based). Omitted: 0.'),
    count: z.int().min(0).max(100_000_000).optional().describe('Number of items from offset that belong to this subtask. Omitted: to the end of the array.'),
  })
  .describe('Input read from a ConfigMap: the items [offset, offset+count) of the JSON array under key.');

const subtaskSpecShape = z
  .object({
    taskRef: z
      .object({
        name: objectName('Name of the OrchestratedTask in the same namespace.'),
        uid: z.string().max(64).optional().describe('UID of that OrchestratedTask, guarding against a new task of the same name.'),
      })
      .describe('The OrchestratedTask this subtask belongs to (also its owner reference).'),
    index: z
      .int()
      .min(0)
      .max(100_000)
      .describe('Position of the subtask within its role: partition number, shard or stage index (order of spec.stages), variant or function index.'),
    role: z
      .enum(SUBTASK_ROLES)
      .describe('What the subtask is to its task: partition (DataParallel), shard (ModelParallel), stage (PipelineParallel), variant (Ensemble) or function (FunctionParallel).'),
    name: dnsLabel('Name of the part it runs: the stage, variant or function name, or p<index> for a partition.'),
    microBatch: z
      .int()
      .min(0)
      .max(100_000)
      .optional()
      .describe('PipelineParallel: index of the micro-batch this stage runs on (0-based). Only with role stage.'),
    taskType: z
      .string()
      .min(1)
      .max(63)
      .regex(/^[a-z0-9]([-a-z0-9_.]*[a-z0-9])?$/)
      .describe('Workload of the subtask after stage or variant overrides: selects the built-in workload, and is what the predictor learns under.'),
    input: z
      .object({
        items: z
          .array(freeFormValue('One input item: any JSON value.'))
          .max(10000)
          .describe('The items, in order (at most 10000).'),
      })
      .optional()
      .describe('Inline input: the subtask\'s slice of the task\'s items, or all of them. Exclusive with inputRef.'),
    inputRef: inputRefSchema.optional(),
    params: freeFormObject('Parameters after overlaying stage, variant or function params on the task\'s params; a function\'s name is params.function.').optional(),
    dependsOn: scalarSet(objectName('Name of a Subtask in the same namespace.'), { maxItems: 64 })
      .optional()
      .describe('Subtasks that must complete before this one starts (at most 64); with neither input nor inputRef, the input is the result of the last of them.'),
    hardware: taskHardwareSchema.optional().describe('Node class the subtask needs, resolved from the task and its stage or variant.'),
    resources: resourcesSchema.optional().describe('Resources requested, resolved from the task, its stage or variant, and the predictor.'),
    worker: workerSchema.optional().describe('Custom worker container; omitted: the built-in worker image.'),
  })
  .describe('One unit of work, resolved by the task controller; immutable once created.');

type SubtaskSpecShape = z.output<typeof subtaskSpecShape>;

/** Which task, and which piece of it, a subtask is never changes. */
export const subtaskSpecTransitionRules: ReadonlyArray<TransitionRule<SubtaskSpecShape>> = [
  {
    cel: 'self.taskRef.name == oldSelf.taskRef.name && self.role == oldSelf.role && self.index == oldSelf.index',
    message: 'taskRef, role and index are immutable',
    fieldPath: '.taskRef',
    reason: 'FieldValueForbidden',
    holds: (spec, oldSpec) => spec.taskRef.name === oldSpec.taskRef.name && spec.role === oldSpec.role && spec.index === oldSpec.index,
  },
];

export const subtaskSpecSchema = withRules(
  subtaskSpecShape,
  [
    {
      cel: '!has(self.input) || !has(self.inputRef)',
      message: 'inputRef and input are mutually exclusive',
      fieldPath: '.inputRef',
      reason: 'FieldValueForbidden',
      holds: (spec) => spec.input === undefined || spec.inputRef === undefined,
    },
    {
      cel: "!has(self.microBatch) || self.role == 'stage'",
      message: 'microBatch is only allowed with role stage',
      fieldPath: '.microBatch',
      reason: 'FieldValueForbidden',
      holds: (spec) => spec.microBatch === undefined || spec.role === 'stage',
    },
    gpuNeedsGpuHardwareRule<SubtaskSpecShape>('the subtask\'s '),
  ],
  subtaskSpecTransitionRules,
);
export type SubtaskSpec = z.output<typeof subtaskSpecSchema>;
export type SubtaskSpecInput = z.input<typeof subtaskSpecSchema>;

// ---------------------------------------------------------------------------------------------
// Status.

const attemptSchema = z
  .object({
    attempt: z.int().min(1).max(100).describe('Attempt number, 1 for the first.'),
    podName: objectName('Pod that ran the attempt.').optional(),
    nodeName: objectName('Node the attempt ran on.').optional(),
    phase: z.enum(SUBTASK_PHASES).describe('Phase the attempt reached (Running while it still runs).'),
    reason: reasonWord('Why the attempt ended, a CamelCase word, e.g. OOMKilled, Error, DeadlineExceeded.').optional(),
    message: z.string().max(1024).optional().describe('Detail of how the attempt ended, for humans (at most 1024 characters).'),
    exitCode: z.int().min(-2147483648).max(2147483647).optional().describe('Exit code of the worker container, when it exited.'),
    startTime: timestamp('When the attempt\'s pod started.').optional(),
    completionTime: timestamp('When the attempt ended.').optional(),
  })
  .describe('One attempt to run the subtask.');
export type Attempt = z.output<typeof attemptSchema>;

const subtaskStatusShape = z
  .object({
    phase: z
      .enum(SUBTASK_PHASES)
      .optional()
      .describe('Pending (waiting for a fitting node), Assigned (bound, pod not started), Running, then Completed, Failed (after all retries) or Cancelled.'),
    message: z.string().max(32768).optional().describe('Human-readable detail of the phase, e.g. why no node fits.'),
    nodeName: objectName('Node the current or last attempt was bound to.').optional(),
    workerPool: objectName('WorkerPool owning that node.').optional(),
    podName: objectName('Pod of the current or last attempt.').optional(),
    fitnessScore: z.number().min(0).max(1).optional().describe('Fitness of the chosen node for this subtask, 0 (barely fits) to 1 (ideal), as computed by the scheduler.'),
    attempts: z.int().min(0).max(100).optional().describe('Attempts started so far, the current one included.'),
    attemptHistory: z
      .array(attemptSchema)
      .max(MAX_ATTEMPT_HISTORY)
      .optional()
      .describe(`The most recent attempts, oldest first (at most ${MAX_ATTEMPT_HISTORY}; older ones are dropped).`),
    lastFailure: z
      .object({
        attempt: z.int().min(1).max(100).optional().describe('Attempt that failed.'),
        reason: reasonWord('Why it failed, a CamelCase word.'),
        message: z.string().max(32768).optional().describe('Detail of the failure, for humans.'),
        exitCode: z.int().min(-2147483648).max(2147483647).optional().describe('Exit code of the worker container.'),
        time: timestamp('When it failed.').optional(),
      })
      .optional()
      .describe('The most recent failed attempt.'),
    startTime: timestamp('When the first attempt started.').optional(),
    completionTime: timestamp('When the subtask reached Completed, Failed or Cancelled.').optional(),
    metrics: z
      .object({
        executionSeconds: z.number().min(0).max(31536000).optional().describe('Wall-clock seconds of the successful attempt.'),
        cpuCoresUsed: z.number().min(0).max(4096).optional().describe('Average CPU cores used.'),
        memoryBytesUsed: z.int().min(0).optional().describe('Peak memory used, in bytes.'),
        inputItems: z.int().min(0).optional().describe('Items in the input the attempt worked on.'),
      })
      .optional()
      .describe('What the successful attempt measured; the predictor learns from it.'),
    result: freeFormValue('Result of the subtask: any JSON value (bounded in size); a larger one goes to resultRef.').optional(),
    resultRef: z
      .object({
        configMapName: objectName('ConfigMap in the subtask\'s namespace holding the result.'),
        key: configMapKey('Key of the result in the ConfigMap\'s data. Default result.json.').default('result.json'),
      })
      .optional()
      .describe('Where a result too large for status.result is stored.'),
    observedGeneration: z.int().min(0).optional().describe('metadata.generation the controller last acted on.'),
    conditions: conditionsSchema.optional().describe(
      "Complete (True once Completed) and Failed (True once Failed, the reason that of the last attempt's failure, e.g. ErrImagePull or DeadlineExceeded), as batch/v1 Job. See docs/conditions.md.",
    ),
  })
  .describe('What happened to the subtask; written by the operator.');

export const subtaskStatusSchema = withRules(subtaskStatusShape, [resultOrReferenceRule()]);
export type SubtaskStatus = z.output<typeof subtaskStatusSchema>;

export const subtaskSchema = z
  .object({
    ...typeMeta('Subtask'),
    metadata: objectMetaSchema,
    spec: subtaskSpecSchema,
    status: subtaskStatusSchema.optional(),
  })
  .describe('One piece of an OrchestratedTask (a partition, shard, stage, variant or function), created by the operator and run as a Pod on the node it chose.');
export type Subtask = z.output<typeof subtaskSchema>;
export type SubtaskInput = z.input<typeof subtaskSchema>;
