// What the autoscaler decides from (per pool) and what it decides (pure data).

export type ScalingAction = 'scale_up' | 'scale_down' | 'maintain';

export interface Amounts {
  cpu: number;
  memoryBytes: number;
  gpu: number;
}

export interface PoolNodeState {
  name: string;
  ready: boolean;
  allocatable: Amounts;
  requested: Amounts;
  /** Subtask pods of ours on it now (a node with any is never removed). */
  ourPods: number;
  /** Seconds since it last ran one of our pods (or since it joined). */
  idleSeconds: number;
  /** Cordoned by the autoscaler for removal. */
  draining?: boolean;
}

export interface PoolState {
  name: string;
  hardware: 'cpu' | 'gpu' | 'memory';
  gpuProduct?: string;
  provider: 'kwok' | 'static' | 'aws' | 'gcp';
  /** Capacity of one new node. */
  nodeShape: Amounts;
  minNodes: number;
  maxNodes: number;
  costPerNodeHour: number;
  maxCostPerHour?: number;
  scaling: {
    targetUtilization: number;
    scaleUpThreshold: number;
    scaleDownThreshold: number;
    cooldownSeconds: number;
    scaleDownIdleSeconds: number;
    predictive: boolean;
    horizonSeconds: number;
  };
  nodes: PoolNodeState[];
  /** Instances launched but not yet registered as nodes. */
  pendingLaunches: number;
  /** When the last scale_up or scale_down was carried out (seconds on the decision clock). */
  lastScaleAt?: number;
  /** Which way that last action went. */
  lastScaleAction?: 'scale_up' | 'scale_down';
  /** Seconds a launched node takes to be ready, as observed. Omitted: 0 (joining nodes count as there). */
  launchSeconds?: number;
}

/** Work waiting for a node of this pool's kind (from the scheduler's pending demand). */
export interface PendingWork {
  subtasks: number;
  total: Amounts;
  /** The largest single request: a node smaller than this helps none of it. */
  largest: Amounts;
}

/**
 * Work the predictor expects to arrive or remain within the horizon, in resource-seconds: the
 * remaining time of running subtasks and the predicted time of queued ones, each times its
 * request (plus any arrivals it expects).
 */
export interface PredictedWork {
  cpuSeconds: number;
  gpuSeconds: number;
  memoryByteSeconds: number;
  /**
   * The most of each resource this work could use at once (e.g. the requests of the subtasks it
   * expects, summed). Omitted: what runs and is pending now, so the pool is never sized beyond
   * what the known work can fill.
   */
  concurrency?: Partial<Amounts>;
  /**
   * The subtasks running on the pool now, each with its request and predicted remaining seconds,
   * when the caller has them: when capacity frees up, so pending work that running work will
   * make room for soon does not launch a node. Omitted: only the totals above are used.
   */
  running?: ReadonlyArray<{
    request: Amounts;
    remainingSeconds: number;
    /** The node it runs on, when known: its request frees there (queuedStarts packs node by node). */
    node?: string;
  }>;
  /**
   * Resources requested per second by the subtasks that arrived for the pool recently (averaged
   * over the last horizonSeconds + scaleDownIdleSeconds): what new work is likely to ask for
   * before a node removed now would have paid off. Omitted: no arrivals are expected.
   */
  arrivingPerSecond?: Amounts;
  /**
   * Per resource, the most one task (all its subtasks together) that arrived for the pool within
   * the last horizonSeconds asked for: the size of the recent arrivals, which a rate does not
   * tell. With it (and `running`), the first removal after a scale-up keeps room for such a task,
   * and the pool counts as busy by what will still run a launch from now (detailedDecision).
   * Omitted: neither. The WorkerPool controller (predicted-work.ts) and the simulator give it.
   */
  largestArrival?: Amounts;
  /** The pending subtasks of `pending`, in queue order, each with its predicted seconds (with `running`). */
  queued?: ReadonlyArray<{ request: Amounts; seconds: number }>;
}

export interface ScalingDecision {
  action: ScalingAction;
  reason: string;
  /** Nodes to add (scale_up) or remove (scale_down); 0 for maintain. */
  count: number;
  /** scale_down: which nodes, chosen among idle ones without our pods. */
  nodeNames: string[];
  /** scale_up: what each new node must offer. */
  requirements: Partial<Amounts> & { gpuProduct?: string };
  workerType: 'cpu' | 'gpu' | 'memory';
  provider: PoolState['provider'];
  predictedDemand: Partial<Amounts> & { subtasks?: number };
  /** Seconds on the decision clock. */
  time: number;
}
