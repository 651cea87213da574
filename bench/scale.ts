// The whole system at scale, next to the built-in Job controller in the same run: N kwok nodes
// of one WorkerPool, M subtasks of simulated 0 s work (one DataParallel task of M partitions, or
// M/100 tasks of 100), against Indexed Jobs of the same pod count, requests and nodes. Each run
// is timed from `kubectl apply` to every pod bound (a watch) and to done (task Completed / Job
// Complete); API writes come from the API server's own apiserver_request_total; what the run
// leaves in etcd is counted by listing its namespace; the operator's memory and CPU come from
// /proc, its work-queue depth from its /metrics.
import { KubeConfig, Watch } from '@kubernetes/client-node';
import { readFileSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { dataParallelTask, workerPool } from '../test/builders/index.js';
import { createNamespace, installCrds, kubeconfigPath, kubectl, kubectlOk, manifestInput } from '../test/support/cluster.js';
import { startOperator, waitForOperator, type ManagedProcess } from '../test/support/operator.js';
import { waitUntil } from '../test/support/wait.js';

export type Shape = 'one' | 'many';

export interface ScaleOptions {
  nodes: number;
  subtasks: number;
  shapes: Shape[];
  /** Extra operator flags (e.g. --qps 200). */
  operatorArgs: string[];
  log: (line: string) => void;
}

export interface EtcdCount {
  objects: number;
  bytes: number;
}

export interface RunFigures {
  pods: number;
  boundSeconds: number;
  doneSeconds: number;
  /** Write requests (POST/PUT/PATCH/DELETE) by resource[/subresource], node and lease heartbeats left out. */
  writes: Record<string, number>;
  writesPerPod: number;
  /** Objects and JSON bytes in the run's namespace, by kind: when all pods are bound, when done, after delete. */
  etcd: { running: Record<string, EtcdCount>; finished: Record<string, EtcdCount>; deleted: Record<string, EtcdCount> };
  /** The run's Events when done, by source component and reason: who wrote the events row. */
  eventReasons: Record<string, number>;
}

export interface OperatorFigures {
  peakRssMiB: number;
  /** The V8 heap in use at its largest (sampled every 0.5 s): what is live, next to what the process holds. */
  peakHeapMiB: number;
  cpuSeconds: number;
  peakQueueDepth: number;
  /** A fresh operator, synced, on the cluster holding the finished run: its resident memory. */
  idleRssMiB: number;
  /** The same before the run (nodes only). */
  idleEmptyRssMiB: number;
}

export interface ShapeResult {
  shape: Shape;
  tasks: number;
  ours: RunFigures & { operator: OperatorFigures };
  job: RunFigures;
}

export interface ScaleResult {
  nodes: number;
  subtasks: number;
  load: string;
  shapes: ShapeResult[];
}

const WRITE_VERBS = new Set(['POST', 'PUT', 'PATCH', 'DELETE', 'APPLY']);
// Heartbeats of 1,000 kwok nodes and the components' leases are writes of the cluster's size, not the work's.
const BACKGROUND = new Set(['leases', 'nodes/status', 'nodes']);
const COUNTED_KINDS = ['orchestratedtasks', 'subtasks', 'jobs', 'pods', 'configmaps', 'events'] as const;
const POOL_LABEL = 'drm.dtf.io/pool';
const REQUESTS = { cpu: '100m', memory: '64Mi' };

function kubeConfig(): KubeConfig {
  const config = new KubeConfig();
  config.loadFromFile(kubeconfigPath());
  return config;
}

/** apiserver_request_total summed for write verbs, by resource[/subresource]. */
export function parseWrites(metrics: string): Map<string, number> {
  const writes = new Map<string, number>();
  for (const line of metrics.split('\n')) {
    if (!line.startsWith('apiserver_request_total{')) continue;
    const labels = Object.fromEntries([...line.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (!WRITE_VERBS.has(labels.verb ?? '')) continue;
    const key = labels.subresource ? `${labels.resource}/${labels.subresource}` : (labels.resource ?? '?');
    writes.set(key, (writes.get(key) ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1)));
  }
  return writes;
}

const apiserverWrites = () => parseWrites(kubectlOk(['get', '--raw', '/metrics']));

function writesBetween(before: Map<string, number>, after: Map<string, number>): Record<string, number> {
  const diff: Record<string, number> = {};
  for (const [key, value] of after) {
    const delta = value - (before.get(key) ?? 0);
    if (delta > 0 && !BACKGROUND.has(key)) diff[key] = delta;
  }
  return diff;
}

function countNamespace(namespace: string): Record<string, EtcdCount> {
  const counts: Record<string, EtcdCount> = {};
  for (const kind of COUNTED_KINDS) {
    const path = ['orchestratedtasks', 'subtasks'].includes(kind)
      ? `/apis/drm.dtf.io/v1alpha1/namespaces/${namespace}/${kind}`
      : kind === 'jobs'
        ? `/apis/batch/v1/namespaces/${namespace}/jobs`
        : `/api/v1/namespaces/${namespace}/${kind}`;
    const result = kubectl(['get', '--raw', path]);
    if (result.code !== 0) continue;
    const items = (JSON.parse(result.stdout) as { items: unknown[] }).items;
    counts[kind] = { objects: items.length, bytes: items.reduce<number>((sum, item) => sum + JSON.stringify(item).length, 0) };
  }
  return counts;
}

/** Whether the namespace holds `pods` pods and none unbound (a field selector on an empty nodeName). */
function allBound(namespace: string, pods: number): boolean {
  const unbound = kubectl(['get', '--raw', `/api/v1/namespaces/${namespace}/pods?fieldSelector=spec.nodeName%3D&limit=1`]);
  if (unbound.code !== 0 || (JSON.parse(unbound.stdout) as { items: unknown[] }).items.length > 0) return false;
  return Number(countOf(`/api/v1/namespaces/${namespace}/pods`)) >= pods;
}

/** How many of the top-level objects (tasks or Jobs) are done. */
function countDone(path: string, isDone: (object: Record<string, unknown>) => boolean): number {
  const result = kubectl(['get', '--raw', path]);
  if (result.code !== 0) return 0;
  return (JSON.parse(result.stdout) as { items: Array<Record<string, unknown>> }).items.filter(isDone).length;
}

/** How many objects a list path holds, from one item and the count of the rest (cheap at 10,000). */
function countOf(path: string): string {
  const result = kubectl(['get', '--raw', `${path}?limit=1`]);
  if (result.code !== 0) return '?';
  const list = JSON.parse(result.stdout) as { items: unknown[]; metadata?: { remainingItemCount?: number } };
  return String(list.items.length + (list.metadata?.remainingItemCount ?? 0));
}

/** Events in the namespace by "component/reason", counting each Event's repeats. */
function eventReasons(namespace: string): Record<string, number> {
  const result = kubectl(['get', '--raw', `/api/v1/namespaces/${namespace}/events`]);
  if (result.code !== 0) return {};
  const reasons: Record<string, number> = {};
  for (const event of (JSON.parse(result.stdout) as { items: Array<{ reason?: string; count?: number; source?: { component?: string }; reportingComponent?: string }> }).items) {
    const key = `${event.source?.component ?? event.reportingComponent ?? '?'}/${event.reason ?? '?'}`;
    reasons[key] = (reasons[key] ?? 0) + (event.count ?? 1);
  }
  return reasons;
}

/** Watches the namespace's pods and a top-level kind; resolves times of all-bound and all-done. */
async function watchRun(namespace: string, pods: number, topPath: string, isDone: (object: Record<string, unknown>) => boolean, topCount: number) {
  const watch = new Watch(kubeConfig());
  const bound = new Set<string>();
  const done = new Set<string>();
  let boundAt: number | undefined;
  let doneAt: number | undefined;
  const aborts = new Map<string, AbortController>();
  const lastChange = new Map<string, number>();
  const reopeners = new Map<string, () => void>();
  const follow = async (path: string, onObject: (type: string, object: Record<string, unknown>) => void) => {
    // A watch the API server closes (timeout, restart) or refuses (overload) is opened again: a
    // run can outlast one. A watch opened anew lists every object again, so nothing is missed.
    const open = async (): Promise<void> => {
      if (stopped) return;
      lastChange.set(path, performance.now());
      try {
        const abort = await watch.watch(path, {}, (type, object) => {
          lastChange.set(path, performance.now());
          onObject(type, object as Record<string, unknown>);
        }, () => {
          if (!stopped && aborts.get(path) === abort) setTimeout(() => void open(), 500);
        });
        aborts.set(path, abort);
      } catch {
        setTimeout(() => void open(), 2000);
      }
    };
    reopeners.set(path, () => {
      const current = aborts.get(path);
      aborts.delete(path);
      current?.abort();
      void open();
    });
    await open();
  };
  let stopped = false;
  const podsPath = `/api/v1/namespaces/${namespace}/pods`;
  await follow(podsPath, (_type, pod) => {
    const spec = pod.spec as { nodeName?: string } | undefined;
    const name = (pod.metadata as { name: string }).name;
    if (spec?.nodeName && !bound.has(name)) {
      bound.add(name);
      if (bound.size >= pods && boundAt === undefined) boundAt = performance.now();
    }
  });
  await follow(topPath, (_type, object) => {
    const name = (object.metadata as { name: string }).name;
    if (isDone(object)) done.add(name);
    if (done.size >= topCount && doneAt === undefined) doneAt = performance.now();
  });
  return {
    boundAt: () => boundAt,
    doneAt: () => doneAt,
    progress: () => `${bound.size}/${pods} bound, ${done.size}/${topCount} done`,
    /**
     * Watches silent for `quietMs` while their count is short are opened again: a watch can stall
     * without closing under an overloaded API server (a 10,000-pod run's stopped at 1,579 bound
     * while 2,006 were). A time seen through a reopened watch is late by up to quietMs and the
     * 5 s between checks; the log says when it happened.
     */
    reviveQuiet: (quietMs: number): string[] => {
      const revived: string[] = [];
      for (const [path, short] of [[podsPath, bound.size < pods], [topPath, done.size < topCount]] as const) {
        if (short && performance.now() - (lastChange.get(path) ?? 0) > quietMs) {
          reopeners.get(path)?.();
          revived.push(path);
        }
      }
      return revived;
    },
    stop: () => {
      stopped = true;
      for (const abort of aborts.values()) abort.abort();
    },
  };
}

interface Sampler {
  stop(): Pick<OperatorFigures, 'peakRssMiB' | 'peakHeapMiB' | 'cpuSeconds' | 'peakQueueDepth'>;
}

function procStatus(pid: number, field: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : 0;
}

function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  // utime and stime, fields 14 and 15 of stat, in clock ticks (100 per second on Linux).
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Peak RSS (the kernel's high-water mark), CPU seconds since `start`, and the work queues' peak total depth. */
function sampleOperator(operator: ManagedProcess, healthPort: number): Sampler {
  const pid = operator.child.pid!;
  // The high-water mark starts here, not at the operator's start: beside the Job run before this
  // one it cached the Job's unfinished pods (other pods take node capacity too), and that peak is
  // the Job's, not the task's. Writing 5 to clear_refs resets VmHWM to the current RSS.
  writeFileSync(`/proc/${pid}/clear_refs`, '5');
  const cpuAtStart = cpuSeconds(pid);
  let peakQueueDepth = 0;
  let peakHeapMiB = 0;
  let stopped = false;
  void (async () => {
    while (!stopped) {
      try {
        const metrics = await (await fetch(`http://127.0.0.1:${healthPort}/metrics`)).text();
        let depth = 0;
        for (const line of metrics.split('\n')) {
          const value = Number(line.slice(line.lastIndexOf(' ') + 1));
          if (line.startsWith('drm_workqueue_depth{')) depth += value;
          if (line.startsWith('nodejs_heap_size_used_bytes ')) peakHeapMiB = Math.max(peakHeapMiB, value / 1048576);
        }
        peakQueueDepth = Math.max(peakQueueDepth, depth);
      } catch {
        // a scrape that fails under load is skipped
      }
      await sleep(500);
    }
  })();
  return {
    stop: () => {
      stopped = true;
      return { peakRssMiB: procStatus(pid, 'VmHWM'), peakHeapMiB, cpuSeconds: cpuSeconds(pid) - cpuAtStart, peakQueueDepth };
    },
  };
}

/**
 * The pod's NODE_OPTIONS (charts/drm-operator/templates/deployment.yaml), its heap cap of half
 * the memory limit (values.yaml: 384Mi) made explicit, as this machine has no limit to take a
 * share of: the operator is measured as it runs in its pod.
 */
export const CHART_NODE_OPTIONS = '--import=./dist/operator/runtime/source-maps.js --max-semi-space-size=2 --max-old-space-size=192';

/** The pod's other memory setting: glibc's malloc arenas (one per thread otherwise). */
export const CHART_MALLOC_ARENA_MAX = '2';

/** The operator's NODE_OPTIONS, not the bench's: DRM_OPERATOR_NODE_OPTIONS (e.g. --cpu-prof) if set, else the pod's; and the pod's MALLOC_ARENA_MAX. */
function startOperatorWith(healthPort: number, extraArgs: string[]): ManagedProcess {
  const saved = { NODE_OPTIONS: process.env.NODE_OPTIONS, MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX };
  process.env.NODE_OPTIONS = process.env.DRM_OPERATOR_NODE_OPTIONS ?? CHART_NODE_OPTIONS;
  process.env.MALLOC_ARENA_MAX = CHART_MALLOC_ARENA_MAX;
  try {
    return startOperator({ healthPort, extraArgs });
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

function checkAlive(operator: ManagedProcess): void {
  if (operator.child.exitCode !== null || operator.child.signalCode !== null) throw new Error(`the operator exited (${operator.child.exitCode ?? operator.child.signalCode}):\n${operator.output().slice(-4000)}`);
}

async function idleRss(operator: ManagedProcess, healthPort: number): Promise<number> {
  await waitForOperator(healthPort);
  // Settled: the first reconcile of everything listed is over and the heap has been collected once or twice.
  await sleep(15_000);
  return procStatus(operator.child.pid!, 'VmRSS');
}

function jobManifest(name: string, completions: number, pool: string) {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name },
    spec: {
      completionMode: 'Indexed',
      completions,
      parallelism: completions,
      backoffLimit: 0,
      template: {
        spec: {
          restartPolicy: 'Never',
          nodeSelector: { [POOL_LABEL]: pool },
          containers: [{ name: 'main', image: 'registry.invalid/none:0', resources: { requests: REQUESTS } }],
        },
      },
    },
  };
}

function taskManifest(name: string, partitions: number, poolTag: string) {
  return dataParallelTask(name, {
    metadata: { annotations: { 'drm.dtf.io/simulated-duration': '0s' } },
    spec: { input: { items: Array.from({ length: partitions }, (_, i) => i) }, partitions, resources: REQUESTS, poolSelector: { matchLabels: { bench: poolTag } } },
  });
}

async function deleteAndCount(namespace: string, kind: string, log: (line: string) => void): Promise<Record<string, EtcdCount>> {
  kubectlOk(['delete', kind, '--all', '-n', namespace, '--wait=false']);
  // Garbage collection of owned objects takes a while: wait until the count stops falling.
  let last = -1;
  let counts = countNamespace(namespace);
  for (let i = 0; i < 120; i++) {
    const total = Object.values(counts).reduce((sum, c) => sum + (c.objects ?? 0), 0) - (counts.events?.objects ?? 0);
    if (total === 0 || total === last) break;
    last = total;
    await sleep(5000);
    counts = countNamespace(namespace);
  }
  log(`    after delete: ${JSON.stringify(Object.fromEntries(Object.entries(counts).map(([k, v]) => [k, v.objects])))}`);
  return counts;
}

async function runOne(
  label: string,
  namespace: string,
  pods: number,
  apply: () => void,
  top: { path: string; isDone: (object: Record<string, unknown>) => boolean; count: number; kind: string },
  log: (line: string) => void,
  operator?: ManagedProcess,
): Promise<RunFigures> {
  const watcher = await watchRun(namespace, pods, top.path, top.isDone, top.count);
  await sleep(1000); // both watches are open
  const writesBefore = apiserverWrites();
  const start = performance.now();
  apply();
  let running: Record<string, EtcdCount> | undefined;
  const timeoutMs = 600_000 + pods * 300;
  let lastReport = performance.now();
  let lastRevive = performance.now();
  let lastPoll = performance.now();
  // The watches give the times; a poll every 3 s stands in when a watch lags or stalls.
  let polledBoundAt: number | undefined;
  let polledDoneAt: number | undefined;
  const boundAt = () => Math.min(watcher.boundAt() ?? Infinity, polledBoundAt ?? Infinity);
  const doneAt = () => Math.min(watcher.doneAt() ?? Infinity, polledDoneAt ?? Infinity);
  try {
    await waitUntil(`${label}: done`, () => {
      if (operator) checkAlive(operator);
      if (performance.now() - lastPoll > 3000) {
        lastPoll = performance.now();
        if (!Number.isFinite(boundAt()) && allBound(namespace, pods)) polledBoundAt = performance.now();
        if (!Number.isFinite(doneAt()) && countDone(top.path, top.isDone) >= top.count) polledDoneAt = performance.now();
      }
      if (Number.isFinite(boundAt()) && !running) running = countNamespace(namespace);
      if (performance.now() - lastReport > 15_000) {
        lastReport = performance.now();
        log(`    ${label}: ${((lastReport - start) / 1000).toFixed(0)} s, ${watcher.progress()}${operator ? `, ${countOf(`/apis/drm.dtf.io/v1alpha1/namespaces/${namespace}/subtasks`)} subtasks, ${countOf(`/api/v1/namespaces/${namespace}/pods`)} pods created` : ''}`);
      }
      if (performance.now() - lastRevive > 5000) {
        lastRevive = performance.now();
        for (const path of watcher.reviveQuiet(10_000)) log(`    ${label}: the watch of ${path} was silent for 10 s; opened again`);
      }
      return Number.isFinite(doneAt()) && Number.isFinite(boundAt());
    }, timeoutMs);
  } finally {
    watcher.stop();
  }
  const writes = writesBetween(writesBefore, apiserverWrites());
  const finished = countNamespace(namespace);
  const reasons = eventReasons(namespace);
  log(`    ${label}: events by reason ${JSON.stringify(reasons)}`);
  const figures = {
    pods,
    boundSeconds: (boundAt() - start) / 1000,
    doneSeconds: (doneAt() - start) / 1000,
    writes,
    writesPerPod: Object.values(writes).reduce((a, b) => a + b, 0) / pods,
  };
  log(`    ${label}: bound ${figures.boundSeconds.toFixed(1)} s, done ${figures.doneSeconds.toFixed(1)} s, ${figures.writesPerPod.toFixed(1)} writes/pod`);
  return { ...figures, etcd: { running: running ?? finished, finished, deleted: {} }, eventReasons: reasons };
}

export async function benchScale(options: ScaleOptions): Promise<ScaleResult> {
  const { nodes, subtasks, log } = options;
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  installCrds();
  const suffix = Date.now().toString(36).slice(-5);
  const pool = `scale-${suffix}`;
  const healthPort = 20000 + Math.floor(Math.random() * 10000);
  const operatorArgs = ['--no-dashboard', '--log-level', 'warn', ...options.operatorArgs];
  log(`starting the operator and a kwok WorkerPool of ${nodes} nodes`);
  let operator = startOperatorWith(healthPort, operatorArgs);
  const results: ShapeResult[] = [];
  const namespaces: string[] = [];
  try {
    await waitForOperator(healthPort);
    kubectlOk(
      ['apply', '-f', '-'],
      manifestInput(
        workerPool(pool, 'kwok', {
          metadata: { labels: { bench: suffix } },
          spec: { provider: { kwok: { node: { cpu: '32', memory: '128Gi' } } }, minNodes: nodes, maxNodes: nodes, scaling: { predictive: false, scaleDownIdleSeconds: 86400 } },
        }),
      ),
    );
    await waitUntil(`${nodes} pool nodes Ready`, () => {
      checkAlive(operator);
      const statuses = kubectlOk(['get', 'nodes', '-l', `${POOL_LABEL}=${pool}`, '-o', 'jsonpath={range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{" "}{end}']);
      return statuses.split(/\s+/).filter((s) => s === 'True').length >= nodes;
    }, 120_000 + nodes * 500);
    const idleEmptyRssMiB = await idleRss(operator, healthPort);
    log(`  operator idle with ${nodes} nodes: ${idleEmptyRssMiB.toFixed(0)} MiB resident`);

    for (const shape of options.shapes) {
      const perTask = shape === 'one' ? subtasks : 100;
      const tasks = Math.max(1, Math.round(subtasks / perTask));
      const pods = tasks * perTask;
      log(`${shape === 'one' ? 'one task' : `${tasks} tasks`} of ${perTask}: ${pods} pods on ${nodes} nodes`);

      // The Job controller first, the operator idle beside it.
      const jobNs = createNamespace('scale-job');
      const job = await runOne(
        'Indexed Jobs',
        jobNs,
        pods,
        () => kubectlOk(['create', '-n', jobNs, '-f', '-'], manifestInput({ apiVersion: 'v1', kind: 'List', items: Array.from({ length: tasks }, (_, i) => jobManifest(`job-${i}`, perTask, pool)) })),
        { path: `/apis/batch/v1/namespaces/${jobNs}/jobs`, isDone: (j) => ((j.status as { conditions?: Array<{ type: string; status: string }> } | undefined)?.conditions ?? []).some((c) => c.type === 'Complete' && c.status === 'True'), count: tasks, kind: 'jobs' },
        log,
      );
      job.etcd.deleted = await deleteAndCount(jobNs, 'jobs', log);

      const oursNs = createNamespace('scale-ours');
      log(`    operator beside the Job run (caching its unfinished pods): peak ${procStatus(operator.child.pid!, 'VmHWM').toFixed(0)} MiB`);
      const sampler = sampleOperator(operator, healthPort);
      const ours = await runOne(
        'OrchestratedTasks',
        oursNs,
        pods,
        () => kubectlOk(['create', '-n', oursNs, '-f', '-'], manifestInput({ apiVersion: 'v1', kind: 'List', items: Array.from({ length: tasks }, (_, i) => taskManifest(`task-${i}`, perTask, suffix)) })),
        { path: `/apis/drm.dtf.io/v1alpha1/namespaces/${oursNs}/orchestratedtasks`, isDone: (t) => (t.status as { phase?: string } | undefined)?.phase === 'Completed', count: tasks, kind: 'orchestratedtasks' },
        log,
        operator,
      ).catch((error: unknown) => {
        log(operator.output().slice(-4000));
        throw error;
      });
      const sampled = sampler.stop();
      // A freshly started operator on a cluster holding the finished run: what it costs to remember.
      await operator.stop();
      operator = startOperatorWith(healthPort, operatorArgs);
      const idleRssMiB = await idleRss(operator, healthPort);
      log(`    operator: peak ${sampled.peakRssMiB.toFixed(0)} MiB, ${sampled.cpuSeconds.toFixed(1)} CPU s, queue depth ≤ ${sampled.peakQueueDepth}; restarted beside the finished run: ${idleRssMiB.toFixed(0)} MiB`);
      ours.etcd.deleted = await deleteAndCount(oursNs, 'orchestratedtasks', log);
      results.push({ shape, tasks, ours: { ...ours, operator: { ...sampled, idleRssMiB, idleEmptyRssMiB } }, job });
      // Deleted at the end: a namespace's deletion is a burst of writes that would land in the next run's counts.
      namespaces.push(jobNs, oursNs);
    }
  } finally {
    await operator.stop();
    kubectl(['delete', 'workerpool', pool, '--ignore-not-found', '--wait=false']);
    if (namespaces.length > 0) kubectl(['delete', 'namespace', ...namespaces, '--wait=false']);
  }
  return { nodes, subtasks, load, shapes: results };
}

const fixed = (value: number, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : '—');
const total = (counts: Record<string, EtcdCount>, field: keyof EtcdCount) => Object.values(counts).reduce((sum, c) => sum + c[field], 0);

/** The side-by-side table of one shape, as lines. */
export function scaleLines(result: ScaleResult, shape: ShapeResult): string[] {
  const { ours, job } = shape;
  const row = (name: string, a: string, b: string, ratio?: number) => `| ${name} | ${a} | ${b} | ${ratio === undefined ? '' : `${fixed(ratio, 2)}×`} |`;
  const perPod = (counts: Record<string, EtcdCount>, pods: number) => `${fixed(total(counts, 'objects') / pods, 2)} objects, ${fixed(total(counts, 'bytes') / pods / 1024, 2)} KiB`;
  // Kinds below 0.05 writes per pod on both sides (namespace setup, RBAC of the worker identity) are summed into one row.
  const rare = (kind: string) => (ours.writes[kind] ?? 0) / ours.pods < 0.05 && (job.writes[kind] ?? 0) / job.pods < 0.05;
  const writeKinds = [...new Set([...Object.keys(ours.writes), ...Object.keys(job.writes)])].sort((a, b) => (ours.writes[b] ?? 0) + (job.writes[b] ?? 0) - (ours.writes[a] ?? 0) - (job.writes[a] ?? 0));
  return [
    `${result.nodes} nodes × ${shape.ours.pods} pods (${shape.shape === 'one' ? `one task of ${shape.ours.pods}` : `${shape.tasks} tasks of ${shape.ours.pods / shape.tasks}`}); load average at start ${result.load}`,
    '| | OrchestratedTask | Indexed Job | ratio |',
    '|---|---|---|---|',
    row('apply → all pods bound (s)', fixed(ours.boundSeconds), fixed(job.boundSeconds), ours.boundSeconds / job.boundSeconds),
    row('apply → done (s)', fixed(ours.doneSeconds), fixed(job.doneSeconds), ours.doneSeconds / job.doneSeconds),
    row('API writes per pod', fixed(ours.writesPerPod, 2), fixed(job.writesPerPod, 2), ours.writesPerPod / job.writesPerPod),
    ...writeKinds.filter((kind) => !rare(kind)).map((kind) => row(`  ${kind}`, fixed((ours.writes[kind] ?? 0) / ours.pods, 2), fixed((job.writes[kind] ?? 0) / job.pods, 2))),
    row('  everything else', fixed(writeKinds.filter(rare).reduce((sum, kind) => sum + (ours.writes[kind] ?? 0), 0) / ours.pods, 2), fixed(writeKinds.filter(rare).reduce((sum, kind) => sum + (job.writes[kind] ?? 0), 0) / job.pods, 2)),
    row('etcd per pod, all bound', perPod(ours.etcd.running, ours.pods), perPod(job.etcd.running, job.pods), total(ours.etcd.running, 'bytes') / total(job.etcd.running, 'bytes')),
    row('etcd per pod, done', perPod(ours.etcd.finished, ours.pods), perPod(job.etcd.finished, job.pods), total(ours.etcd.finished, 'bytes') / total(job.etcd.finished, 'bytes')),
    row('etcd left after delete (objects, events included)', String(total(ours.etcd.deleted, 'objects')), String(total(job.etcd.deleted, 'objects'))),
    row('operator peak RSS / peak heap used (MiB)', `${fixed(ours.operator.peakRssMiB, 0)} / ${fixed(ours.operator.peakHeapMiB, 0)}`, '—'),
    row('operator CPU seconds', fixed(ours.operator.cpuSeconds), '—'),
    row('work queue peak depth', String(ours.operator.peakQueueDepth), '—'),
    row('operator RSS idle: nodes only / restarted beside the finished run (MiB)', `${fixed(ours.operator.idleEmptyRssMiB, 0)} / ${fixed(ours.operator.idleRssMiB, 0)}`, '—'),
  ];
}
