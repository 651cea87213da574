// Wires the operator together: informers feed keys to the controllers' queues; controllers run
// only while this replica leads; health endpoints report liveness and informer readiness.
import type { KubeConfig, KubernetesListObject, KubernetesObject, V1Node, V1Pod } from '@kubernetes/client-node';
import http from 'node:http';
import os from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';
import type { OrchestratedTask } from './api/orchestratedtask.js';
import type { Subtask } from './api/subtask.js';
import type { PlacementPolicy, WorkerPool } from './api/workerpool.js';
import { DEFAULT_SCHEDULER_NAME, LABELS, MANAGER } from './controllers/labels.js';
import { buildWorkerPod, type WorkerPodOptions } from './controllers/subtask/pod.js';
import { simulationAnnotations } from './controllers/simulation.js';
import { makeSubtaskReconciler } from './controllers/subtask/reconciler.js';
import { makeTaskReconciler } from './controllers/task/reconciler.js';
import { describeError, isConflict, makeClients, type KubeClients, type RateLimitedKubeConfig } from './kube/client.js';
import { EventRecorder } from './kube/events.js';
import { Controller, keyOf } from './runtime/controller.js';
import { ResilientInformer } from './runtime/informer.js';
import { LeaderElector } from './runtime/leader-election.js';
import type { Logger } from './runtime/logger.js';
import { OperatorMetrics } from './runtime/metrics.js';
import { allowedPools, poolTolerations } from './core/placement/index.js';
import { SubtaskScheduler } from './scheduler/scheduler.js';
import { queryFromSearchParams, predictionView } from './predict/format.js';
import { PredictorService } from './predict/service.js';
import { TrainingStore } from './predict/store.js';
import { makeWorkerPoolReconciler } from './controllers/workerpool/reconciler.js';
import { KwokProvider, StaticProvider } from './providers/kwok.js';
import type { NodeProvider } from './providers/types.js';
import { DashboardHistory } from './core/dashboard/history.js';
import { dashboardSnapshot } from './core/dashboard/snapshot.js';
import { gatherFacts, poolPoints } from './dashboard/facts.js';
import { DEFAULT_DASHBOARD_OPTIONS, DashboardServer } from './dashboard/server.js';

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

const CRD_BASE = '/apis/drm.dtf.io/v1alpha1';
export const DEFAULT_RESYNC_SECONDS = 600;

/** What of a task its subtasks' reconciles read (taskStopReason and the retry policy). */
export function subtaskFacingState(task: OrchestratedTask): string {
  const phase = task.status?.phase;
  return JSON.stringify([task.metadata.uid, Boolean(task.metadata.deletionTimestamp), Boolean(task.spec.cancel), phase === 'Failed' || phase === 'Cancelled' ? phase : '', task.spec.retry ?? null, task.spec.timeoutSeconds ?? null]);
}

export class Manager {
  private readonly clients: KubeClients;
  private readonly informers: ResilientInformer<KubernetesObject>[] = [];
  readonly tasks: ResilientInformer<OrchestratedTask & KubernetesObject>;
  readonly subtasks: ResilientInformer<Subtask & KubernetesObject>;
  readonly pods: ResilientInformer<V1Pod>;
  readonly nodes: ResilientInformer<V1Node>;
  /** Pods not created by the operator and not finished: what else occupies the nodes. */
  readonly otherPods: ResilientInformer<V1Pod>;
  readonly pools: ResilientInformer<WorkerPool & KubernetesObject>;
  readonly taskController: Controller;
  readonly subtaskController: Controller;
  readonly schedulerController: Controller;
  readonly workerPoolController: Controller;
  readonly scheduler: SubtaskScheduler;
  readonly metrics: OperatorMetrics;
  readonly predictor: PredictorService;
  private readonly elector: LeaderElector | undefined;
  private server: http.Server | undefined;
  /** Pools' nodes and cost over time, for the dashboard; sampled whether or not anyone watches. */
  readonly history = new DashboardHistory();
  private readonly dashboard: DashboardServer | undefined;
  private historyTimer: NodeJS.Timeout | undefined;
  private leading = false;
  private signalStopped: () => void = () => undefined;
  private readonly stopped = new Promise<void>((resolve) => (this.signalStopped = resolve));
  /** task key → the part of the task its subtasks act on, last seen (see subtaskFacingState). */
  private readonly taskSignatures = new Map<string, string>();
  /** subtask key → keys of subtasks that depend on it, so a completion wakes its dependents. */
  private readonly dependents = new Map<string, Set<string>>();

  constructor(
    kubeConfig: RateLimitedKubeConfig,
    private readonly log: Logger,
    private readonly options: ManagerOptions,
    extraKubeConfigs: { election?: KubeConfig; scheduler?: KubeConfig } = {},
  ) {
    const electionKubeConfig = extraKubeConfigs.election ?? kubeConfig;
    this.clients = makeClients(kubeConfig);
    const events = new EventRecorder(this.clients.core, log);
    this.metrics = new OperatorMetrics({ processMetrics: true });
    this.predictor = new PredictorService(new TrainingStore(this.clients.core, options.predictorNamespace ?? options.leaseNamespace, log.child({ component: 'training-store' })), log.child({ component: 'predictor' }), {
      onPrediction: (source) => this.metrics.predictions.inc({ source }),
    });
    const schedulerName = options.schedulerName ?? DEFAULT_SCHEDULER_NAME;
    const podOptions = (subtask: Subtask): WorkerPodOptions => {
      // Pods tolerate the taints of the pools their task may use (see poolTolerations).
      const task = this.tasks.get(subtask.spec.taskRef.name, subtask.metadata.namespace);
      const pools = this.scheduler.poolInfos();
      const allowed = allowedPools(task?.spec.poolSelector, pools);
      const tolerations = poolTolerations(pools, allowed, subtask.spec.hardware?.type ?? 'any', subtask.spec.resources?.gpu ?? 0);
      const simulated = simulationAnnotations(task?.metadata.annotations).copied;
      return {
        builtinWorkerImage: options.builtinWorkerImage,
        schedulerName,
        ...(tolerations.length > 0 ? { tolerations } : {}),
        ...(Object.keys(simulated).length > 0 ? { annotations: simulated } : {}),
      };
    };
    this.scheduler = new SubtaskScheduler(
      {
        clients: extraKubeConfigs.scheduler ? makeClients(extraKubeConfigs.scheduler) : this.clients,
        tasks: { get: (name, namespace) => this.tasks.get(name, namespace), list: (namespace) => this.tasks.list(namespace) },
        subtasks: { get: (name, namespace) => this.subtasks.get(name, namespace), list: (namespace) => this.subtasks.list(namespace) },
        pods: { get: (name, namespace) => this.pods.get(name, namespace), list: (namespace) => this.pods.list(namespace) },
        events,
        log: log.child({ controller: 'scheduler' }),
        metrics: this.metrics,
        podTemplate: (subtask) => buildWorkerPod(subtask, 1, podOptions(subtask)),
        enqueue: (taskKey) => this.schedulerController.enqueue(taskKey),
        speedEstimate: () => this.predictor.speedEstimate(),
        onDemandChanged: () => this.enqueueAllPools(),
      },
      { schedulerName, defaultPolicy: options.placementPolicy ?? 'binpack' },
    );
    const custom = this.clients.custom;
    const listCustom = <T>(plural: string) => async () =>
      (await custom.listClusterCustomObject({ group: 'drm.dtf.io', version: 'v1alpha1', plural })) as KubernetesListObject<T & KubernetesObject>;

    this.tasks = this.informer<OrchestratedTask & KubernetesObject>('orchestratedtasks', `${CRD_BASE}/orchestratedtasks`, listCustom<OrchestratedTask>('orchestratedtasks'), (event, task) => {
      const key = keyOf(task);
      this.taskController.enqueue(key);
      this.scheduler.onTask(event, task);
      // Cancellation, failure, deletion (and the retry policy) of a task concern each of its
      // subtasks; its progress writes do not, and would otherwise wake every subtask each time.
      const signature = event === 'delete' ? undefined : subtaskFacingState(task);
      if (event !== 'delete' && this.taskSignatures.get(key) === signature) return;
      if (signature === undefined) this.taskSignatures.delete(key);
      else this.taskSignatures.set(key, signature);
      for (const subtask of this.subtasks.list(task.metadata?.namespace)) {
        if (subtask.spec.taskRef.name === task.metadata?.name) this.subtaskController.enqueue(keyOf(subtask));
      }
    });
    this.subtasks = this.informer<Subtask & KubernetesObject>('subtasks', `${CRD_BASE}/subtasks`, listCustom<Subtask>('subtasks'), (event, subtask) => {
      const key = keyOf(subtask);
      this.subtaskController.enqueue(key);
      this.scheduler.onSubtask(event, subtask);
      if (event !== 'delete') this.predictor.observe(subtask, subtask.status?.nodeName ? this.nodes.get(subtask.status.nodeName) : undefined);
      this.taskController.enqueue(`${subtask.metadata.namespace}/${subtask.spec.taskRef.name}`);
      for (const dependency of subtask.spec.dependsOn ?? []) {
        const dependencyKey = `${subtask.metadata.namespace}/${dependency}`;
        if (event === 'delete') this.dependents.get(dependencyKey)?.delete(key);
        else this.dependents.set(dependencyKey, (this.dependents.get(dependencyKey) ?? new Set()).add(key));
      }
      for (const dependent of this.dependents.get(key) ?? []) this.subtaskController.enqueue(dependent);
    });
    this.pods = this.informer<V1Pod>(
      'pods',
      '/api/v1/pods',
      () => this.clients.core.listPodForAllNamespaces({ labelSelector: `${LABELS.managedBy}=${MANAGER}` }) as Promise<KubernetesListObject<V1Pod>>,
      (event, pod) => {
        this.scheduler.onPod(event, pod);
        const subtask = pod.metadata?.annotations?.['drm.dtf.io/subtask-name'];
        if (subtask && pod.metadata?.namespace) this.subtaskController.enqueue(`${pod.metadata.namespace}/${subtask}`);
      },
      `${LABELS.managedBy}=${MANAGER}`,
    );
    this.nodes = this.informer<V1Node>('nodes', '/api/v1/nodes', () => this.clients.core.listNode() as Promise<KubernetesListObject<V1Node>>, (event, node) => {
      this.scheduler.onNode(event, node);
      const pool = node.metadata?.labels?.['drm.dtf.io/pool'];
      if (pool && this.workerPoolController) this.workerPoolController.enqueue(pool);
      if (event !== 'delete') return;
      // Attempts on a vanished node must be retried elsewhere: wake their subtasks.
      for (const pod of this.pods.list()) {
        const subtask = pod.metadata?.annotations?.['drm.dtf.io/subtask-name'];
        if (pod.spec?.nodeName === node.metadata?.name && subtask) this.subtaskController.enqueue(`${pod.metadata?.namespace}/${subtask}`);
      }
    });

    const notOurs = `${LABELS.managedBy}!=${MANAGER}`;
    const unfinished = 'status.phase!=Succeeded,status.phase!=Failed';
    this.otherPods = this.informer<V1Pod>(
      'other-pods',
      '/api/v1/pods',
      () => this.clients.core.listPodForAllNamespaces({ labelSelector: notOurs, fieldSelector: unfinished }) as Promise<KubernetesListObject<V1Pod>>,
      (event, pod) => this.scheduler.onPod(event, pod),
      notOurs,
      unfinished,
    );
    this.pools = this.informer<WorkerPool & KubernetesObject>('workerpools', `${CRD_BASE}/workerpools`, listCustom<WorkerPool>('workerpools'), (event, pool) => {
      this.scheduler.onPool(event, pool);
      // A change of nodes or cost is a step in the scaling history: record it when it is seen.
      this.recordHistory();
      if (event !== 'delete') this.workerPoolController.enqueue(pool.metadata.name!);
    });

    const controllerOptions = { workers: options.workers, isConflict, describeError };
    const resyncMs = (options.resyncPeriodSeconds ?? DEFAULT_RESYNC_SECONDS) * 1000;
    const resyncOf = (cache: { list(): ReadonlyArray<KubernetesObject> }) => ({ resync: { periodMs: resyncMs, keys: () => cache.list().map(keyOf) } });
    this.taskController = new Controller(
      'orchestratedtask',
      makeTaskReconciler({
        clients: this.clients,
        tasks: this.tasks,
        subtasks: this.subtasks,
        nodes: this.nodes,
        events,
        log: log.child({ controller: 'orchestratedtask' }),
        predictor: this.predictor,
        requestedCpuMillis: (node) => this.scheduler.ledger.usedView(node).cpuMillis,
      }),
      log,
      { ...controllerOptions, ...resyncOf(this.tasks) },
    );
    this.subtaskController = new Controller(
      'subtask',
      makeSubtaskReconciler({
        clients: this.clients,
        tasks: this.tasks,
        subtasks: this.subtasks,
        pods: this.pods,
        nodes: this.nodes,
        events,
        log: log.child({ controller: 'subtask' }),
        podOptions,
      }),
      log,
      { ...controllerOptions, ...resyncOf(this.subtasks) },
    );
    const nodeList = { list: () => this.nodes.list() };
    this.workerPoolController = new Controller(
      'workerpool',
      makeWorkerPoolReconciler({
        clients: this.clients,
        pools: { get: (name) => this.pools.get(name), list: () => this.pools.list() },
        nodes: { get: (name) => this.nodes.get(name), list: () => this.nodes.list() },
        subtasks: { get: (name, namespace) => this.subtasks.get(name, namespace), list: (namespace) => this.subtasks.list(namespace) },
        ledger: this.scheduler.ledger,
        pendingDemand: () => this.scheduler.pendingDemand(),
        predictor: this.predictor,
        metrics: this.metrics,
        providers: { kwok: new KwokProvider(this.clients.core, nodeList), static: new StaticProvider(nodeList), ...options.cloudProviders },
        credentialsNamespace: options.credentialsNamespace ?? options.leaseNamespace,
        events,
        log: log.child({ controller: 'workerpool' }),
      }),
      log,
      { ...controllerOptions, ...resyncOf(this.pools) },
    );
    this.schedulerController = new Controller('scheduler', (taskKey) => this.scheduler.scheduleTask(taskKey), log, { ...controllerOptions, baseBackoffMs: 200, maxBackoffMs: 30_000 });
    this.observeMetrics();
    if (options.dashboard !== false) {
      const dashboardOptions = { ...DEFAULT_DASHBOARD_OPTIONS, ...(options.dashboard ? { intervalMs: options.dashboard.intervalMs } : {}) };
      this.dashboard = new DashboardServer(
        () =>
          dashboardSnapshot(
            gatherFacts({
              ledger: this.scheduler.ledger,
              pools: () => this.pools.list(),
              tasks: () => this.tasks.list(),
              subtasks: () => this.subtasks.list(),
              history: this.history,
            }),
          ),
        log.child({ component: 'dashboard' }),
        dashboardOptions,
      );
    }
    if (options.leaderElection) {
      this.elector = new LeaderElector(electionKubeConfig, {
        namespace: options.leaseNamespace,
        name: options.leaseName,
        identity: options.identity ?? `${os.hostname()}-${process.pid}`,
        ...(options.leaseDurationSeconds ? { leaseDurationSeconds: options.leaseDurationSeconds } : {}),
        ...(options.renewDeadlineSeconds ? { renewDeadlineSeconds: options.renewDeadlineSeconds } : {}),
        ...(options.retryPeriodSeconds ? { retryPeriodSeconds: options.retryPeriodSeconds } : {}),
        log,
        onStartedLeading: () => this.startControllers(),
        onStoppedLeading: () => {
          // Another replica may already be reconciling: stop at once, and let the process exit.
          this.log.error('leadership lost; shutting down');
          void this.stop().finally(() => process.exit(1));
        },
      });
    }
  }

  private informer<T extends KubernetesObject>(
    name: string,
    path: string,
    list: () => Promise<KubernetesListObject<T>>,
    onEvent: (event: 'add' | 'update' | 'delete', object: T) => void,
    labelSelector?: string,
    fieldSelector?: string,
  ): ResilientInformer<T> {
    const informer = new ResilientInformer<T>(this.clients.kubeConfig, {
      name,
      path,
      list,
      onEvent,
      log: this.log,
      ...(labelSelector ? { labelSelector } : {}),
      ...(fieldSelector ? { fieldSelector } : {}),
    });
    this.informers.push(informer as unknown as ResilientInformer<KubernetesObject>);
    return informer;
  }

  get ready(): boolean {
    return this.informers.every((i) => i.healthy);
  }

  /** Caches not yet listed once: what readiness and the start wait for. */
  missingCaches(): string[] {
    return this.informers.filter((i) => !i.hasSynced).map((i) => i.name);
  }

  /** Resolves true once every cache has synced, false if the manager stops first. */
  private async waitForCaches(): Promise<boolean> {
    const synced = Promise.all(this.informers.map((i) => i.whenSynced())).then(() => true);
    for (;;) {
      const waited = await Promise.race([synced, this.stopped.then(() => false), delay(10_000, undefined, { ref: false }).then(() => undefined)]);
      if (waited !== undefined) return waited;
      this.log.warn({ missing: this.missingCaches(), informers: this.informerStatus() }, 'waiting for caches to sync; controllers not started');
    }
  }

  informerStatus() {
    return this.informers.map((i) => i.status());
  }

  get isLeader(): boolean {
    return this.leading;
  }

  async start(): Promise<void> {
    this.serveHealth();
    await Promise.all(this.informers.map((i) => i.start()));
    // Controllers that act on a cache that never loaded act on nothing seen: a pool whose
    // nodes cannot be listed looks empty and would be scaled up again and again.
    if (!(await this.waitForCaches())) return;
    this.log.info({ informers: this.informerStatus() }, 'caches synced');
    this.recordHistory();
    this.historyTimer = setInterval(() => this.recordHistory(), 5_000);
    this.historyTimer.unref();
    // Controllers start only once what was learned is loaded: a task split before would be
    // predicted from defaults, differently than before the restart.
    await this.loadPredictor();
    if (this.elector) this.elector.start();
    else this.startControllers();
  }

  /** The scrape-time gauges of /metrics, read from the caches, queues and the predictor. */
  private observeMetrics(): void {
    const controllers = () => [this.taskController, this.subtaskController, this.schedulerController, this.workerPoolController];
    this.metrics.observe({
      taskPhases: () => this.tasks.list().map((task) => task.status?.phase ?? 'Pending'),
      subtaskPhases: () => this.subtasks.list().map((subtask) => subtask.status?.phase ?? 'Pending'),
      controllers: () =>
        controllers().map((controller) => ({
          name: controller.name,
          depth: controller.queue.length + controller.queue.delayedCount,
          reconciles: controller.stats.reconciles,
          errors: controller.stats.errors,
          permanentErrors: controller.stats.permanentErrors,
        })),
      models: () => this.predictor.status().models,
      pools: () =>
        this.pools.list().map((pool) => ({
          name: pool.metadata.name!,
          nodes: pool.status?.nodes ?? 0,
          readyNodes: pool.status?.readyNodes ?? 0,
          costPerHour: pool.status?.costPerHour ?? 0,
          utilization: { cpu: pool.status?.utilization?.cpu ?? 0, memory: pool.status?.utilization?.memory ?? 0, gpu: pool.status?.utilization?.gpu ?? 0 },
        })),
    });
  }

  private recordHistory(): void {
    this.history.record(Date.now(), poolPoints(this.pools.list()));
  }

  private enqueueAllPools(): void {
    for (const pool of this.pools.list()) this.workerPoolController.enqueue(pool.metadata.name!);
  }

  private async loadPredictor(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.predictor.load();
        return;
      } catch (error) {
        const delay = Math.min(30_000, 1000 * 2 ** attempt);
        this.log.error({ err: describeError(error), retryInMs: delay }, 'training data could not be read; retrying (is the ConfigMap RBAC in place?)');
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  private startControllers(): void {
    if (this.leading) return;
    this.leading = true;
    this.predictor.setLeading(true);
    this.taskController.start();
    this.subtaskController.start();
    this.schedulerController.start();
    this.workerPoolController.start();
    this.scheduler.enqueueAll();
    this.enqueueAllPools();
    // Everything in the caches is reconciled once at start: state lives in the API server.
    for (const task of this.tasks.list()) this.taskController.enqueue(keyOf(task));
    for (const subtask of this.subtasks.list()) this.subtaskController.enqueue(keyOf(subtask));
    this.log.info('controllers started');
  }

  async stop(): Promise<void> {
    this.log.info('shutting down');
    this.signalStopped();
    await Promise.all([this.taskController.stop(), this.subtaskController.stop(), this.schedulerController.stop(), this.workerPoolController.stop()]);
    this.predictor.stop();
    clearInterval(this.historyTimer);
    this.dashboard?.stop();
    if (this.elector) await this.elector.stop();
    await Promise.all(this.informers.map((i) => i.stop()));
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private serveHealth(): void {
    this.server = http.createServer((request, response) => {
      const send = (code: number, body: unknown) => {
        response.writeHead(code, { 'content-type': 'application/json' });
        response.end(JSON.stringify(body));
      };
      if (request.url === '/healthz') return send(200, { ok: true });
      if (request.url === '/readyz') {
        const missing = this.missingCaches();
        return send(this.ready ? 200 : 503, { ready: this.ready, leader: this.leading, predictorLoaded: this.predictor.ready, ...(missing.length > 0 ? { waitingForCaches: missing } : {}), informers: this.informerStatus() });
      }
      if (request.url === '/metrics') {
        void this.metrics.registry.metrics().then((text) => {
          response.writeHead(200, { 'content-type': this.metrics.registry.contentType });
          response.end(text);
        });
        return;
      }
      // What the scheduler holds and what waits for capacity, for people and the autoscaler's tests.
      if (request.url === '/debug/placement') return send(200, this.scheduler.summary());
      if (request.url === '/debug/predictor') return send(200, this.predictor.status());
      if (request.url?.startsWith('/debug/predict?')) {
        // What the operator would predict: the same answer the task controller gets.
        try {
          const query = queryFromSearchParams(new URL(request.url, 'http://localhost').searchParams);
          return send(200, { query, prediction: predictionView(this.predictor.predict(query)), trainedOn: this.predictor.status().trainedOn });
        } catch (error) {
          return send(400, { error: (error as Error).message });
        }
      }
      if (this.dashboard?.handle(request, response)) return;
      send(404, { error: 'not found' });
    });
    this.server.on('error', (error) => {
      // Without its probes the process cannot be managed: fail loudly rather than run blind.
      this.log.fatal({ err: error.message, port: this.options.healthPort }, 'health endpoint cannot listen');
      process.exit(1);
    });
    this.server.listen(this.options.healthPort, this.options.healthHost);
  }
}
