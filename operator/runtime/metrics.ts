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

  constructor(options: { processMetrics?: boolean } = {}) {
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry });
  }
}
