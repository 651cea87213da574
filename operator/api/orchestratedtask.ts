// OrchestratedTask: what a user applies. The operator splits it into Subtasks by one of five
// strategies, places and retries them, and merges their results into the task's status.
import { z } from 'zod';
import {
  conditionsSchema,
  defaultedToFieldDefaults,
  configMapKey,
  dnsLabel,
  freeFormObject,
  freeFormValue,
  gpuNeedsGpuHardwareRule,
  isOneOf,
  labelKey,
  labelMap,
  labelValue,
  objectMetaSchema,
  objectName,
  quantity,
  resourcesSchema,
  resultOrReferenceRule,
  retrySchema,
  taskHardwareSchema,
  timestamp,
  typeMeta,
  workerSchema,
  type KindNames,
} from './common.js';
import { celString, celStringList, jsonEqual, keyedList, withRules, type CrossFieldRule, type TransitionRule } from './validation.js';

export const orchestratedTaskNames: KindNames = {
  kind: 'OrchestratedTask',
  listKind: 'OrchestratedTaskList',
  plural: 'orchestratedtasks',
  singular: 'orchestratedtask',
  shortNames: ['ot'],
  scope: 'Namespaced',
};

export const STRATEGIES = ['DataParallel', 'ModelParallel', 'PipelineParallel', 'Ensemble', 'FunctionParallel'] as const;
export type Strategy = (typeof STRATEGIES)[number];

export const MERGE_METHODS = ['concat', 'mean', 'median', 'vote', 'collect', 'last'] as const;
export type MergeMethod = (typeof MERGE_METHODS)[number];

/** Which merge methods make sense for each strategy's subtask results; the first is the default. */
export const MERGE_METHODS_BY_STRATEGY: Record<Strategy, readonly MergeMethod[]> = {
  DataParallel: ['concat', 'collect'],
  ModelParallel: ['last', 'collect'],
  PipelineParallel: ['concat', 'collect'],
  Ensemble: ['collect', 'mean', 'median', 'vote'],
  FunctionParallel: ['collect'],
};

export function defaultMergeMethod(strategy: Strategy): MergeMethod {
  return MERGE_METHODS_BY_STRATEGY[strategy][0] ?? 'collect';
}

/** Workloads the built-in worker image runs, selected by taskType when spec.worker is omitted. */
export const BUILTIN_TASK_TYPES = ['echo', 'map', 'matmul', 'sleep', 'flaky', 'benchmark'] as const;

export const FAILURE_POLICY_MODES = ['FailFast', 'ContinueOnFailure'] as const;
export const TASK_PHASES = ['Pending', 'Splitting', 'InProgress', 'Merging', 'Completed', 'Failed', 'Cancelled'] as const;
export type TaskPhase = (typeof TASK_PHASES)[number];
export const PREDICTION_SOURCES = ['model', 'statistics', 'default'] as const;

export const MAX_INLINE_ITEMS = 10000;
export const MAX_PARTITIONS = 10000;
export const MAX_MICRO_BATCHES = 10000;
export const MAX_STAGES = 64;
export const MAX_VARIANTS = 64;
export const MAX_FUNCTIONS = 64;
/**
 * Most subtasks one task may produce, whatever the strategy: each becomes a Subtask, an input
 * ConfigMap and a Pod, so the per-field caps alone (10,000 micro-batches × 64 stages) would let
 * one task create 640,000 of each.
 */
export const MAX_SUBTASKS_PER_TASK = 10000;
/** What a ConfigMap's data may hold in all (the API server's limit). */
export const CONFIG_MAP_MAX_BYTES = 1024 * 1024;
/**
 * Most bytes the serialized spec may take when it carries inline input: a subtask's input
 * ConfigMap holds its items and params (both within the spec) plus its own names, which 8 KiB
 * covers (task and subtask names of at most 253 characters each, namespace, taskType, role).
 */
export const MAX_INLINE_SPEC_BYTES = CONFIG_MAP_MAX_BYTES - 8 * 1024;

const STAGE_STRATEGIES: readonly Strategy[] = ['ModelParallel', 'PipelineParallel'];
const ITEM_STRATEGIES: readonly Strategy[] = ['DataParallel', 'PipelineParallel'];

function taskType(description: string) {
  return z
    .string()
    .min(1)
    .max(63)
    .regex(/^[a-z0-9]([-a-z0-9_.]*[a-z0-9])?$/)
    .describe(description);
}

// ---------------------------------------------------------------------------------------------
// Stages (ModelParallel shards, PipelineParallel stages), Ensemble variants, FunctionParallel functions.

/** A stage or variant: its own parameters and, optionally, its own workload and placement. */
function placedPartShape(role: string) {
  return z.object({
    name: dnsLabel(`Name of the ${role}, unique in the list; part of its Subtask's name, so a DNS label (lowercase, at most 63).`),
    taskType: taskType(`Workload of this ${role}, overriding spec.taskType.`).optional(),
    params: freeFormObject(`Parameters of this ${role}, overlaid key by key on spec.params.`).optional(),
    hardware: taskHardwareSchema.optional().describe(`Node class for this ${role}, replacing spec.hardware entirely.`),
    resources: resourcesSchema.optional().describe(`Resources for this ${role}, replacing spec.resources entirely.`),
  });
}

const stageSchema = withRules(placedPartShape('stage'), [gpuNeedsGpuHardwareRule('the stage\'s ')]).describe(
  'One shard (ModelParallel) or stage (PipelineParallel), run in list order.',
);
export type Stage = z.output<typeof stageSchema>;

const variantSchema = withRules(placedPartShape('variant'), [gpuNeedsGpuHardwareRule('the variant\'s ')]).describe(
  'One member of the ensemble, run over the whole input.',
);
export type Variant = z.output<typeof variantSchema>;

const functionSchema = z
  .object({
    name: dnsLabel('Name of the function, unique in the list; its subtask receives it as params.function and the result is keyed by it.'),
    params: freeFormObject('Parameters of this function, overlaid key by key on spec.params.').optional(),
  })
  .describe('One function applied to the whole input by its own subtask.');
export type FunctionSpec = z.output<typeof functionSchema>;

// ---------------------------------------------------------------------------------------------
// Input, merge, pool selection, failure policy.

const inputShape = z
  .object({
    items: z
      .array(freeFormValue('One input item: any JSON value.'))
      .max(MAX_INLINE_ITEMS)
      .optional()
      .describe(
        `Inline input: a JSON array of at most ${MAX_INLINE_ITEMS} items, each any JSON value. Each subtask's input goes to a ConfigMap (at most 1 MiB), so the spec with its inline items and params must serialize to at most ${MAX_INLINE_SPEC_BYTES} bytes; larger inputs belong in a ConfigMap (configMapRef).`,
      ),
    configMapRef: z
      .object({
        name: objectName('Name of the ConfigMap in the task\'s namespace.'),
        key: configMapKey('Key in the ConfigMap\'s data holding the JSON array of items. Default items.json.').default('items.json'),
      })
      .optional()
      .describe('Input read from a ConfigMap in the task\'s namespace: a JSON array under the given key.'),
  })
  .describe('The data the subtasks work on: exactly one of items (inline) or configMapRef.');

// CEL cannot see `items` (its elements have no type), so "exactly one of" is spelled as the
// object having exactly one property, which the API server checks natively.
const inputSchema = withRules(inputShape.meta({ minProperties: 1, maxProperties: 1 }), [
  {
    cel: null,
    message: 'input needs exactly one of items (inline JSON) or configMapRef',
    fieldPath: '',
    reason: 'FieldValueInvalid',
    holds: (input) => (input.items === undefined) !== (input.configMapRef === undefined),
  },
]);
export type TaskInput = z.output<typeof inputSchema>;

const mergeSchema = z
  .object({
    method: z
      .enum(MERGE_METHODS)
      .optional()
      .describe(
        'How subtask results become the task\'s result. concat: results joined in item order (DataParallel, PipelineParallel; default for both). ' +
          'last: the last shard\'s output (ModelParallel; default). mean: numbers, or arrays elementwise, averaged (Ensemble). median (Ensemble). ' +
          'vote: the most common result (Ensemble). collect: an object keyed by subtask name (partition index, stage, variant or function name); any strategy, default for Ensemble and FunctionParallel.',
      ),
  })
  .describe('How the results of the subtasks are merged into status.result.');

const labelSelectorRequirementSchema = withRules(
  z
    .object({
      key: labelKey('Label key the requirement applies to.'),
      operator: z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist']).describe('In, NotIn: the label value is (not) among values. Exists, DoesNotExist: the key is (not) present.'),
      values: z
        .array(labelValue('A label value.'))
        .max(64)
        .optional()
        .describe('Label values; required and non-empty for In and NotIn, absent for Exists and DoesNotExist.'),
    })
    .describe('A requirement on one WorkerPool label.'),
  [
    {
      cel: "!(self.operator in ['In', 'NotIn']) || (has(self.values) && self.values.size() > 0)",
      message: 'values must be non-empty for operators In and NotIn',
      fieldPath: '.values',
      reason: 'FieldValueRequired',
      holds: (requirement) => !isOneOf(['In', 'NotIn'], requirement.operator) || (requirement.values?.length ?? 0) > 0,
    },
    {
      cel: "self.operator in ['In', 'NotIn'] || !has(self.values) || self.values.size() == 0",
      message: 'values must be empty for operators Exists and DoesNotExist',
      fieldPath: '.values',
      reason: 'FieldValueForbidden',
      holds: (requirement) => isOneOf(['In', 'NotIn'], requirement.operator) || (requirement.values?.length ?? 0) === 0,
    },
  ],
);

export const poolSelectorSchema = z
  .object({
    matchLabels: labelMap('WorkerPool labels that must all match.').optional(),
    matchExpressions: z.array(labelSelectorRequirementSchema).max(16).optional().describe('Requirements on WorkerPool labels, all of which must hold (at most 16).'),
  })
  .describe('Which WorkerPools (by their labels) may run the subtasks; omitted: any pool of a fitting hardware class.');
export type PoolSelector = z.output<typeof poolSelectorSchema>;

const failurePolicyShape = z
  .object({
    mode: z
      .enum(FAILURE_POLICY_MODES)
      .default('FailFast')
      .describe(
        'FailFast (default): the first subtask that exhausts its retries fails the task and cancels the rest. ContinueOnFailure: the remaining subtasks run on, and the task completes if the share of succeeded subtasks reaches minSuccessRatio.',
      ),
    minSuccessRatio: z
      .number()
      .min(0)
      .max(1)
      .optional()
      .describe(
        'Share of subtasks, 0 to 1, that must succeed for the task to complete; results of failed subtasks are left out of the merge. Only below 1 with mode ContinueOnFailure (FailFast always means 1). Omitted with ContinueOnFailure: 0, the task completes with whatever succeeded, and fails only if none did.',
      ),
  })
  .describe('What a subtask that fails after all retries does to the task.');

const failurePolicySchema = withRules(failurePolicyShape, [
  {
    cel: "self.mode == 'ContinueOnFailure' || !has(self.minSuccessRatio) || self.minSuccessRatio == 1.0",
    message: 'minSuccessRatio below 1 needs failurePolicy.mode ContinueOnFailure (FailFast means every subtask must succeed)',
    fieldPath: '.minSuccessRatio',
    reason: 'FieldValueForbidden',
    holds: (policy) => policy.mode === 'ContinueOnFailure' || policy.minSuccessRatio === undefined || policy.minSuccessRatio === 1,
  },
]);
export type FailurePolicy = z.output<typeof failurePolicySchema>;

// ---------------------------------------------------------------------------------------------
// Spec.

const orchestratedTaskSpecShape = z
  .object({
    strategy: z
      .enum(STRATEGIES)
      .describe(
        'How the task is split into subtasks; immutable. DataParallel: the items are cut into `partitions` contiguous slices, one subtask each, results concatenated in item order. ' +
          'ModelParallel: one subtask per shard in `stages`, run in order over the whole input, each placed by its own hardware and resources; the result is the last shard\'s output. ' +
          'PipelineParallel: the items are cut into `microBatches`; stage s of micro-batch m runs after stage s-1 of the same micro-batch, so stages of different micro-batches overlap; the result is the last stage\'s outputs in order. ' +
          'Ensemble: one subtask per entry of `variants` (its params overlaid on spec.params), results merged by merge.method. ' +
          'FunctionParallel: one subtask per entry of `functions`, the result is an object keyed by function name.',
      ),
    taskType: taskType(
      `What kind of work this is: the key the predictor learns execution time and resources under, and, with no spec.worker, the built-in workload to run: ${BUILTIN_TASK_TYPES.join(', ')}.`,
    ),
    params: freeFormObject('Free-form JSON parameters given to every subtask and to the predictor, e.g. {op: square} for the map workload.').optional(),
    input: inputSchema.optional().describe('The data the subtasks work on: exactly one of items (inline) or configMapRef. Required by DataParallel and PipelineParallel; omitted: an empty list.'),
    partitions: z
      .int()
      .min(1)
      .max(MAX_PARTITIONS)
      .optional()
      .describe(`DataParallel only: number of subtasks, 1 to ${MAX_PARTITIONS}, capped at the number of items. Omitted: chosen by the operator from the item count and free capacity.`),
    stages: keyedList(stageSchema, ['name'], { minItems: 1, maxItems: MAX_STAGES })
      .optional()
      .describe(`ModelParallel (shards) and PipelineParallel (stages), required by both and only allowed with them: 1 to ${MAX_STAGES} entries with unique names, in execution order.`),
    microBatches: z
      .int()
      .min(1)
      .max(MAX_MICRO_BATCHES)
      .optional()
      .describe(`PipelineParallel only, and required by it: the items are cut into this many micro-batches (1 to ${MAX_MICRO_BATCHES}, capped at the number of items); the task has microBatches × stages subtasks, at most ${MAX_SUBTASKS_PER_TASK}.`),
    variants: keyedList(variantSchema, ['name'], { minItems: 1, maxItems: MAX_VARIANTS })
      .optional()
      .describe(`Ensemble only, and required by it: 1 to ${MAX_VARIANTS} members with unique names, each run as one subtask over the whole input.`),
    functions: keyedList(functionSchema, ['name'], { minItems: 1, maxItems: MAX_FUNCTIONS })
      .optional()
      .describe(`FunctionParallel only, and required by it: 1 to ${MAX_FUNCTIONS} functions with unique names, each run as one subtask over the whole input.`),
    merge: mergeSchema.optional().describe('How subtask results are merged; omitted: the strategy\'s default method.'),
    worker: workerSchema.optional(),
    hardware: taskHardwareSchema.optional().describe('Node class for every subtask (stages and variants may override it); omitted: any.'),
    resources: resourcesSchema.optional().describe('Resources per subtask (stages and variants may override them); omitted: the predictor\'s recommendation.'),
    poolSelector: poolSelectorSchema.optional(),
    gang: z
      .boolean()
      .optional()
      .describe(
        'Place the subtasks all or nothing: none is bound to a node until every subtask that has not started yet fits at once, and the capacity of those still waiting for a dependency (ModelParallel shards after the first) is held for them until they start. For model shards that must all have their devices. Omitted: false, each subtask is placed on its own.',
      ),
    retry: defaultedToFieldDefaults(retrySchema).describe('Retries of failed subtasks: maxAttempts (default 3), exponential backoff from backoffSeconds (default 10) up to maxBackoffSeconds (default 300).'),
    failurePolicy: defaultedToFieldDefaults(failurePolicySchema).describe('What a subtask that fails after all retries does to the task; default FailFast.'),
    timeoutSeconds: z
      .int()
      .min(1)
      .max(2592000)
      .optional()
      .describe(
        "Longest one attempt of a subtask may take, in seconds, counted from its pod's creation (waiting for a node, pulling the image, running); an attempt over it fails with reason DeadlineExceeded and spec.retry decides what follows. Omitted: no limit.",
      ),
    deadlineSeconds: z
      .int()
      .min(1)
      .max(2592000)
      .optional()
      .describe('Wall-clock limit of the whole task in seconds (at most 30 days); when it passes, running subtasks are cancelled and the task fails. Omitted: no limit.'),
    cancel: z.boolean().default(false).describe('Set to true to cancel the task: running subtasks are stopped and the task ends Cancelled. Deleting the task cancels it too. Default false.'),
  })
  .describe('The desired work: what to run, on what data, split how, placed where, retried how.');

type OrchestratedTaskSpecShape = z.output<typeof orchestratedTaskSpecShape>;

function requiredBy(field: 'stages' | 'microBatches' | 'variants' | 'functions' | 'input', strategies: readonly Strategy[]): CrossFieldRule<OrchestratedTaskSpecShape> {
  return {
    cel: `!(self.strategy in ${celStringList(strategies)}) || has(self.${field})`,
    message: `${field} is required by strategy ${strategies.join(' and ')}`,
    fieldPath: `.${field}`,
    reason: 'FieldValueRequired',
    holds: (spec) => !strategies.includes(spec.strategy) || spec[field] !== undefined,
  };
}

function onlyWith(field: 'partitions' | 'stages' | 'microBatches' | 'variants' | 'functions', strategies: readonly Strategy[]): CrossFieldRule<OrchestratedTaskSpecShape> {
  return {
    cel: `self.strategy in ${celStringList(strategies)} || !has(self.${field})`,
    message: `${field} is only allowed with strategy ${strategies.join(' or ')}`,
    fieldPath: `.${field}`,
    reason: 'FieldValueForbidden',
    holds: (spec) => strategies.includes(spec.strategy) || spec[field] === undefined,
  };
}

/** A stage or variant without its own hardware inherits spec.hardware, so it cannot ask for GPUs under a cpu task. */
function inheritedHardwareAllowsGpu(field: 'stages' | 'variants'): CrossFieldRule<OrchestratedTaskSpecShape> {
  return {
    cel:
      `!has(self.hardware) || self.hardware.type != 'cpu' || !has(self.${field}) || ` +
      `self.${field}.all(p, has(p.hardware) || !has(p.resources) || !has(p.resources.gpu) || p.resources.gpu == 0)`,
    message: `${field} without their own hardware inherit spec.hardware type cpu and cannot request resources.gpu`,
    fieldPath: `.${field}`,
    reason: 'FieldValueForbidden',
    holds: (spec) =>
      spec.hardware?.type !== 'cpu' || (spec[field] ?? []).every((part) => part.hardware !== undefined || !part.resources?.gpu),
  };
}

const BUILTIN_TASK_TYPES_CEL = celStringList(BUILTIN_TASK_TYPES);

function partTaskTypesBuiltin(field: 'stages' | 'variants'): CrossFieldRule<OrchestratedTaskSpecShape> {
  return {
    cel: `has(self.worker) || !has(self.${field}) || self.${field}.all(p, !has(p.taskType) || p.taskType in ${BUILTIN_TASK_TYPES_CEL})`,
    message: `taskType of ${field} must name a built-in workload (${BUILTIN_TASK_TYPES.join(', ')}) unless spec.worker runs a custom image`,
    fieldPath: `.${field}`,
    reason: 'FieldValueInvalid',
    holds: (spec) => spec.worker !== undefined || (spec[field] ?? []).every((part) => part.taskType === undefined || isOneOf(BUILTIN_TASK_TYPES, part.taskType)),
  };
}

/** UTF-8 bytes of the spec as JSON: what an input ConfigMap built from it is measured in. */
export function serializedSpecBytes(spec: unknown): number {
  return new TextEncoder().encode(JSON.stringify(spec)).length;
}

/**
 * Inline input (and params) that would not fit a subtask's input ConfigMap. CRD CEL cannot see
 * untyped values, so the API server checks this through the ValidatingAdmissionPolicy generated
 * from `orchestratedTaskAdmissionChecks` (the same bound, measured on CEL's rendering of the spec).
 */
function fitsInputConfigMap(field: 'input.items' | 'params'): CrossFieldRule<OrchestratedTaskSpecShape> {
  const applies = (spec: OrchestratedTaskSpecShape) => (field === 'input.items' ? spec.input?.items !== undefined : spec.input?.items === undefined && spec.params !== undefined);
  return {
    cel: null,
    message: inlineSizeMessage(field),
    fieldPath: `.${field}`,
    reason: 'FieldValueInvalid',
    holds: (spec) => !applies(spec) || serializedSpecBytes(spec) <= MAX_INLINE_SPEC_BYTES,
  };
}

function inlineSizeMessage(field: 'input.items' | 'params'): string {
  const what = field === 'input.items' ? 'inline input' : 'params';
  return `${what} too large: the spec must serialize to at most ${MAX_INLINE_SPEC_BYTES} bytes so every subtask's input fits a 1 MiB ConfigMap; put large inputs in a ConfigMap (spec.input.configMapRef)`;
}

/** A check the API server runs in a ValidatingAdmissionPolicy (CEL over `object`) because CRD CEL cannot. */
export interface AdmissionCheck {
  /** CEL over `object` (the whole OrchestratedTask); true means valid. */
  expression: string;
  /** CEL giving the refusal, starting with the offending field as the API server would print it. */
  messageExpression: string;
}

// CEL's `format` renders a map with quoted keys and strings, close to JSON (a space after each
// comma makes it a little longer), so its byte size stands in for the JSON size zod measures.
const SPEC_BYTES_CEL = "bytes('%s'.format([object.spec])).size()";

function inlineSizeCheck(field: 'input.items' | 'params', applies: string): AdmissionCheck {
  return {
    expression: `!(${applies}) || ${SPEC_BYTES_CEL} <= ${MAX_INLINE_SPEC_BYTES}`,
    messageExpression: `'spec.${field}: Invalid value: ' + string(${SPEC_BYTES_CEL}) + ${celString(` bytes: ${inlineSizeMessage(field)}`)}`,
  };
}

/** Checked on create only: input and params are immutable, and old objects must stay updatable. */
export const orchestratedTaskAdmissionChecks: readonly AdmissionCheck[] = [
  inlineSizeCheck('input.items', 'has(object.spec.input) && has(object.spec.input.items)'),
  inlineSizeCheck('params', '!(has(object.spec.input) && has(object.spec.input.items)) && has(object.spec.params)'),
];

const MERGE_METHODS_BY_STRATEGY_CEL = `{${STRATEGIES.map((strategy) => `'${strategy}': ${celStringList(MERGE_METHODS_BY_STRATEGY[strategy])}`).join(', ')}}`;

export const orchestratedTaskSpecRules: ReadonlyArray<CrossFieldRule<OrchestratedTaskSpecShape>> = [
  requiredBy('stages', STAGE_STRATEGIES),
  onlyWith('stages', STAGE_STRATEGIES),
  requiredBy('microBatches', ['PipelineParallel']),
  onlyWith('microBatches', ['PipelineParallel']),
  onlyWith('partitions', ['DataParallel']),
  requiredBy('variants', ['Ensemble']),
  onlyWith('variants', ['Ensemble']),
  requiredBy('functions', ['FunctionParallel']),
  onlyWith('functions', ['FunctionParallel']),
  requiredBy('input', ITEM_STRATEGIES),
  {
    // The other strategies are bounded by their own fields' caps (partitions, 64 stages, variants, functions).
    cel: `!has(self.microBatches) || !has(self.stages) || self.microBatches * self.stages.size() <= ${MAX_SUBTASKS_PER_TASK}`,
    message: `microBatches × stages is the task's subtask count, at most ${MAX_SUBTASKS_PER_TASK}: use fewer micro-batches or stages`,
    fieldPath: '.microBatches',
    reason: 'FieldValueForbidden',
    holds: (spec) => (spec.microBatches ?? 1) * (spec.stages?.length ?? 1) <= MAX_SUBTASKS_PER_TASK,
  },
  fitsInputConfigMap('input.items'),
  fitsInputConfigMap('params'),
  {
    cel: `!has(self.merge) || !has(self.merge.method) || self.merge.method in ${MERGE_METHODS_BY_STRATEGY_CEL}[self.strategy]`,
    message: `merge.method must suit the strategy: ${STRATEGIES.map((strategy) => `${strategy}: ${MERGE_METHODS_BY_STRATEGY[strategy].join('|')}`).join('; ')}`,
    fieldPath: '.merge.method',
    reason: 'FieldValueInvalid',
    holds: (spec) => spec.merge?.method === undefined || MERGE_METHODS_BY_STRATEGY[spec.strategy].includes(spec.merge.method),
  },
  gpuNeedsGpuHardwareRule<OrchestratedTaskSpecShape>('spec.'),
  inheritedHardwareAllowsGpu('stages'),
  inheritedHardwareAllowsGpu('variants'),
  {
    cel: `has(self.worker) || self.taskType in ${BUILTIN_TASK_TYPES_CEL}`,
    message: `taskType must name a built-in workload (${BUILTIN_TASK_TYPES.join(', ')}) unless spec.worker runs a custom image`,
    fieldPath: '.taskType',
    reason: 'FieldValueInvalid',
    holds: (spec) => spec.worker !== undefined || isOneOf(BUILTIN_TASK_TYPES, spec.taskType),
  },
  partTaskTypesBuiltin('stages'),
  partTaskTypesBuiltin('variants'),
];

function immutable(field: keyof OrchestratedTaskSpecShape & string): TransitionRule<OrchestratedTaskSpecShape> {
  return {
    cel: `has(self.${field}) == has(oldSelf.${field}) && (!has(self.${field}) || self.${field} == oldSelf.${field})`,
    message: `${field} is immutable: create a new task instead`,
    fieldPath: `.${field}`,
    reason: 'FieldValueForbidden',
    holds: (spec, oldSpec) => jsonEqual(spec[field], oldSpec[field]),
  };
}

/**
 * What the split and each subtask's work depend on cannot change once the task exists (create a
 * new task instead). merge, poolSelector, retry, failurePolicy, timeoutSeconds, deadlineSeconds and cancel stay
 * mutable: they steer a running task without redefining it.
 */
export const orchestratedTaskSpecTransitionRules: ReadonlyArray<TransitionRule<OrchestratedTaskSpecShape>> = [
  {
    cel: 'self.strategy == oldSelf.strategy',
    message: 'strategy is immutable: create a new task instead',
    fieldPath: '.strategy',
    reason: 'FieldValueForbidden',
    holds: (spec, oldSpec) => spec.strategy === oldSpec.strategy,
  },
  immutable('taskType'),
  immutable('params'),
  immutable('input'),
  immutable('partitions'),
  immutable('stages'),
  immutable('microBatches'),
  immutable('variants'),
  immutable('functions'),
  immutable('worker'),
  immutable('hardware'),
  immutable('resources'),
];

export const orchestratedTaskSpecSchema = withRules(orchestratedTaskSpecShape, orchestratedTaskSpecRules, orchestratedTaskSpecTransitionRules);
export type OrchestratedTaskSpec = z.output<typeof orchestratedTaskSpecSchema>;
export type OrchestratedTaskSpecInput = z.input<typeof orchestratedTaskSpecSchema>;

// ---------------------------------------------------------------------------------------------
// Status.

const subtaskCount = (what: string) =>
  z
    .int()
    .min(0)
    .max(10_000_000)
    .optional()
    .describe(what);

const resultRefSchema = z
  .object({
    configMapName: objectName('ConfigMap in the task\'s namespace holding the merged result.'),
    key: configMapKey('Key of the result in the ConfigMap\'s data. Default result.json.').default('result.json'),
  })
  .describe('Where a merged result too large for status.result is stored.');

const predictionSchema = z
  .object({
    executionSeconds: z.number().min(0).max(31536000).optional().describe('Predicted execution time of one subtask, in seconds.'),
    cpu: quantity('Predicted CPU per subtask, a Kubernetes quantity.').optional(),
    memory: quantity('Predicted memory per subtask, a Kubernetes quantity.').optional(),
    gpu: z.int().min(0).max(64).optional().describe('Predicted whole GPUs per subtask.'),
    hardware: z.enum(['gpu', 'cpu']).optional().describe('Recommended node class: gpu or cpu.'),
    confidence: z.number().min(0).max(1).optional().describe('Confidence of the prediction, 0 to 1.'),
    source: z
      .enum(PREDICTION_SOURCES)
      .optional()
      .describe('Which tier answered: model (the trained regression), statistics (averages of similar finished subtasks) or default (built-in guesses).'),
  })
  .describe('What the predictor expected of each subtask when the task was split.');

const orchestratedTaskStatusShape = z
  .object({
    phase: z
      .enum(TASK_PHASES)
      .optional()
      .describe('Where the task is: Pending, Splitting (creating subtasks), InProgress, Merging, then Completed, Failed or Cancelled.'),
    completionPercentage: z.int().min(0).max(100).optional().describe('Finished subtasks (completed, failed or cancelled) as a whole percentage of all subtasks, 0 to 100.'),
    subtasks: z
      .object({
        total: subtaskCount('All subtasks of the task.'),
        pending: subtaskCount('Subtasks waiting for a node.'),
        assigned: subtaskCount('Subtasks bound to a node whose pod has not started.'),
        running: subtaskCount('Subtasks whose pod runs.'),
        completed: subtaskCount('Subtasks that succeeded.'),
        failed: subtaskCount('Subtasks that failed after all retries.'),
        cancelled: subtaskCount('Subtasks that were cancelled.'),
      })
      .optional()
      .describe('Subtask counts by phase.'),
    subtasksSummary: z
      .string()
      .max(32)
      .regex(/^[0-9]+\/[0-9]+$/)
      .optional()
      .describe('"completed/total" for the SUBTASKS printer column, e.g. 3/8; set by the controller.'),
    prediction: predictionSchema.optional(),
    result: freeFormValue('The merged result (bounded in size); a larger one goes to resultRef instead.').optional(),
    resultRef: resultRefSchema.optional(),
    message: z.string().max(32768).optional().describe('Human-readable detail of the current phase, e.g. why the task failed.'),
    startTime: timestamp('When the first subtask started.').optional(),
    completionTime: timestamp('When the task reached Completed, Failed or Cancelled.').optional(),
    observedGeneration: z.int().min(0).optional().describe('metadata.generation the controller last acted on.'),
    conditions: conditionsSchema.optional().describe(
      'Complete (True once Completed) and Failed (True once Failed, the reason saying why: SubtaskFailed, DeadlineExceeded, SplitFailed, MergeFailed, NoSubtaskSucceeded, TooFewSucceeded), as batch/v1 Job, so `kubectl wait --for=condition=Complete` works; Progressing (True while Splitting, InProgress or Merging). See docs/conditions.md.',
    ),
  })
  .describe('What the operator observed and did; written by the controller.');

export const orchestratedTaskStatusSchema = withRules(orchestratedTaskStatusShape, [resultOrReferenceRule()]);
export type OrchestratedTaskStatus = z.output<typeof orchestratedTaskStatusSchema>;

// ---------------------------------------------------------------------------------------------
// The object.

export const orchestratedTaskSchema = z
  .object({
    ...typeMeta('OrchestratedTask'),
    metadata: objectMetaSchema,
    spec: orchestratedTaskSpecSchema,
    status: orchestratedTaskStatusSchema.optional(),
  })
  .describe(
    'A distributed test or benchmark workload: the operator splits it into Subtasks by spec.strategy, places each on a fitting GPU or CPU node, retries failures and merges the results into status.',
  );
export type OrchestratedTask = z.output<typeof orchestratedTaskSchema>;
export type OrchestratedTaskInput = z.input<typeof orchestratedTaskSchema>;
