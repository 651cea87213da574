// Pieces shared by the three kinds: identifiers, Kubernetes quantities and names, free-form
// JSON, hardware and resource requests, the worker container, retries, conditions, metadata.
import { z } from 'zod';
import { keyedList, withRules, type CrossFieldRule } from './validation.js';

export const API_GROUP = 'drm.dtf.io';
export const API_VERSION = 'v1alpha1';
export const GROUP_VERSION = `${API_GROUP}/${API_VERSION}`;
/** The category of all three kinds: `kubectl get drm` lists them together. */
export const API_CATEGORY = 'drm';

/** What the operator's Kubernetes client needs to address a kind. */
export interface KindNames {
  kind: string;
  listKind: string;
  plural: string;
  singular: string;
  shortNames: string[];
  scope: 'Namespaced' | 'Cluster';
}

// ---------------------------------------------------------------------------------------------
// Kubernetes quantities ("500m", "4Gi", 2), int-or-string as in core Kubernetes.

/** The apiextensions Quantity pattern: what `resource.Quantity` accepts as a string. */
export const QUANTITY_PATTERN =
  '^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$';
/** The same pattern without a minus sign: cpu, memory and capacities are never negative. */
export const NON_NEGATIVE_QUANTITY_PATTERN = QUANTITY_PATTERN.replace('^(\\+|-)?', '^\\+?');

/**
 * A non-negative Kubernetes quantity: an integer, or a string such as "500m", "1.5", "4Gi".
 * The CRD generator turns the union into `x-kubernetes-int-or-string` with the pattern hoisted.
 */
export function quantity(description: string) {
  return z
    .union([z.int().min(0), z.string().max(64).regex(new RegExp(NON_NEGATIVE_QUANTITY_PATTERN))])
    .meta({ 'x-kubernetes-int-or-string': true })
    .describe(description);
}
export type Quantity = z.output<ReturnType<typeof quantity>>;

// ---------------------------------------------------------------------------------------------
// Names and labels, validated wherever they are used as references.

export const DNS1123_LABEL_PATTERN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';
export const DNS1123_SUBDOMAIN_PATTERN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';
export const CONFIG_MAP_KEY_PATTERN = '^[-._a-zA-Z0-9]+$';
export const LABEL_VALUE_PATTERN = '^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$';
/** `[prefix/]name`: prefix a DNS subdomain, name at most 63 characters. */
export const LABEL_KEY_PATTERN =
  '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$';
export const LABEL_KEY_MAX_LENGTH = 317;
export const MAX_LABELS = 64;

/** A DNS-1123 label (lowercase alphanumerics and '-', at most 63): names that end up in object names and labels. */
export function dnsLabel(description: string) {
  return z.string().min(1).max(63).regex(new RegExp(DNS1123_LABEL_PATTERN)).describe(description);
}

/** A DNS-1123 subdomain (at most 253): the name of a Kubernetes object such as a ConfigMap, Secret or Node. */
export function objectName(description: string) {
  return z.string().min(1).max(253).regex(new RegExp(DNS1123_SUBDOMAIN_PATTERN)).describe(description);
}

export function configMapKey(description: string) {
  return z.string().min(1).max(253).regex(new RegExp(CONFIG_MAP_KEY_PATTERN)).describe(description);
}

export function labelKey(description: string) {
  return z.string().min(1).max(LABEL_KEY_MAX_LENGTH).regex(new RegExp(LABEL_KEY_PATTERN)).describe(description);
}

export function labelValue(description: string) {
  return z.string().max(63).regex(new RegExp(LABEL_VALUE_PATTERN)).describe(description);
}

/**
 * A map of Kubernetes labels. A CRD schema cannot constrain map keys, so the keys are checked
 * by a CEL rule on the map (bounded: at most 64 keys of at most 317 characters).
 */
export function labelMap(description: string) {
  return z
    .record(labelKey('A label key: an optional DNS-subdomain prefix and "/", then a name of at most 63 characters.'), labelValue('A label value: at most 63 characters, alphanumerics, "-", "_" or "." inside.'))
    .superRefine((labels, ctx) => {
      if (Object.keys(labels).length > MAX_LABELS) {
        ctx.addIssue({ code: 'too_big', origin: 'object', maximum: MAX_LABELS, inclusive: true, message: `at most ${MAX_LABELS} labels`, input: labels });
      }
    })
    .meta({
      maxProperties: MAX_LABELS,
      'x-kubernetes-validations': [
        {
          // A raw CEL string (r'...') keeps the regex's backslashes as they are.
          rule: `self.all(k, k.size() <= ${LABEL_KEY_MAX_LENGTH} && k.matches(r'${LABEL_KEY_PATTERN}'))`,
          message: 'label keys must be an optional DNS-subdomain prefix and "/" followed by a name of at most 63 alphanumerics, "-", "_" or "."',
          reason: 'FieldValueInvalid',
        },
      ],
    })
    .describe(description);
}

// ---------------------------------------------------------------------------------------------
// Free-form JSON: the API server keeps whatever is there (x-kubernetes-preserve-unknown-fields).

export const PRESERVE_UNKNOWN_FIELDS = 'x-kubernetes-preserve-unknown-fields';

/** Any JSON object, kept as given. */
export function freeFormObject(description: string) {
  return z.record(z.string(), z.unknown()).meta({ [PRESERVE_UNKNOWN_FIELDS]: true }).describe(description);
}

/** Any JSON value (object, array, string, number, boolean), kept as given. */
export function freeFormValue(description: string) {
  return z.unknown().meta({ [PRESERVE_UNKNOWN_FIELDS]: true }).describe(description);
}

/**
 * An object that defaults to all of its fields' defaults. The CRD default must be spelled out
 * in full: the API server checks a default against the CEL rules without filling in nested
 * defaults first.
 */
export function defaultedToFieldDefaults<S extends z.ZodType>(schema: S) {
  return schema.default(() => schema.parse({}) as z.util.NoUndefined<z.output<S>>);
}

// ---------------------------------------------------------------------------------------------
// Times.

/** An RFC 3339 timestamp as Kubernetes writes it, e.g. 2025-01-31T12:00:00Z. */
export function timestamp(description: string) {
  return z.iso.datetime({ offset: true }).max(64).describe(description);
}

// ---------------------------------------------------------------------------------------------
// What a subtask runs on: hardware class and resource requests.

export const TASK_HARDWARE_TYPES = ['gpu', 'cpu', 'any'] as const;
export type TaskHardwareType = (typeof TASK_HARDWARE_TYPES)[number];

const taskHardwareShape = z
  .object({
    type: z
      .enum(TASK_HARDWARE_TYPES)
      .default('any')
      .describe('Class of node the subtasks need: gpu (nodes labeled drm.dtf.io/hardware=gpu), cpu, or any (the scheduler picks the best-fitting node of either class). Default any.'),
    gpuProduct: labelValue('GPU model required, matched exactly against the node label nvidia.com/gpu.product, e.g. NVIDIA-H100-80GB-HBM3. Only with type gpu.').min(1).optional(),
    minGpuMemoryMiB: z
      .int()
      .min(1)
      .max(1048576)
      .optional()
      .describe('Minimum memory per GPU in MiB, compared with the node label nvidia.com/gpu.memory. Only with type gpu.'),
  })
  .describe('Which kind of node a subtask may run on.');

export const taskHardwareSchema = withRules(taskHardwareShape, [
  {
    cel: "self.type == 'gpu' || !has(self.gpuProduct)",
    message: 'gpuProduct is only allowed with hardware type gpu',
    fieldPath: '.gpuProduct',
    reason: 'FieldValueForbidden',
    holds: (hardware) => hardware.type === 'gpu' || hardware.gpuProduct === undefined,
  },
  {
    cel: "self.type == 'gpu' || !has(self.minGpuMemoryMiB)",
    message: 'minGpuMemoryMiB is only allowed with hardware type gpu',
    fieldPath: '.minGpuMemoryMiB',
    reason: 'FieldValueForbidden',
    holds: (hardware) => hardware.type === 'gpu' || hardware.minGpuMemoryMiB === undefined,
  },
]);
export type TaskHardware = z.output<typeof taskHardwareSchema>;

export const resourcesSchema = z
  .object({
    cpu: quantity('CPU per subtask as a Kubernetes quantity: "500m" is half a core, 2 or "2" two cores. Omitted: the predictor\'s recommendation.').optional(),
    memory: quantity('Memory per subtask as a Kubernetes quantity in bytes: "512Mi", "4Gi", 1073741824. Omitted: the predictor\'s recommendation.').optional(),
    gpu: z
      .int()
      .min(0)
      .max(64)
      .optional()
      .describe('Whole GPUs per subtask (the nvidia.com/gpu extended resource). More than 0 needs hardware type gpu or any.'),
    ephemeralStorage: quantity('Local scratch disk per subtask (the ephemeral-storage resource) as a quantity in bytes, e.g. "10Gi". Omitted: none requested.').optional(),
  })
  .describe('Resources requested per subtask; fields left out are filled from the predictor\'s recommendation.');
export type Resources = z.output<typeof resourcesSchema>;

/** Fields holding a hardware requirement next to resources: a GPU request cannot go to a CPU-only placement. */
export function gpuNeedsGpuHardwareRule<T extends { hardware?: TaskHardware | undefined; resources?: Resources | undefined }>(where: string) {
  return {
    cel: "!has(self.resources) || !has(self.resources.gpu) || self.resources.gpu == 0 || !has(self.hardware) || self.hardware.type != 'cpu'",
    message: `resources.gpu greater than 0 needs ${where}hardware type gpu or any, not cpu`,
    fieldPath: '.resources.gpu',
    reason: 'FieldValueForbidden' as const,
    holds: (self: T) => !self.resources?.gpu || self.hardware?.type !== 'cpu',
  };
}

// ---------------------------------------------------------------------------------------------
// The worker container.

export const IMAGE_PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'] as const;

const envVarSchema = z
  .object({
    name: z
      .string()
      .min(1)
      .max(256)
      .regex(/^[-._a-zA-Z][-._a-zA-Z0-9]*$/)
      .describe('Environment variable name; letters, digits, "_", "-" and ".", not starting with a digit.'),
    value: z.string().max(32768).optional().describe('Value of the variable; omitted means the empty string.'),
  })
  .describe('An environment variable of the worker container.');

export const workerSchema = z
  .object({
    image: z
      .string()
      .min(1)
      .max(512)
      .regex(/^\S+$/)
      .describe('Container image of the worker, e.g. registry.example.com/bench/worker:1.4. It reads its input and returns its result as docs/worker-contract.md describes.'),
    imagePullPolicy: z.enum(IMAGE_PULL_POLICIES).optional().describe('When the kubelet pulls the image: Always, IfNotPresent or Never. Omitted: the Kubernetes default for the tag.'),
    command: z
      .array(z.string().max(4096).describe('One word of the entrypoint.'))
      .max(64)
      .optional()
      .describe('Entrypoint of the worker container; omitted: the image\'s ENTRYPOINT.'),
    args: z
      .array(z.string().max(4096).describe('One argument.'))
      .max(256)
      .optional()
      .describe('Arguments to the entrypoint; omitted: the image\'s CMD.'),
    env: keyedList(envVarSchema, ['name'], { maxItems: 128 })
      .optional()
      .describe('Extra environment variables (at most 128, unique names); the operator adds its own DRM_* variables.'),
  })
  .describe('A custom worker container running every subtask. Omitted: the built-in worker image, which runs the built-in workload named by taskType.');
export type Worker = z.output<typeof workerSchema>;

// ---------------------------------------------------------------------------------------------
// Retries.

const retryShape = z
  .object({
    maxAttempts: z
      .int()
      .min(1)
      .max(100)
      .default(3)
      .describe('Attempts per subtask, the first included, before the subtask counts as failed. 1 to 100, default 3.'),
    backoffSeconds: z
      .int()
      .min(0)
      .max(86400)
      .default(10)
      .describe('Delay before the second attempt, in seconds; it doubles with every further attempt up to maxBackoffSeconds. Default 10.'),
    maxBackoffSeconds: z
      .int()
      .min(0)
      .max(86400)
      .default(300)
      .describe('Upper bound of the delay between attempts, in seconds; not less than backoffSeconds. Default 300.'),
  })
  .describe('How failed subtasks are retried: exponential backoff from backoffSeconds, capped at maxBackoffSeconds.');

export const retrySchema = withRules(retryShape, [
  {
    cel: 'self.backoffSeconds <= self.maxBackoffSeconds',
    message: 'backoffSeconds must not exceed maxBackoffSeconds',
    fieldPath: '.backoffSeconds',
    reason: 'FieldValueInvalid',
    holds: (retry) => retry.backoffSeconds <= retry.maxBackoffSeconds,
  },
]);
export type Retry = z.output<typeof retrySchema>;

// ---------------------------------------------------------------------------------------------
// References to objects the operator reads or writes.

export const configMapKeyRefSchema = z
  .object({
    name: objectName('Name of the ConfigMap, in the namespace of the object that refers to it.'),
    key: configMapKey('Key in the ConfigMap\'s data whose value is JSON.'),
  })
  .describe('A JSON document stored under one key of a ConfigMap in the same namespace.');
export type ConfigMapKeyRef = z.output<typeof configMapKeyRefSchema>;

export const secretRefSchema = z
  .object({
    name: objectName('Name of the Secret.'),
    namespace: dnsLabel('Namespace of the Secret; omitted: the namespace the operator runs in.').optional(),
  })
  .describe('A Secret holding credentials.');
export type SecretRef = z.output<typeof secretRefSchema>;

// ---------------------------------------------------------------------------------------------
// Conditions, shaped like metav1.Condition.

export const CONDITION_STATUSES = ['True', 'False', 'Unknown'] as const;

const conditionSchema = z
  .object({
    type: z
      .string()
      .min(1)
      .max(316)
      .regex(/^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$/)
      .describe('Type of the condition in CamelCase, e.g. Ready or Progressing.'),
    status: z.enum(CONDITION_STATUSES).describe('Whether the condition holds: True, False or Unknown.'),
    observedGeneration: z
      .int()
      .min(0)
      .optional()
      .describe('metadata.generation of the object when the condition was set; older than the current generation means stale.'),
    lastTransitionTime: timestamp('When the status last changed from one value to another.'),
    reason: z
      .string()
      .min(1)
      .max(1024)
      .regex(/^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/)
      .describe('Why the condition last changed, a CamelCase word for machines.'),
    message: z.string().max(32768).describe('Why the condition last changed, for humans; may be empty.'),
  })
  .describe('One aspect of the object\'s state (metav1.Condition).');
export type Condition = z.output<typeof conditionSchema>;

export const conditionsSchema = keyedList(conditionSchema, ['type'], { maxItems: 16 }).describe(
  'Latest observations of the object\'s state, one per type (at most 16).',
);

// ---------------------------------------------------------------------------------------------
// Object metadata. The API server owns its schema; the CRD carries only `type: object` here.

export const objectMetaSchema = z
  .object({
    name: objectName('Name of the object, unique in its namespace (or cluster-wide for cluster-scoped kinds).').optional(),
    generateName: z.string().max(253).optional().describe('Prefix from which the API server generates a unique name.'),
    namespace: dnsLabel('Namespace of the object; absent for cluster-scoped kinds.').optional(),
    labels: z.record(z.string(), z.string()).optional().describe('Labels of the object.'),
    annotations: z.record(z.string(), z.string()).optional().describe('Annotations of the object.'),
    uid: z.string().max(64).optional().describe('Unique id assigned by the API server.'),
    resourceVersion: z.string().max(64).optional().describe('Version for optimistic concurrency, assigned by the API server.'),
    generation: z.int().min(0).optional().describe('Sequence number of spec changes, assigned by the API server.'),
  })
  .loose()
  .describe('Standard object metadata.');
export type ObjectMeta = z.output<typeof objectMetaSchema>;

/** `apiVersion` and `kind` of an object of this group. */
export function typeMeta<K extends string>(kind: K) {
  return {
    apiVersion: z.literal(GROUP_VERSION).describe(`API version of the object: ${GROUP_VERSION}.`),
    kind: z.literal(kind).describe(`Kind of the object: ${kind}.`),
  };
}

/** Whether `value` is one of `allowed`; a typed `includes` for readonly tuples. */
export function isOneOf<T extends string>(allowed: readonly T[], value: string | undefined): boolean {
  return value !== undefined && (allowed as readonly string[]).includes(value);
}


/** A status holds its result inline or by reference, never both (zod only: CEL cannot see `result`, which has no type). */
export function resultOrReferenceRule<T extends { result?: unknown; resultRef?: unknown }>(): CrossFieldRule<T> {
  return {
    cel: null,
    message: 'status.result and status.resultRef are mutually exclusive',
    fieldPath: '.resultRef',
    reason: 'FieldValueForbidden',
    holds: (status) => status.result === undefined || status.resultRef === undefined,
  };
}
