// WorkerPool: a group of labeled nodes of one hardware class, provided by kwok (simulated),
// static (existing nodes), AWS or GCP, and grown or shrunk by the autoscaler within bounds.
import { z } from 'zod';
import {
  conditionsSchema,
  defaultedToFieldDefaults,
  freeFormObject,
  labelKey,
  labelMap,
  labelValue,
  objectMetaSchema,
  objectName,
  quantity,
  secretRefSchema,
  timestamp,
  typeMeta,
  type KindNames,
} from './common.js';
import { keyedList, scalarSet, withRules, type CrossFieldRule, type TransitionRule } from './validation.js';

export const PLACEMENT_POLICIES = ['binpack', 'spread'] as const;
export type PlacementPolicy = (typeof PLACEMENT_POLICIES)[number];

export const workerPoolNames: KindNames = {
  kind: 'WorkerPool',
  listKind: 'WorkerPoolList',
  plural: 'workerpools',
  singular: 'workerpool',
  shortNames: ['wp'],
  scope: 'Cluster',
};

export const POOL_HARDWARE_TYPES = ['gpu', 'cpu', 'memory'] as const;
export type PoolHardwareType = (typeof POOL_HARDWARE_TYPES)[number];
export const PROVIDERS = ['kwok', 'static', 'aws', 'gcp'] as const;
export type ProviderName = (typeof PROVIDERS)[number];
export const SCALING_ACTIONS = ['scaleUp', 'scaleDown', 'maintain'] as const;
export type ScalingAction = (typeof SCALING_ACTIONS)[number];
export const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'] as const;
export const MAX_POOL_NODES = 1000;
export const MAX_DECISIONS = 20;

// ---------------------------------------------------------------------------------------------
// Hardware.

const poolHardwareShape = z
  .object({
    type: z
      .enum(POOL_HARDWARE_TYPES)
      .default('cpu')
      .describe('Hardware class of the pool\'s nodes, put on each as the label drm.dtf.io/hardware: gpu, cpu or memory (memory-optimised). Default cpu.'),
    gpuProduct: labelValue('GPU model of the nodes, e.g. NVIDIA-A10G; put on (kwok) or expected on the nodes as nvidia.com/gpu.product. Only for gpu pools.').min(1).optional(),
    gpuCount: z.int().min(1).max(16).optional().describe('GPUs per node (nvidia.com/gpu). Only for gpu pools.'),
    gpuMemoryMiB: z.int().min(1).max(1048576).optional().describe('Memory per GPU in MiB, as the label nvidia.com/gpu.memory. Only for gpu pools.'),
  })
  .describe('What kind of nodes the pool holds.');

function gpuPoolOnly(field: 'gpuProduct' | 'gpuCount' | 'gpuMemoryMiB'): CrossFieldRule<z.output<typeof poolHardwareShape>> {
  return {
    cel: `self.type == 'gpu' || !has(self.${field})`,
    message: `${field} is only allowed with hardware type gpu`,
    fieldPath: `.${field}`,
    reason: 'FieldValueForbidden',
    holds: (hardware) => hardware.type === 'gpu' || hardware[field] === undefined,
  };
}

const poolHardwareSchema = withRules(poolHardwareShape, [gpuPoolOnly('gpuProduct'), gpuPoolOnly('gpuCount'), gpuPoolOnly('gpuMemoryMiB')]);
export type PoolHardware = z.output<typeof poolHardwareSchema>;

// ---------------------------------------------------------------------------------------------
// Providers.

const kwokProviderSchema = z
  .object({
    node: z
      .object({
        cpu: quantity('Allocatable CPU of each simulated node, a Kubernetes quantity, e.g. "32".'),
        memory: quantity('Allocatable memory of each simulated node, a Kubernetes quantity, e.g. 128Gi.'),
        gpu: z.int().min(0).max(16).optional().describe('nvidia.com/gpu of each simulated node; more than 0 only (and required) for gpu pools.'),
        pods: z.int().min(1).max(1000).default(110).describe('Pod capacity of each simulated node. Default 110.'),
      })
      .describe('Capacity of each simulated node.'),
  })
  .describe('Simulated nodes managed by kwok: the local default. Nodes are created and deleted by the autoscaler.');

const staticProviderSchema = z
  .object({
    nodeSelector: labelMap('Labels selecting the existing nodes that form the pool; at least one.').refine((labels) => Object.keys(labels).length > 0, {
      message: 'nodeSelector needs at least one label',
    }).meta({ minProperties: 1 }),
  })
  .describe('Existing nodes selected by label; never scaled (minNodes and maxNodes are ignored).');

const awsLaunchTemplateSchema = withRules(
  z
    .object({
      name: z
        .string()
        .min(3)
        .max(128)
        .regex(/^[a-zA-Z0-9().\-/_]+$/)
        .optional()
        .describe('Name of the EC2 launch template.'),
      id: z
        .string()
        .max(64)
        .regex(/^lt-[0-9a-f]+$/)
        .optional()
        .describe('ID of the EC2 launch template, e.g. lt-0abc123.'),
      version: z
        .string()
        .max(32)
        .regex(/^(\$Latest|\$Default|[1-9][0-9]*)$/)
        .default('$Latest')
        .describe('Version of the launch template: $Latest (default), $Default or a version number.'),
    })
    .describe('EC2 launch template for new instances: exactly one of name or id.'),
  [
    {
      cel: 'has(self.name) != has(self.id)',
      message: 'launchTemplate takes exactly one of name or id',
      fieldPath: '.name',
      reason: 'FieldValueInvalid',
      holds: (template) => (template.name === undefined) !== (template.id === undefined),
    },
  ],
);

const awsProviderSchema = withRules(
  z
    .object({
      region: z
        .string()
        .max(32)
        .regex(/^[a-z]{2}(-[a-z]+)+-[0-9]+$/)
        .describe('AWS region, e.g. us-west-2.'),
      instanceTypes: scalarSet(
        z
          .string()
          .max(64)
          .regex(/^[a-z0-9-]+\.[a-z0-9-]+$/)
          .describe('An EC2 instance type.'),
        { minItems: 1, maxItems: 20 },
      )
        .optional()
        .describe('EC2 instance types to launch, in order of preference, e.g. [g5.xlarge]; overrides the launch template\'s type. This or launchTemplate is required.'),
      launchTemplate: awsLaunchTemplateSchema.optional(),
      subnetIds: scalarSet(
        z
          .string()
          .max(64)
          .regex(/^subnet-[0-9a-z]+$/)
          .describe('A subnet ID.'),
        { maxItems: 16 },
      )
        .optional()
        .describe('Subnets to launch into (at most 16); omitted: the launch template\'s.'),
      spot: z.boolean().default(false).describe('Launch spot instances (cheaper, may be reclaimed). Default false.'),
      credentialsSecretRef: secretRefSchema
        .optional()
        .describe('Secret with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; omitted: the operator\'s own identity (IRSA or instance profile).'),
    })
    .describe('EC2 instances launched and terminated by the autoscaler.'),
  [
    {
      cel: 'has(self.launchTemplate) || has(self.instanceTypes)',
      message: 'aws needs instanceTypes or a launchTemplate',
      fieldPath: '.instanceTypes',
      reason: 'FieldValueRequired',
      holds: (aws) => aws.launchTemplate !== undefined || aws.instanceTypes !== undefined,
    },
  ],
);

const gcpProviderSchema = z
  .object({
    project: z
      .string()
      .max(30)
      .regex(/^[a-z][-a-z0-9]{4,28}[a-z0-9]$/)
      .describe('GCP project ID.'),
    zone: z
      .string()
      .max(64)
      .regex(/^[a-z]+-[a-z]+[0-9]+-[a-z]$/)
      .describe('Zone of the managed instance group, e.g. us-central1-a.'),
    instanceGroupManager: z
      .string()
      .max(63)
      .regex(/^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/)
      .describe('Name of the zonal managed instance group whose target size the autoscaler sets.'),
    machineType: z
      .string()
      .max(64)
      .regex(/^[a-z0-9-]+$/)
      .optional()
      .describe('Machine type of the group\'s template, e.g. g2-standard-4; informational, used for cost and capacity estimates.'),
    acceleratorType: z
      .string()
      .max(64)
      .regex(/^[a-z0-9-]+$/)
      .optional()
      .describe('GPU type attached to each instance, e.g. nvidia-l4. Only for gpu pools.'),
    acceleratorCount: z.int().min(1).max(16).optional().describe('GPUs attached to each instance. Only for gpu pools.'),
    spot: z.boolean().default(false).describe('The group uses Spot VMs. Default false.'),
    credentialsSecretRef: secretRefSchema
      .optional()
      .describe('Secret with a service-account key under key.json; omitted: the operator\'s own identity (Workload Identity).'),
  })
  .describe('A GCP managed instance group resized by the autoscaler.');

const providerSchema = z
  .object({
    kwok: kwokProviderSchema.optional(),
    static: staticProviderSchema.optional(),
    aws: awsProviderSchema.optional(),
    gcp: gcpProviderSchema.optional(),
  })
  .describe('Where the nodes come from: exactly one of kwok, static, aws or gcp; which one is immutable.');
export type Provider = z.output<typeof providerSchema>;

/** The one provider a (valid) pool names. */
export function providerOf(provider: Provider): ProviderName | undefined {
  return PROVIDERS.find((name) => provider[name] !== undefined);
}

// ---------------------------------------------------------------------------------------------
// Scaling.

const scalingShape = z
  .object({
    targetUtilization: z
      .number()
      .min(0)
      .max(1)
      .default(0.7)
      .describe('Utilization (0 to 1, the highest of cpu, memory and gpu requested over allocatable) the autoscaler sizes the pool for; between scaleDownThreshold and scaleUpThreshold. Default 0.7.'),
    scaleUpThreshold: z.number().min(0).max(1).default(0.85).describe('Utilization above which the pool grows (or pending demand exists). Default 0.85.'),
    scaleDownThreshold: z.number().min(0).max(1).default(0.3).describe('Utilization below which the pool may shrink; less than scaleUpThreshold. Default 0.3.'),
    intervalSeconds: z.int().min(5).max(3600).default(30).describe('Seconds between scaling evaluations. Default 30.'),
    cooldownSeconds: z.int().min(0).max(86400).default(300).describe('Seconds after a scaling action before the next one. Default 300.'),
    scaleDownIdleSeconds: z.int().min(0).max(86400).default(600).describe('Seconds a node must be idle before it is removed where only totals of the predicted work are known; with per-subtask predictions (as the WorkerPool controller gives) the predictive policy removes idle nodes once utilization is below scaleDownThreshold, and this with horizonSeconds is the window over which the recent arrival rate is averaged. Default 600.'),
    predictive: z.boolean().default(true).describe('Also scale for work the predictor expects (queued subtasks and their predicted duration), not only current utilization. Default true.'),
    horizonSeconds: z.int().min(0).max(86400).default(600).describe('How far ahead predictive scaling looks, in seconds. Default 600.'),
  })
  .describe('When and how far the autoscaler grows or shrinks the pool.');

const scalingSchema = withRules(scalingShape, [
  {
    cel: 'self.scaleDownThreshold < self.scaleUpThreshold',
    message: 'scaleDownThreshold must be less than scaleUpThreshold',
    fieldPath: '.scaleDownThreshold',
    reason: 'FieldValueInvalid',
    holds: (scaling) => scaling.scaleDownThreshold < scaling.scaleUpThreshold,
  },
  {
    cel: 'self.scaleDownThreshold <= self.targetUtilization && self.targetUtilization <= self.scaleUpThreshold',
    message: 'targetUtilization must lie between scaleDownThreshold and scaleUpThreshold',
    fieldPath: '.targetUtilization',
    reason: 'FieldValueInvalid',
    holds: (scaling) => scaling.scaleDownThreshold <= scaling.targetUtilization && scaling.targetUtilization <= scaling.scaleUpThreshold,
  },
]);
export type Scaling = z.output<typeof scalingSchema>;

// ---------------------------------------------------------------------------------------------
// Node lifecycle (cloud pools): registration and drains.

export const DEFAULT_REGISTRATION_TIMEOUT_SECONDS = 600;
export const DEFAULT_DRAIN_TIMEOUT_SECONDS = 600;

const lifecycleSchema = z
  .object({
    registrationTimeoutSeconds: z
      .int()
      .min(5)
      .max(86400)
      .default(DEFAULT_REGISTRATION_TIMEOUT_SECONDS)
      .describe(`Seconds a launched instance may take to register its Node; one that has not by then is terminated and replaced. Default ${DEFAULT_REGISTRATION_TIMEOUT_SECONDS}.`),
    drainTimeoutSeconds: z
      .int()
      .min(5)
      .max(86400)
      .default(DEFAULT_DRAIN_TIMEOUT_SECONDS)
      .describe(`Seconds a drain before removal may take (evictions refused by a PodDisruptionBudget, pods that must not be disrupted); past it the node is uncordoned and kept, and the reason is put in status. Default ${DEFAULT_DRAIN_TIMEOUT_SECONDS}.`),
  })
  .describe('How the pool\'s nodes join and leave: registration and drain timeouts (aws and gcp pools).');
export type Lifecycle = z.output<typeof lifecycleSchema>;

// ---------------------------------------------------------------------------------------------
// Spec.

const taintSchema = z
  .object({
    key: labelKey('Taint key, a label key such as nvidia.com/gpu or dedicated.'),
    value: labelValue('Taint value; may be omitted.').optional(),
    effect: z.enum(TAINT_EFFECTS).describe('NoSchedule, PreferNoSchedule or NoExecute.'),
  })
  .describe('A taint put on every node of the pool; subtasks of this pool tolerate it.');

const workerPoolSpecShape = z
  .object({
    hardware: defaultedToFieldDefaults(poolHardwareSchema).describe('What kind of nodes the pool holds; type immutable. Default type cpu.'),
    nodeLabels: labelMap('Labels put on every node of the pool (besides drm.dtf.io/pool and drm.dtf.io/hardware); OrchestratedTask poolSelectors match pools by the pool\'s own labels.').optional(),
    taints: keyedList(taintSchema, ['key', 'effect'], { maxItems: 32 })
      .optional()
      .describe('Taints put on every node of the pool (at most 32, unique key and effect).'),
    provider: providerSchema,
    minNodes: z.int().min(0).max(MAX_POOL_NODES).default(0).describe(`Fewest nodes the autoscaler keeps, 0 to ${MAX_POOL_NODES}; not more than maxNodes. Default 0.`),
    maxNodes: z.int().min(0).max(MAX_POOL_NODES).default(10).describe(`Most nodes the autoscaler creates, 0 to ${MAX_POOL_NODES}. Default 10.`),
    costPerNodeHour: z.number().min(0).max(10000).optional().describe('Price of one node per hour in USD, for cost reporting and maxCostPerHour. Omitted: 0 (kwok, static).'),
    maxCostPerHour: z
      .number()
      .min(0)
      .max(10_000_000)
      .optional()
      .describe('Cap on the pool\'s cost per hour in USD; the autoscaler never grows the pool past it. Must allow minNodes. Omitted: no cap.'),
    placementPolicy: z
      .enum(PLACEMENT_POLICIES)
      .optional()
      .describe('How the scheduler fills the pool\'s nodes: binpack (fullest node that fits first, so idle nodes can be removed) or spread (emptiest first, for isolation and headroom). Omitted: the operator\'s --placement-policy.'),
    scaling: defaultedToFieldDefaults(scalingSchema).describe('When and how far the autoscaler grows or shrinks the pool; every field has a default.'),
    lifecycle: defaultedToFieldDefaults(lifecycleSchema).describe('How the pool\'s nodes join and leave; every field has a default.'),
  })
  .describe('The desired pool: node hardware, labels, provider, size bounds, cost caps and scaling policy.');

type WorkerPoolSpecShape = z.output<typeof workerPoolSpecShape>;

function gpuOnlyProviderField(path: string, present: (spec: WorkerPoolSpecShape) => boolean, celPresent: string, what: string): CrossFieldRule<WorkerPoolSpecShape> {
  return {
    cel: `self.hardware.type == 'gpu' || !(${celPresent})`,
    message: `${what} is only allowed with hardware type gpu`,
    fieldPath: path,
    reason: 'FieldValueForbidden',
    holds: (spec) => spec.hardware.type === 'gpu' || !present(spec),
  };
}

const PROVIDER_COUNT_CEL = PROVIDERS.map((name) => `(has(self.provider.${name}) ? 1 : 0)`).join(' + ');

export const workerPoolSpecRules: ReadonlyArray<CrossFieldRule<WorkerPoolSpecShape>> = [
  {
    cel: `${PROVIDER_COUNT_CEL} >= 1`,
    message: 'provider needs one of kwok, static, aws or gcp',
    fieldPath: '.provider',
    reason: 'FieldValueRequired',
    holds: (spec) => PROVIDERS.some((name) => spec.provider[name] !== undefined),
  },
  {
    cel: `${PROVIDER_COUNT_CEL} <= 1`,
    message: 'provider takes exactly one of kwok, static, aws or gcp',
    fieldPath: '.provider',
    reason: 'FieldValueInvalid',
    holds: (spec) => PROVIDERS.filter((name) => spec.provider[name] !== undefined).length <= 1,
  },
  {
    cel: 'self.minNodes <= self.maxNodes',
    message: 'minNodes must not exceed maxNodes',
    fieldPath: '.minNodes',
    reason: 'FieldValueInvalid',
    holds: (spec) => spec.minNodes <= spec.maxNodes,
  },
  {
    cel: '!has(self.maxCostPerHour) || !has(self.costPerNodeHour) || double(self.minNodes) * self.costPerNodeHour <= self.maxCostPerHour',
    message: 'maxCostPerHour must allow minNodes × costPerNodeHour',
    fieldPath: '.maxCostPerHour',
    reason: 'FieldValueInvalid',
    holds: (spec) => spec.maxCostPerHour === undefined || spec.costPerNodeHour === undefined || spec.minNodes * spec.costPerNodeHour <= spec.maxCostPerHour,
  },
  gpuOnlyProviderField(
    '.provider.kwok.node.gpu',
    (spec) => (spec.provider.kwok?.node.gpu ?? 0) > 0,
    'has(self.provider.kwok) && has(self.provider.kwok.node.gpu) && self.provider.kwok.node.gpu > 0',
    'provider.kwok.node.gpu greater than 0',
  ),
  {
    cel: "self.hardware.type != 'gpu' || !has(self.provider.kwok) || (has(self.provider.kwok.node.gpu) && self.provider.kwok.node.gpu > 0)",
    message: 'provider.kwok.node.gpu must be at least 1 for a gpu pool',
    fieldPath: '.provider.kwok.node.gpu',
    reason: 'FieldValueRequired',
    holds: (spec) => spec.hardware.type !== 'gpu' || spec.provider.kwok === undefined || (spec.provider.kwok.node.gpu ?? 0) > 0,
  },
  gpuOnlyProviderField(
    '.provider.gcp.acceleratorType',
    (spec) => spec.provider.gcp?.acceleratorType !== undefined,
    'has(self.provider.gcp) && has(self.provider.gcp.acceleratorType)',
    'provider.gcp.acceleratorType',
  ),
  gpuOnlyProviderField(
    '.provider.gcp.acceleratorCount',
    (spec) => spec.provider.gcp?.acceleratorCount !== undefined,
    'has(self.provider.gcp) && has(self.provider.gcp.acceleratorCount)',
    'provider.gcp.acceleratorCount',
  ),
];

/** A pool cannot change where its nodes come from or what they are; create another pool instead. */
export const workerPoolSpecTransitionRules: ReadonlyArray<TransitionRule<WorkerPoolSpecShape>> = [
  {
    cel: PROVIDERS.map((name) => `has(self.provider.${name}) == has(oldSelf.provider.${name})`).join(' && '),
    message: 'the provider (kwok, static, aws or gcp) is immutable: create a new pool instead',
    fieldPath: '.provider',
    reason: 'FieldValueForbidden',
    holds: (spec, oldSpec) => providerOf(spec.provider) === providerOf(oldSpec.provider),
  },
  {
    cel: 'self.hardware.type == oldSelf.hardware.type',
    message: 'hardware.type is immutable: create a new pool instead',
    fieldPath: '.hardware.type',
    reason: 'FieldValueForbidden',
    holds: (spec, oldSpec) => spec.hardware.type === oldSpec.hardware.type,
  },
];

export const workerPoolSpecSchema = withRules(workerPoolSpecShape, workerPoolSpecRules, workerPoolSpecTransitionRules);
export type WorkerPoolSpec = z.output<typeof workerPoolSpecSchema>;
export type WorkerPoolSpecInput = z.input<typeof workerPoolSpecSchema>;

// ---------------------------------------------------------------------------------------------
// Status.

const utilizationShare = (resource: string) =>
  z.number().min(0).max(1).optional().describe(`Requested ${resource} over allocatable ${resource} across the pool's ready nodes, 0 to 1.`);

const scalingDecisionSchema = z
  .object({
    action: z.enum(SCALING_ACTIONS).describe('What the autoscaler decided: scaleUp, scaleDown or maintain.'),
    reason: z.string().max(1024).optional().describe('Why, for humans, e.g. "4 pending subtasks need gpu; utilization 0.91 > 0.85".'),
    count: z.int().min(0).max(MAX_POOL_NODES).optional().describe('Nodes added (scaleUp) or removed (scaleDown).'),
    nodeNames: scalarSet(objectName('A node name.'), { maxItems: 100 })
      .optional()
      .describe('Nodes created or chosen for removal (at most 100).'),
    requirements: freeFormObject('Resources the pending and predicted work needs, as the autoscaler summed them.').optional(),
    workerType: z.enum(POOL_HARDWARE_TYPES).optional().describe('Hardware class the decision is about.'),
    provider: z.enum(PROVIDERS).optional().describe('Provider that carried it out.'),
    predictedDemand: freeFormObject('The predictor\'s expected demand over the horizon that informed the decision.').optional(),
    time: timestamp('When the decision was made.').optional(),
  })
  .describe('One scaling decision; each is also recorded as an Event on the pool.');
export type ScalingDecision = z.output<typeof scalingDecisionSchema>;

export const MAX_LIFECYCLE_EVENTS = 20;
export const MAX_DRAINING = 100;

const lifecycleEventSchema = z
  .object({
    time: timestamp('When it happened.'),
    reason: z.string().min(1).max(64).regex(/^[A-Za-z][A-Za-z0-9]*$/).describe('What happened, e.g. RegistrationTimeout, InstanceInterrupted, NodeRemoved, DrainGaveUp, Drained; also the reason of its Event.'),
    message: z.string().max(1024).describe('The details, for humans.'),
  })
  .describe('Something that happened to one of the pool\'s nodes or instances.');
export type LifecycleEvent = z.output<typeof lifecycleEventSchema>;

export const workerPoolStatusSchema = z
  .object({
    provider: z.enum(PROVIDERS).optional().describe('Which provider the pool uses (kwok, static, aws or gcp), for the PROVIDER printer column; set by the controller.'),
    nodes: z.int().min(0).max(100_000).optional().describe('Nodes currently in the pool.'),
    readyNodes: z.int().min(0).max(100_000).optional().describe('Nodes of the pool that are Ready.'),
    desiredNodes: z.int().min(0).max(100_000).optional().describe('Nodes the autoscaler wants.'),
    utilization: z
      .object({
        cpu: utilizationShare('CPU'),
        memory: utilizationShare('memory'),
        gpu: utilizationShare('GPUs'),
      })
      .optional()
      .describe('Share of allocatable resources requested by pods on the pool\'s nodes.'),
    utilizationSummary: z.string().max(64).optional().describe('Utilization as text for the UTIL printer column, e.g. "cpu 45% mem 30% gpu 80%"; set by the controller.'),
    costPerHour: z.number().min(0).max(10_000_000).optional().describe('Current cost of the pool in USD per hour (nodes × costPerNodeHour).'),
    nodeShape: z
      .object({
        cpu: z.number().min(0).max(100_000).describe('CPU cores of one new node.'),
        memoryMiB: z.int().min(0).max(1_000_000_000).describe('Memory of one new node in MiB (an estimate of allocatable).'),
        gpu: z.int().min(0).max(64).describe('GPUs of one new node.'),
        source: z.string().max(256).describe('Where the shape comes from, e.g. "m5.large (EC2 DescribeInstanceTypes)".'),
      })
      .optional()
      .describe('The size of one new node, as the provider says; what a pool at 0 nodes scales up for.'),
    draining: z
      .array(
        z
          .object({
            node: objectName('The node being drained.'),
            since: timestamp('When the drain began.'),
            message: z.string().max(1024).optional().describe('What the drain waits for, if anything.'),
          })
          .describe('One node being drained before removal.'),
      )
      .max(MAX_DRAINING)
      .optional()
      .describe(`Nodes being drained before removal, and what each waits for (at most ${MAX_DRAINING}).`),
    lifecycle: z
      .array(lifecycleEventSchema)
      .max(MAX_LIFECYCLE_EVENTS)
      .optional()
      .describe(`The last node lifecycle happenings (registration timeouts, interruptions, drains given up, nodes removed), oldest first (at most ${MAX_LIFECYCLE_EVENTS}).`),
    lastDecision: scalingDecisionSchema.optional(),
    decisions: z
      .array(scalingDecisionSchema)
      .max(MAX_DECISIONS)
      .optional()
      .describe(`The last scaling decisions, oldest first (at most ${MAX_DECISIONS}).`),
    message: z.string().max(32768).optional().describe('Human-readable detail, e.g. a provider error.'),
    observedGeneration: z.int().min(0).optional().describe('metadata.generation the controller last acted on.'),
    conditions: conditionsSchema.optional().describe(
      'Ready (every provider call working and as many ready nodes as desired) and ScalingActive (the provider scales the pool and answers; False for static pools). See docs/conditions.md.',
    ),
  })
  .describe('What the pool looks like and what the autoscaler did; written by the controller.');
export type WorkerPoolStatus = z.output<typeof workerPoolStatusSchema>;

export const workerPoolSchema = z
  .object({
    ...typeMeta('WorkerPool'),
    metadata: objectMetaSchema,
    spec: workerPoolSpecSchema,
    status: workerPoolStatusSchema.optional(),
  })
  .describe(
    'A cluster-wide group of labeled nodes of one hardware class (gpu, cpu or memory) from one provider (kwok, static, aws or gcp), grown and shrunk by the autoscaler from utilization, pending and predicted demand.',
  );
export type WorkerPool = z.output<typeof workerPoolSchema>;
export type WorkerPoolInput = z.input<typeof workerPoolSchema>;

