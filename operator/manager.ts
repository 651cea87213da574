// Wires the operator together, and nothing else: the caches, the controllers (each registering
// its own watches), the runnables, the readiness checks and routes. Start order: caches synced →
// every-replica runnables (the predictor loaded) → leader election → leader-only runnables.
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import os from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';
import type { Subtask } from './api/subtask.js';
import type { PlacementPolicy } from './api/workerpool.js';
import { DEFAULT_SCHEDULER_NAME } from './controllers/labels.js';
import { buildWorkerPod, type WorkerPodOptions } from './controllers/subtask/pod.js';
import { workerPodOptions } from './controllers/subtask/pod-options.js';
import { makeSubtaskReconciler } from './controllers/subtask/reconciler.js';
import { watchSubtasks } from './controllers/subtask/watches.js';
import { makeTaskReconciler } from './controllers/task/reconciler.js';
import { watchTasks } from './controllers/task/watches.js';
import { makeWorkerPoolReconciler } from './controllers/workerpool/reconciler.js';
import { watchWorkerPools } from './controllers/workerpool/watches.js';
import { DashboardHistory } from './core/dashboard/history.js';
import { dashboardSnapshot } from './core/dashboard/snapshot.js';
import { gatherFacts } from './dashboard/facts.js';
import { DEFAULT_DASHBOARD_OPTIONS, DashboardServer } from './dashboard/server.js';
import { allCaches, makeCaches, type Caches } from './kube/caches.js';
import { describeError, isConflict, makeClients, type KubeClients, type RateLimitedKubeConfig } from './kube/client.js';
import { EventRecorder } from './kube/events.js';
import { queryFromSearchParams, predictionView } from './predict/format.js';
import { PredictorService } from './predict/service.js';
import { TrainingStore } from './predict/store.js';
import { KwokProvider, StaticProvider } from './providers/kwok.js';
import { withInjectedLaunchFailures } from './providers/fault-injection.js';
import type { NodeProvider } from './providers/types.js';
import { HistorySampler, PredictorLeadership, PredictorLoader, watchPredictor } from './runnables.js';
import { systemClock, type Clock } from './runtime/clock.js';
import { Controller, keyOf, type ControllerOptions } from './runtime/controller.js';
import { HealthServer, type Route } from './runtime/health.js';
import { metricsRoute } from './runtime/metrics-route.js';
import { LeaderElector } from './runtime/leader-election.js';
import type { Logger } from './runtime/logger.js';
import { OperatorMetrics } from './runtime/metrics.js';
import type { Runnable } from './runtime/runnable.js';
import { SubtaskScheduler } from './scheduler/scheduler.js';
import { watchScheduling } from './scheduler/watches.js';

export { subtaskFacingState } from './controllers/subtask/watches.js';

export interface ManagerOptions {
  builtinWorkerImage: string;
  /** schedulerName of subtask pods; the operator binds them itself. */
  schedulerName?: string;
  /** Placement policy for nodes whose WorkerPool sets none. */
  placementPolicy?: PlacementPolicy;
  workers: number;
  healthPort: number;
  healthHost: string;
  /** Serve the dashboard under /dashboard/ on the health port (default on, every 2 s). */
  dashboard?: false | { intervalMs: number };
  leaderElection: boolean;
  leaseNamespace: string;
  /** Namespace of the predictor's training ConfigMaps. */
  predictorNamespace?: string;
  /** Namespace of the Secrets WorkerPools name for cloud credentials (default: the lease namespace). */
  credentialsNamespace?: string;
  /** Honour the test-only drm.dtf.io/kwok-fail-launches annotation on kwok pools (--test-fault-injection). */
  testFaultInjection?: boolean;
  /** Most Subtasks one namespace may hold; a split over it waits (0 or omitted: no limit). */
  maxSubtasksPerNamespace?: number;
  /** Run only the tasks of these namespaces (the chart's watchNamespaces); omitted or empty: all. */
  watchNamespaces?: readonly string[];
  /** Cloud providers beyond kwok and static, by name (built by main.ts from its flags). */
  cloudProviders?: Partial<Record<'aws' | 'gcp', NodeProvider>>;
  leaseName: string;
  /** Every task, subtask and pool is reconciled again this often, whatever happened (0: never). */
  resyncPeriodSeconds?: number;
  leaseDurationSeconds?: number;
  renewDeadlineSeconds?: number;
  retryPeriodSeconds?: number;
  identity?: string;
}

export const DEFAULT_RESYNC_SECONDS = 600;

/** The kwok provider, wrapped for test-only launch failures when asked (providers/fault-injection.ts). */
function kwokProvider(provider: NodeProvider, testFaultInjection: boolean | undefined): NodeProvider {
  return testFaultInjection ? withInjectedLaunchFailures(provider) : provider;
}

export class Manager {
  readonly caches: Caches;
  readonly scheduler: SubtaskScheduler;
  readonly metrics = new OperatorMetrics({ processMetrics: true });
  readonly predictor: PredictorService;
  /** Pools' nodes and cost over time, for the dashboard; sampled whether or not anyone watches. */
  readonly history = new DashboardHistory();
  readonly controllers: Controller[];
  /** Everything the manager starts after the caches, in order; each says whether it needs leadership. */
  private readonly runnables: Runnable[];
  private readonly health: HealthServer;
  private readonly elector: LeaderElector | undefined;
  private leading = false;
  private signalStopped: () => void = () => undefined;
  private readonly stopped = new Promise<void>((resolve) => (this.signalStopped = resolve));

  constructor(kubeConfig: RateLimitedKubeConfig, private readonly log: Logger, private readonly options: ManagerOptions, extraKubeConfigs: { election?: KubeConfig; scheduler?: KubeConfig } = {}) {
    const clients = makeClients(kubeConfig);
    const clock = systemClock;
    const events = new EventRecorder(clients.core, log, undefined, undefined, clock);
    this.caches = makeCaches(clients, log, options.watchNamespaces);
    const caches = this.caches;
    this.predictor = new PredictorService(new TrainingStore(clients.core, options.predictorNamespace ?? options.leaseNamespace, log.child({ component: 'training-store' })), log.child({ component: 'predictor' }), {
      onPrediction: (source) => this.metrics.predictions.inc({ source }),
    });
    const controller = (name: string, reconcile: ConstructorParameters<typeof Controller>[1], keysOf?: { list(): ReadonlyArray<KubernetesObject> }, extra: Partial<ControllerOptions> = {}) =>
      new Controller(name, reconcile, log, {
        workers: options.workers,
        isConflict,
        describeError,
        ...(keysOf ? { keys: () => keysOf.list().map(keyOf), resyncPeriodMs: (options.resyncPeriodSeconds ?? DEFAULT_RESYNC_SECONDS) * 1000 } : {}),
        ...extra,
      });

    // The scheduler first: its ledger must have seen an event before any controller reacts to it.
    const schedulerName = options.schedulerName ?? DEFAULT_SCHEDULER_NAME;
    const podOptions = (subtask: Subtask) => workerPodOptions({ tasks: caches.tasks, poolInfos: () => this.scheduler.poolInfos(), builtinWorkerImage: options.builtinWorkerImage, schedulerName }, subtask);
    // Pods are watched in every namespace (placement counts them all), but only those of watched
    // namespaces are ours to bind: another installation binds the rest.
    const watched = options.watchNamespaces && options.watchNamespaces.length > 0 ? new Set(options.watchNamespaces) : undefined;
    const inScope = (taskKey: string) => !watched || watched.has(taskKey.slice(0, taskKey.indexOf('/')));
    const schedulerController = controller('scheduler', async (taskKey) => (inScope(taskKey) ? this.scheduler.scheduleTask(taskKey) : undefined), undefined, {
      baseBackoffMs: 200,
      maxBackoffMs: 30_000,
      keys: () => this.scheduler.waitingTaskKeys().filter(inScope),
    });
    this.scheduler = this.makeScheduler(extraKubeConfigs.scheduler ? makeClients(extraKubeConfigs.scheduler) : clients, events, podOptions, schedulerController, () => pools.resyncNow(), clock);
    watchScheduling(caches, this.scheduler);
    const pools: Controller = controller('workerpool', makeWorkerPoolReconciler({
      clients,
      pools: caches.pools,
      nodes: caches.nodes,
      subtasks: caches.subtasks,
      pods: caches.pods,
      otherPods: caches.otherPods,
      ledger: this.scheduler.ledger,
      pendingDemand: () => this.scheduler.pendingDemand(),
      predictor: this.predictor,
      metrics: this.metrics,
      providers: { kwok: kwokProvider(new KwokProvider(clients.core, caches.nodes), options.testFaultInjection), static: new StaticProvider(caches.nodes), ...options.cloudProviders },
      credentialsNamespace: options.credentialsNamespace ?? options.leaseNamespace,
      events,
      log: log.child({ controller: 'workerpool' }),
      clock,
    }), caches.pools);
    const tasks = controller('orchestratedtask', makeTaskReconciler({
      clients,
      tasks: caches.tasks,
      subtasks: caches.subtasks,
      nodes: caches.nodes,
      events,
      log: log.child({ controller: 'orchestratedtask' }),
      predictor: this.predictor,
      requestedCpuMillis: (node) => this.scheduler.ledger.usedView(node).cpuMillis,
      clock,
      ...(options.maxSubtasksPerNamespace ? { maxSubtasksPerNamespace: options.maxSubtasksPerNamespace } : {}),
    }), caches.tasks);
    watchTasks(caches, (key) => tasks.enqueue(key));
    const subtasks = controller('subtask', makeSubtaskReconciler({ clients, tasks: caches.tasks, subtasks: caches.subtasks, pods: caches.pods, nodes: caches.nodes, events, log: log.child({ controller: 'subtask' }), podOptions, onPodCreated: (pod) => this.scheduler.onPod('add', pod), clock }), caches.subtasks);
    watchSubtasks(caches, (key) => subtasks.enqueue(key));
    watchWorkerPools(caches, (key) => pools.enqueue(key));
    watchPredictor(caches, this.predictor);
    this.controllers = [tasks, subtasks, schedulerController, pools];

    const dashboard = options.dashboard === false ? undefined : this.makeDashboard(options.dashboard?.intervalMs);
    this.runnables = [
      new HistorySampler(this.history, caches, clock),
      new PredictorLoader(this.predictor, log),
      ...(dashboard ? [{ name: 'dashboard', needsLeadership: false, start: () => undefined, stop: () => dashboard.stop() }] : []),
      new PredictorLeadership(this.predictor),
      ...this.controllers,
    ];
    this.health = this.makeHealth(dashboard);
    this.observeMetrics();
    this.elector = options.leaderElection ? this.makeElector(extraKubeConfigs.election ?? kubeConfig) : undefined;
  }

  get ready(): boolean {
    return this.health.ready;
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /** Caches not yet listed once: what readiness and the start wait for. */
  missingCaches(): string[] {
    return allCaches(this.caches).filter((i) => !i.hasSynced).map((i) => i.name);
  }

  informerStatus() {
    return allCaches(this.caches).map((i) => i.status());
  }

  async start(): Promise<void> {
    void this.health.listen(this.options.healthPort, this.options.healthHost);
    await Promise.all(allCaches(this.caches).map((i) => i.start()));
    // Controllers that act on a cache that never loaded act on nothing seen: a pool whose
    // nodes cannot be listed looks empty and would be scaled up again and again.
    if (!(await this.waitForCaches())) return;
    this.log.info({ informers: this.informerStatus() }, 'caches synced');
    for (const runnable of this.runnables.filter((r) => !r.needsLeadership)) await runnable.start();
    if (this.elector) this.elector.start();
    else this.startLeading();
  }

  async stop(): Promise<void> {
    this.log.info('shutting down');
    this.signalStopped();
    // Leader-only runnables first (reconciles in flight finish), then the rest, then the lease.
    await Promise.all(this.runnables.filter((r) => r.needsLeadership).map((r) => r.stop()));
    await Promise.all(this.runnables.filter((r) => !r.needsLeadership).map((r) => r.stop()));
    if (this.elector) await this.elector.stop();
    await Promise.all(allCaches(this.caches).map((i) => i.stop()));
    await this.health.close();
  }

  /** Resolves true once every cache has synced, false if the manager stops first. */
  private async waitForCaches(): Promise<boolean> {
    const synced = Promise.all(allCaches(this.caches).map((i) => i.whenSynced())).then(() => true);
    for (;;) {
      const waited = await Promise.race([synced, this.stopped.then(() => false), delay(10_000, undefined, { ref: false }).then(() => undefined)]);
      if (waited !== undefined) return waited;
      this.log.warn({ missing: this.missingCaches(), informers: this.informerStatus() }, 'waiting for caches to sync; controllers not started');
    }
  }

  private startLeading(): void {
    if (this.leading) return;
    this.leading = true;
    for (const runnable of this.runnables.filter((r) => r.needsLeadership)) void runnable.start();
    this.log.info('controllers started');
  }

  private makeScheduler(clients: KubeClients, events: EventRecorder, podOptions: (subtask: Subtask) => WorkerPodOptions, queue: Controller, onDemandChanged: () => void, clock: Clock): SubtaskScheduler {
    return new SubtaskScheduler(
      {
        clients,
        tasks: this.caches.tasks,
        subtasks: this.caches.subtasks,
        pods: this.caches.pods,
        events,
        log: this.log.child({ controller: 'scheduler' }),
        metrics: this.metrics,
        podTemplate: (subtask) => buildWorkerPod(subtask, 1, podOptions(subtask)),
        enqueue: (taskKey) => queue.enqueue(taskKey),
        speedEstimate: () => this.predictor.speedEstimate(),
        onDemandChanged,
        now: () => clock.now(),
      },
      { schedulerName: this.options.schedulerName ?? DEFAULT_SCHEDULER_NAME, defaultPolicy: this.options.placementPolicy ?? 'binpack' },
    );
  }

  private makeDashboard(intervalMs: number | undefined): DashboardServer {
    const facts = () => gatherFacts({ ledger: this.scheduler.ledger, pools: () => this.caches.pools.list(), tasks: () => this.caches.tasks.list(), subtasks: () => this.caches.subtasks.list(), history: this.history });
    return new DashboardServer(() => dashboardSnapshot(facts()), this.log.child({ component: 'dashboard' }), { ...DEFAULT_DASHBOARD_OPTIONS, ...(intervalMs ? { intervalMs } : {}) });
  }

  private makeHealth(dashboard: DashboardServer | undefined): HealthServer {
    const health = new HealthServer(this.log, () => {
      const missing = this.missingCaches();
      return { leader: this.leading, predictorLoaded: this.predictor.ready, ...(missing.length > 0 ? { waitingForCaches: missing } : {}), informers: this.informerStatus() };
    });
    health.addReadyzCheck('caches-synced', () => {
      const missing = this.missingCaches();
      return missing.length > 0 ? `waiting for caches: ${missing.join(', ')}` : undefined;
    });
    health.addReadyzCheck('informers-connected', () => {
      const down = allCaches(this.caches).filter((i) => !i.healthy).map((i) => i.name);
      return down.length > 0 ? `not connected: ${down.join(', ')}` : undefined;
    });
    for (const route of this.routes(dashboard)) health.addRoute(route);
    return health;
  }

  /** /metrics, what the scheduler holds and waits for, the predictor's answers, the dashboard. */
  private routes(dashboard: DashboardServer | undefined): Route[] {
    const exact = (path: string, body: () => unknown): Route => (request, _, send) => (request.url === path ? (send(200, body()), true) : false);
    return [
      metricsRoute(this.metrics.registry, this.log),
      exact('/debug/placement', () => this.scheduler.summary()),
      exact('/debug/predictor', () => this.predictor.status()),
      (request, _, send) => {
        if (!request.url?.startsWith('/debug/predict?')) return false;
        // What the operator would predict: the same answer the task controller gets.
        try {
          const query = queryFromSearchParams(new URL(request.url, 'http://localhost').searchParams);
          send(200, { query, prediction: predictionView(this.predictor.predict(query)), trainedOn: this.predictor.status().trainedOn });
        } catch (error) {
          send(400, { error: (error as Error).message });
        }
        return true;
      },
      (request, response) => dashboard?.handle(request, response) ?? false,
    ];
  }

  private makeElector(kubeConfig: KubeConfig): LeaderElector {
    const options = this.options;
    return new LeaderElector(kubeConfig, {
      namespace: options.leaseNamespace,
      name: options.leaseName,
      identity: options.identity ?? `${os.hostname()}-${process.pid}`,
      ...(options.leaseDurationSeconds ? { leaseDurationSeconds: options.leaseDurationSeconds } : {}),
      ...(options.renewDeadlineSeconds ? { renewDeadlineSeconds: options.renewDeadlineSeconds } : {}),
      ...(options.retryPeriodSeconds ? { retryPeriodSeconds: options.retryPeriodSeconds } : {}),
      log: this.log,
      onStartedLeading: () => this.startLeading(),
      onStoppedLeading: () => {
        // Another replica may already be reconciling: exit now. A graceful stop would wait for
        // the reconciles in flight (a large task's cleanup takes minutes), all the while acting
        // and reporting itself leader beside the new one.
        this.log.error('leadership lost; exiting');
        process.exit(1);
      },
    });
  }

  /** The scrape-time gauges of /metrics, read from the caches, queues and the predictor. */
  private observeMetrics(): void {
    this.metrics.observe({
      taskPhases: () => this.caches.tasks.list().map((task) => task.status?.phase ?? 'Pending'),
      subtaskPhases: () => this.caches.subtasks.list().map((subtask) => subtask.status?.phase ?? 'Pending'),
      controllers: () =>
        this.controllers.map((c) => ({ name: c.name, depth: c.queue.length + c.queue.delayedCount, reconciles: c.stats.reconciles, errors: c.stats.errors, permanentErrors: c.stats.permanentErrors })),
      models: () => this.predictor.status().models,
      pools: () =>
        this.caches.pools.list().map((pool) => ({
          name: pool.metadata.name!,
          nodes: pool.status?.nodes ?? 0,
          readyNodes: pool.status?.readyNodes ?? 0,
          costPerHour: pool.status?.costPerHour ?? 0,
          utilization: { cpu: pool.status?.utilization?.cpu ?? 0, memory: pool.status?.utilization?.memory ?? 0, gpu: pool.status?.utilization?.gpu ?? 0 },
        })),
    });
  }
}
