// The operator's Prometheus metrics, in one registry served at /metrics.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export class OperatorMetrics {
  readonly registry = new Registry();
  readonly placementDecisionSeconds = new Histogram({
    name: 'drm_placement_decision_seconds',
    help: 'Time to choose a node for one subtask pod (feasibility and fitness over all nodes), in seconds.',
    buckets: [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1],
    registers: [this.registry],
  });
  readonly placementLatencySeconds = new Histogram({
    name: 'drm_placement_latency_seconds',
    help: 'Time from a subtask pod being seen unbound to its binding, in seconds (includes waiting for capacity).',
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900],
    registers: [this.registry],
  });
  readonly bindings = new Counter({
    name: 'drm_bindings_total',
    help: 'Bindings of subtask pods to nodes, by result (bound, conflict, gone, error).',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });
  readonly pendingSubtasks = new Gauge({
    name: 'drm_pending_subtasks',
    help: 'Subtask pods that fit on no node right now, by hardware type (gpu, cpu, any).',
    labelNames: ['hardware'] as const,
    registers: [this.registry],
  });
  readonly pendingDemand = new Gauge({
    name: 'drm_pending_demand',
    help: 'Resources requested by unschedulable subtask pods, by hardware type and resource (cpu in cores, memory and ephemeral_storage in bytes, gpu).',
    labelNames: ['hardware', 'resource'] as const,
    registers: [this.registry],
  });
  readonly ledgerEntries = new Gauge({
    name: 'drm_ledger_entries',
    help: 'Entries in the placement ledger, by kind (bound, reserved, held).',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  readonly predictions = new Counter({
    name: 'drm_predictions_total',
    help: 'Predictions answered, by the tier that answered (model, statistics, default).',
    labelNames: ['source'] as const,
    registers: [this.registry],
  });
  readonly unhandledRejections = new Counter({
    name: 'drm_unhandled_rejections_total',
    help: 'Promise rejections nothing handled (logged and ignored; a bug to report, e.g. in a cloud SDK).',
    registers: [this.registry],
  });
  readonly scalingDecisions = new Counter({
    name: 'drm_scaling_decisions_total',
    help: 'Scaling decisions made by the autoscaler, by pool and action (scale_up, scale_down, maintain).',
    labelNames: ['pool', 'action'] as const,
    registers: [this.registry],
  });

  /**
   * Gauges read from the operator's state when scraped (caches, queues, the predictor), so they
   * are never stale and cost nothing between scrapes.
   */
  observe(source: ObservedState): void {
    const gauge = (name: string, help: string, labelNames: readonly string[], fill: (set: (labels: Record<string, string>, value: number) => void) => void) =>
      new Gauge({
        name,
        help,
        labelNames,
        registers: [this.registry],
        collect() {
          this.reset();
          fill((labels, value) => this.set(labels, value));
        },
      });
    gauge('drm_tasks', 'OrchestratedTasks by phase.', ['phase'], (set) => {
      for (const [phase, count] of countBy(source.taskPhases())) set({ phase }, count);
    });
    gauge('drm_subtasks', 'Subtasks by phase.', ['phase'], (set) => {
      for (const [phase, count] of countBy(source.subtaskPhases())) set({ phase }, count);
    });
    gauge('drm_workqueue_depth', 'Keys waiting in each controller\'s work queue (delayed retries included).', ['controller'], (set) => {
      for (const controller of source.controllers()) set({ controller: controller.name }, controller.depth);
    });
    gauge('drm_reconcile_errors_total', 'Reconciles that failed, by controller and kind (temporary: retried with backoff; permanent: given up).', ['controller', 'kind'], (set) => {
      for (const controller of source.controllers()) {
        set({ controller: controller.name, kind: 'temporary' }, controller.errors - controller.permanentErrors);
        set({ controller: controller.name, kind: 'permanent' }, controller.permanentErrors);
      }
    });
    gauge('drm_reconciles_total', 'Reconciles run, by controller.', ['controller'], (set) => {
      for (const controller of source.controllers()) set({ controller: controller.name }, controller.reconciles);
    });
    gauge('drm_predictor_samples', 'Stored training samples, by task type.', ['task_type'], (set) => {
      for (const model of source.models()) set({ task_type: model.taskType }, model.samples);
    });
    gauge('drm_predictor_heldout_mape', 'Held-out mean absolute percentage error of the chosen execution-time model, by task type (0.25 = 25%).', ['task_type', 'model'], (set) => {
      for (const model of source.models()) if (model.heldOutMape !== undefined) set({ task_type: model.taskType, model: model.model ?? 'none' }, model.heldOutMape);
    });
    gauge('drm_pool_nodes', 'Nodes of each WorkerPool, and of those the ready ones.', ['pool', 'state'], (set) => {
      for (const pool of source.pools()) {
        set({ pool: pool.name, state: 'all' }, pool.nodes);
        set({ pool: pool.name, state: 'ready' }, pool.readyNodes);
      }
    });
    gauge('drm_pool_utilization', 'Requested over allocatable on each WorkerPool\'s ready nodes, by resource (0 to 1).', ['pool', 'resource'], (set) => {
      for (const pool of source.pools()) for (const [resource, value] of Object.entries(pool.utilization)) set({ pool: pool.name, resource }, value);
    });
    gauge('drm_pool_cost_per_hour', 'Cost of each WorkerPool in USD per hour.', ['pool'], (set) => {
      for (const pool of source.pools()) set({ pool: pool.name }, pool.costPerHour);
    });
  }

  constructor(options: { processMetrics?: boolean } = {}) {
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry });
  }
}

/** What the scrape-time gauges read. */
export interface ObservedState {
  taskPhases(): Iterable<string>;
  subtaskPhases(): Iterable<string>;
  controllers(): Iterable<{ name: string; depth: number; reconciles: number; errors: number; permanentErrors: number }>;
  models(): Iterable<{ taskType: string; samples: number; model?: string; heldOutMape?: number }>;
  pools(): Iterable<{ name: string; nodes: number; readyNodes: number; costPerHour: number; utilization: Record<string, number> }>;
}

function countBy(values: Iterable<string>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return counts;
}
