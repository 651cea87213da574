// Chaos on a control plane of its own (hack/scale-cluster.sh): while a large DataParallel task runs
// on kwok nodes and a pipeline on a real node (the real worker, so its merged result has values;
// kwok nodes when there is none), kill the leading operator (two replicas, leader election) at random
// moments, restart kube-apiserver and etcd, delete a tenth of the nodes that run subtasks, and
// throttle the API (kube-apiserver restarted with low in-flight limits for a while); then check that nothing was lost or done twice. The faults
// and the time each took to recover are the report; the checks are pass/fail.
import { KubeConfig } from '@kubernetes/client-node';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { dataParallelTask, pipelineParallelTask, workerPool } from '../test/builders/index.js';
import { createNamespace, installCrds, kubeconfigPath, kubectl, kubectlOk, manifestInput, rootDir } from '../test/support/cluster.js';
import { readiness, startOperator, type ManagedProcess } from '../test/support/operator.js';
import { waitUntil } from '../test/support/wait.js';

export interface ChaosOptions {
  subtasks: number;
  /** Pipeline shape: micro-batches × stages. */
  microBatches: number;
  stages: number;
  nodes: number;
  kills: number;
  /** How long the API is throttled. */
  throttleSeconds: number;
  /** Simulated work per subtask, so that subtasks are running when faults strike. */
  workDuration: string;
  seed: number;
  /** The pipeline runs on the control plane's real node (hack/node.sh), which must exist; else on kwok nodes. */
  realNode: boolean;
  /** On the real node, each pipeline stage's work lasts at least this long (params.minSeconds), so that faults strike while it runs. */
  stageSeconds: number;
  log: (line: string) => void;
}

export interface Fault {
  kind: 'kill-leader' | 'restart-apiserver' | 'restart-etcd' | 'delete-nodes' | 'throttle-api';
  at: number;
  detail: string;
  recoverySeconds: number;
  /** Whether the pipeline was still running when the fault struck. */
  duringPipeline: boolean;
}

export interface ChaosReport {
  faults: Fault[];
  checks: Array<{ name: string; ok: boolean; detail: string }>;
  seconds: number;
  attempts: { subtasks: number; total: number; retriesByReason: Record<string, number> };
  /**
   * Both replicas' readiness, polled every 2 s: how often both said they lead, and how often a
   * replica exited by itself (a lost lease) and was started again (reported, not checks).
   */
  leaders: { samples: number; bothLeading: number; firstBothAt?: number; exits: number };
}

// Deterministic choices from the seed, so a failing run can be told apart from a flaky one.
function random(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 0x1_0000_0000;
  };
}

const localDir = () => {
  const dir = process.env.DRM_LOCAL_DIR;
  // Faults restart etcd and kube-apiserver: never those of the shared cluster.
  if (!dir || path.resolve(dir) === path.join(rootDir, '.local')) throw new Error('chaos runs only on its own control plane: run it through `npm run chaos` (hack/scale-cluster.sh sets DRM_LOCAL_DIR)');
  return dir;
};

function pidOf(component: string): number {
  return Number(readFileSync(path.join(localDir(), 'cluster', 'run', `${component}.pid`), 'utf8').trim());
}

async function killAndWait(pid: number, signal: NodeJS.Signals): Promise<void> {
  process.kill(pid, signal);
  await waitUntil(`process ${pid} gone`, () => {
    try {
      process.kill(pid, 0);
      return false;
    } catch {
      return true;
    }
  }, 60_000);
}

/**
 * hack/cluster.sh up starts whatever of the control plane is not running, and waits until it
 * answers. Not the real node, which runs on (its kubelet reconnects): its `up` would also rebuild
 * the images.
 */
/** Starts what of the control plane is not running; `apiserverArgs` are kube-apiserver's extra flags. */
function clusterUp(apiserverArgs = ''): void {
  const env = { ...process.env, KUBECONFIG: '', DRM_REAL_NODES: '0', DRM_APISERVER_EXTRA_ARGS: apiserverArgs };
  const result = spawnSync('bash', [path.join(rootDir, 'hack', 'cluster.sh'), 'up'], { env, encoding: 'utf8', timeout: 300_000 });
  if (result.status !== 0) throw new Error(`cluster.sh up failed: ${result.stderr}`);
}

/** SIGKILL to a control-plane component, started again (kube-apiserver with `apiserverArgs`), until the API answers. */
async function restart(component: 'etcd' | 'kube-apiserver', apiserverArgs = ''): Promise<void> {
  await killAndWait(pidOf(component), 'SIGKILL');
  clusterUp(apiserverArgs);
  await waitUntil('the API server answering', apiAnswers, 180_000);
}

const restartApiserver = (apiserverArgs = '') => restart('kube-apiserver', apiserverArgs);

const apiAnswers = () => kubectl(['get', '--raw', '/readyz', '--request-timeout=3s']).code === 0;

interface Replica {
  port: number;
  process: ManagedProcess;
  /** Set while a fault kills and restarts it. */
  killing?: boolean;
}

export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const { log } = options;
  localDir();
  const rand = random(options.seed);
  installCrds();
  const suffix = Date.now().toString(36).slice(-5);
  const pool = `chaos-${suffix}`;
  const realPool = `chaos-real-${suffix}`;
  const namespace = createNamespace('chaos');
  const basePort = 21000 + Math.floor(rand() * 5000);
  const operatorArgs = ['--no-dashboard', '--log-level', 'warn', '--kubeconfig', operatorIdentity()];
  const replicas: Replica[] = [0, 1].map((i) => ({ port: basePort + i, process: startOperator({ healthPort: basePort + i, leaderElect: true, leaseNamespace: 'default', extraArgs: operatorArgs }) }));
  const faults: Fault[] = [];
  const started = performance.now();
  const elapsed = () => (performance.now() - started) / 1000;
  const leader = async () => {
    for (const replica of replicas) if ((await readiness(replica.port))?.leader) return replica;
    return undefined;
  };
  const leaders: ChaosReport['leaders'] = { samples: 0, bothLeading: 0, exits: 0 };
  // Set while kube-apiserver runs with the throttle's limits, so that a failure lifts them.
  let throttled = false;
  const leaderPoll = setInterval(() => {
    // A replica that lost its lease exits; its Deployment would start it again.
    for (const replica of replicas) {
      if (replica.killing || (replica.process.child.exitCode === null && replica.process.child.signalCode === null)) continue;
      leaders.exits++;
      log(`  ${elapsed().toFixed(0)} s: the replica on :${replica.port} exited by itself (${replica.process.child.exitCode ?? replica.process.child.signalCode}); started again`);
      replica.process = startOperator({ healthPort: replica.port, leaderElect: true, leaseNamespace: 'default', extraArgs: operatorArgs });
    }
    void Promise.all(replicas.map((r) => readiness(r.port))).then((states) => {
      leaders.samples++;
      if (states.filter((state) => state?.leader).length < 2) return;
      leaders.bothLeading++;
      leaders.firstBothAt ??= elapsed();
    });
  }, 2000);
  try {
    await waitUntil('a leader', async () => (await leader()) !== undefined, 120_000);
    kubectlOk(['apply', '-f', '-'], manifestInput(workerPool(pool, 'kwok', { metadata: { labels: { chaos: suffix } }, spec: { provider: { kwok: { node: { cpu: '32', memory: '128Gi' } } }, minNodes: options.nodes, maxNodes: options.nodes, scaling: { predictive: false, scaleDownIdleSeconds: 86400 } } })));
    if (options.realNode) usePoolOnRealNode(realPool, suffix);
    await waitUntil(`${options.nodes} nodes Ready`, () => readyNodes(pool).length >= options.nodes, 300_000);
    const simulated = { annotations: { 'drm.dtf.io/simulated-duration': options.workDuration } };
    const common = { resources: { cpu: '100m', memory: '64Mi' }, poolSelector: { matchLabels: { chaos: suffix } }, retry: { maxAttempts: 6, backoffSeconds: 1, maxBackoffSeconds: 10 } };
    const pipeline = pipelinePlan(options, rand);
    const stageTime = options.realNode && options.stageSeconds > 0 ? { minSeconds: options.stageSeconds } : {};
    // The real worker (Node in a container) needs more than a simulated pod's 64 MiB.
    const pipelineCommon = options.realNode ? { ...common, resources: { cpu: '50m', memory: '160Mi' }, poolSelector: { matchLabels: { 'chaos-real': suffix } } } : common;
    kubectlOk(['apply', '-n', namespace, '-f', '-'], manifestInput({
      apiVersion: 'v1',
      kind: 'List',
      items: [
        dataParallelTask('big', { metadata: simulated, spec: { ...common, input: { items: Array.from({ length: options.subtasks }, (_, i) => i) }, partitions: options.subtasks } }),
        pipelineParallelTask('pipe', {
          metadata: options.realNode ? {} : simulated,
          spec: { ...pipelineCommon, taskType: 'map', input: { items: pipeline.items }, microBatches: options.microBatches, stages: pipeline.ops.map((op, s) => ({ name: `s${s}-${op}`, params: { op, ...stageTime } })) },
        }),
      ],
    }));
    log(`applied: big (${options.subtasks} subtasks) on ${options.nodes} kwok nodes and pipe (${options.microBatches}×${options.stages}: ${pipeline.ops.join(', ')}) on ${options.realNode ? 'the real node' : 'them too'}`);

    const plan: Fault['kind'][] = [...Array<Fault['kind']>(options.kills).fill('kill-leader'), 'restart-apiserver', 'restart-etcd', 'delete-nodes', 'throttle-api'];
    for (let i = plan.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [plan[i], plan[j]] = [plan[j]!, plan[i]!];
    }
    // Losing nodes needs subtasks running on them, which only a task still in progress has: first.
    plan.splice(plan.indexOf('delete-nodes'), 1);
    plan.unshift('delete-nodes');
    const nodeLosses: string[] = [];
    for (const kind of plan) {
      await sleep(3000 + rand() * 9000);
      const at = elapsed();
      const duringPipeline = taskPhase(namespace, 'pipe') !== 'Completed';
      const fault = await inject(kind);
      faults.push({ kind, at, duringPipeline, ...fault });
      log(`  ${at.toFixed(0)} s: ${kind} — ${fault.detail}; recovered in ${fault.recoverySeconds.toFixed(1)} s${duringPipeline ? ' (pipeline running)' : ''}`);
    }

    async function inject(kind: Fault['kind']): Promise<Pick<Fault, 'detail' | 'recoverySeconds'>> {
      const t0 = performance.now();
      const since = () => (performance.now() - t0) / 1000;
      switch (kind) {
        case 'kill-leader': {
          const current = await leader();
          if (!current) return { detail: 'no leader at that moment (still failing over): nothing killed', recoverySeconds: 0 };
          current.killing = true;
          await current.process.stop('SIGKILL');
          // The killed replica comes back, as its Deployment would restart it.
          current.process = startOperator({ healthPort: current.port, leaderElect: true, leaseNamespace: 'default', extraArgs: operatorArgs });
          current.killing = false;
          await waitUntil('a new leader', async () => (await leader()) !== undefined, 180_000);
          return { detail: `SIGKILL to the leader on :${current.port}`, recoverySeconds: since() };
        }
        case 'restart-apiserver':
        case 'restart-etcd': {
          const component = kind === 'restart-etcd' ? 'etcd' : 'kube-apiserver';
          await restart(component);
          await waitUntil('a leader', async () => (await leader()) !== undefined, 180_000);
          return { detail: `SIGKILL to ${component}, started again`, recoverySeconds: since() };
        }
        case 'delete-nodes': {
          // kwok nodes only: the real node's kubelet would register it again at once.
          const kwokBusy = () => { const kwok = new Set(readyNodes(pool)); return nodesRunningSubtasks(namespace).filter((n) => kwok.has(n)); };
          // A tenth of the pool, each running subtasks: early on, bin-packing fills few nodes, so wait
          // (up to 5 minutes) until that many are busy; then take what is.
          const wanted = Math.max(1, Math.round(options.nodes / 10));
          await waitUntil(`${wanted} nodes running subtasks`, () => kwokBusy().length >= wanted, 300_000).catch(() => undefined);
          await waitUntil('subtasks running', () => kwokBusy().length > 0, 300_000);
          const victims = kwokBusy().slice(0, wanted);
          // Cordoned first, so that no pod is bound there between the count and the deletion.
          kubectlOk(['cordon', ...victims]);
          await sleep(2000);
          const runningThere = runningPodsOn(namespace, victims);
          nodeLosses.push(...runningThere);
          kubectlOk(['delete', 'node', ...victims, '--wait=false']);
          // Recovered when every subtask that ran there runs again elsewhere or has finished.
          await waitUntil('the lost subtasks running elsewhere', () => subtasksMovedOff(namespace, runningThere, victims), 600_000);
          return { detail: `deleted ${victims.length} nodes holding ${runningThere.length} unfinished subtask pods`, recoverySeconds: since() };
        }
        case 'throttle-api': {
          const before = completedCount(namespace);
          await restartApiserver(THROTTLED_APISERVER_ARGS);
          throttled = true;
          await sleep(options.throttleSeconds * 1000);
          const duringThrottle = completedCount(namespace) - before;
          const rejected = rejectedByPriorityLevel();
          await restartApiserver();
          throttled = false;
          const lifted = performance.now();
          const afterLift = completedCount(namespace);
          const allDone = () => taskPhases(namespace).every((p) => p === 'Completed');
          await waitUntil('progress after the throttle', () => allDone() || completedCount(namespace) > afterLift, 600_000);
          return { detail: `kube-apiserver restarted with ${THROTTLED_APISERVER_ARGS} for ${options.throttleSeconds} s, then without (${duringThrottle} subtasks completed meanwhile; requests rejected with 429 by priority level: ${rejected})`, recoverySeconds: (performance.now() - lifted) / 1000 };
        }
      }
    }

    await waitUntil('both tasks Completed', () => {
      const phases = taskPhases(namespace);
      if (phases.some((p) => p === 'Failed')) throw new Error(`a task failed: ${kubectl(['get', 'ot', '-n', namespace, '-o', 'json']).stdout.slice(0, 4000)}`);
      return phases.length === 2 && phases.every((p) => p === 'Completed');
    }, 1_800_000);
    log(`both tasks Completed after ${elapsed().toFixed(0)} s`);
    const report = check(namespace, options, nodeLosses, { big: [], pipe: options.realNode ? pipeline.expected : [] });
    const clean = await checkCleanup(namespace);
    report.checks.push({ name: 'deleting the tasks leaves no Pods, Subtasks or ConfigMaps of theirs', ok: clean, detail: clean ? 'none left' : 'some left after 10 minutes' });
    return { faults, seconds: elapsed(), leaders, ...report };
  } finally {
    clearInterval(leaderPoll);
    if (throttled) await restartApiserver();
    await Promise.all(replicas.map((r) => r.process.stop()));
    kubectl(['delete', 'namespace', namespace, '--wait=false']);
    kubectl(['delete', 'workerpool', pool, realPool, '--ignore-not-found', '--wait=false']);
  }
}

const PIPELINE_OPS = ['double', 'negate', 'square'] as const;

/**
 * The pipeline's input (whole numbers from the seed), its stages (map ops in turn) and the merged
 * result the test expects, computed here from the input alone: the last stage's outputs in
 * micro-batch order, and micro-batches are contiguous, so every item through every op, in order.
 */
function pipelinePlan(options: ChaosOptions, rand: () => number): { items: number[]; ops: string[]; expected: number[] } {
  const items = Array.from({ length: options.microBatches * 2 }, () => Math.floor(rand() * 201) - 100);
  const ops = Array.from({ length: options.stages }, (_, s) => PIPELINE_OPS[s % PIPELINE_OPS.length]!);
  const apply = (x: number, op: string) => (op === 'double' ? 2 * x : op === 'negate' ? -x : x * x);
  return { items, ops, expected: items.map((x) => ops.reduce(apply, x)) };
}

/** A static pool over the control plane's one real node (hack/node.sh), whose taint its subtasks then tolerate. */
function usePoolOnRealNode(pool: string, suffix: string): void {
  const nodes = kubectlOk(['get', 'nodes', '-l', 'drm.dtf.io/real-node=true', '-o', 'jsonpath={.items[*].metadata.name}']).split(/\s+/).filter(Boolean);
  if (nodes.length !== 1) throw new Error(`the pipeline needs exactly one real node on this control plane, found ${nodes.length} (npm run chaos starts one: hack/scale-cluster.sh with DRM_SCALE_REAL_NODE=1)`);
  kubectlOk(['label', 'node', nodes[0]!, `drm.dtf.io/static-pool=${pool}`, '--overwrite']);
  kubectlOk(['apply', '-f', '-'], manifestInput(workerPool(pool, 'static', {
    metadata: { labels: { 'chaos-real': suffix } },
    spec: { taints: [{ key: 'drm.dtf.io/real-node', value: 'true', effect: 'NoSchedule' }], minNodes: 0, maxNodes: 1 },
  })));
}

function readyNodes(pool: string): string[] {
  const out = kubectlOk(['get', 'nodes', '-l', `drm.dtf.io/pool=${pool}`, '-o', 'jsonpath={range .items[*]}{.metadata.name}={.status.conditions[?(@.type=="Ready")].status}{" "}{end}']);
  return out.split(/\s+/).filter((s) => s.endsWith('=True')).map((s) => s.slice(0, -5));
}

interface PodJson {
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string>; ownerReferences?: Array<{ name: string }> };
  spec: { nodeName?: string };
  status?: { phase?: string };
}

const listJson = <T>(args: string[]) => (JSON.parse(kubectlOk(['get', ...args, '-o', 'json'])) as { items: T[] }).items;
const podsOf = (namespace: string) => listJson<PodJson>(['pods', '-n', namespace, '-l', 'app.kubernetes.io/managed-by=drm-operator']);
const subtaskOfPod = (pod: PodJson) => pod.metadata.annotations?.['drm.dtf.io/subtask-name'] ?? pod.metadata.ownerReferences?.[0]?.name ?? '?';

function nodesRunningSubtasks(namespace: string): string[] {
  const counts = new Map<string, number>();
  for (const pod of podsOf(namespace)) if (pod.status?.phase === 'Running' && pod.spec.nodeName) counts.set(pod.spec.nodeName, (counts.get(pod.spec.nodeName) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1]).map(([node]) => node);
}

/** Subtasks whose pod is bound to one of the nodes and not finished: lost with them, whether started or not. */
function runningPodsOn(namespace: string, nodes: string[]): string[] {
  const set = new Set(nodes);
  return podsOf(namespace).filter((pod) => (pod.status?.phase === 'Running' || pod.status?.phase === 'Pending') && set.has(pod.spec.nodeName ?? '')).map(subtaskOfPod);
}

interface SubtaskJson {
  metadata: { name: string; labels?: Record<string, string> };
  status?: { phase?: string; nodeName?: string; attempts?: number; attemptHistory?: Array<{ attempt: number; phase: string; reason?: string; nodeName?: string }> };
}

const subtasksOf = (namespace: string) => listJson<SubtaskJson>(['st', '-n', namespace]);

function subtasksMovedOff(namespace: string, names: string[], lostNodes: string[]): boolean {
  const wanted = new Set(names);
  const lost = new Set(lostNodes);
  return subtasksOf(namespace)
    .filter((s) => wanted.has(s.metadata.name))
    .every((s) => s.status?.phase === 'Completed' || (s.status?.phase === 'Running' && !lost.has(s.status.nodeName ?? '')));
}

function taskPhases(namespace: string): string[] {
  return listJson<{ status?: { phase?: string } }>(['ot', '-n', namespace]).map((t) => t.status?.phase ?? '');
}

function taskPhase(namespace: string, name: string): string {
  return kubectl(['get', 'ot', name, '-n', namespace, '-o', 'jsonpath={.status.phase}']).stdout.trim();
}

function completedCount(namespace: string): number {
  return subtasksOf(namespace).filter((s) => s.status?.phase === 'Completed').length;
}

/** apiserver_flowcontrol_rejected_requests_total summed by priority level (since the API server started), e.g. `workload-low 12`. */
function rejectedByPriorityLevel(): string {
  const metrics = kubectl(['get', '--raw', '/metrics']).stdout;
  const byLevel = new Map<string, number>();
  for (const match of metrics.matchAll(/^apiserver_flowcontrol_rejected_requests_total\{[^}]*priority_level="([^"]+)"[^}]*\} (\S+)$/gm)) {
    byLevel.set(match[1]!, (byLevel.get(match[1]!) ?? 0) + Number(match[2]));
  }
  return [...byLevel].map(([level, count]) => `${level} ${count}`).join(', ') || 'none';
}

const OPERATOR_ACCOUNT = 'drm-chaos-operator';

/**
 * The operators run as a ServiceAccount of their own, not as the admin: the API server never
 * throttles system:masters (neither its in-flight limits nor Priority and Fairness apply to
 * them), and a deployed operator is no master either. Returns the path of its kubeconfig.
 */
function operatorIdentity(): string {
  kubectl(['create', 'serviceaccount', OPERATOR_ACCOUNT, '-n', 'default']);
  kubectl(['create', 'clusterrolebinding', OPERATOR_ACCOUNT, '--clusterrole=cluster-admin', `--serviceaccount=default:${OPERATOR_ACCOUNT}`]);
  const token = kubectlOk(['create', 'token', OPERATOR_ACCOUNT, '-n', 'default', '--duration=4h']).trim();
  const admin = new KubeConfig();
  admin.loadFromFile(kubeconfigPath());
  const cluster = admin.getCurrentCluster()!;
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'drm-chaos-')), 'kubeconfig');
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'chaos', cluster: { server: cluster.server, 'certificate-authority': cluster.caFile } }],
    users: [{ name: OPERATOR_ACCOUNT, user: { token } }],
    contexts: [{ name: 'chaos', context: { cluster: 'chaos', user: OPERATOR_ACCOUNT } }],
    'current-context': 'chaos',
  };
  writeFileSync(file, JSON.stringify(config), { mode: 0o600 });
  return file;
}

/**
 * The throttle: kube-apiserver's in-flight limits, which API Priority and Fairness divides among
 * its priority levels (`--max-requests-inflight` plus `--max-mutating-requests-inflight` seats in
 * all), so requests queue and, past the queues, get 429s. The operators' ServiceAccount lands in
 * `workload-low`; kwok, as system:masters, is exempt, and the scheduler, the controller manager and
 * the kubelet share the few seats of the system levels.
 */
const THROTTLED_APISERVER_ARGS = '--max-requests-inflight=2 --max-mutating-requests-inflight=1';

function check(namespace: string, options: ChaosOptions, nodeLosses: string[], expected: Record<string, unknown>): Omit<ChaosReport, 'faults' | 'seconds' | 'leaders'> {
  const checks: ChaosReport['checks'] = [];
  const add = (name: string, ok: boolean, detail: string) => checks.push({ name, ok, detail });
  const tasks = listJson<{ metadata: { name: string }; status?: { phase?: string; result?: unknown; subtasks?: Record<string, number> } }>(['ot', '-n', namespace]);
  // Simulated pods answer an empty list each (hack/kwok/stages.yaml): concat of the partitions (and
  // of a pipeline's last-stage outputs, on kwok) is an empty list too; on the real node the
  // pipeline's result is the one pipelinePlan computed from the input.
  for (const task of tasks) {
    add(`${task.metadata.name}: Completed with the expected merged result`, task.status?.phase === 'Completed' && JSON.stringify(task.status.result) === JSON.stringify(expected[task.metadata.name]), `phase ${task.status?.phase}, result ${JSON.stringify(task.status?.result)?.slice(0, 200)}`);
  }
  const subtasks = subtasksOf(namespace);
  const wantSubtasks = options.subtasks + options.microBatches * options.stages;
  add('every subtask exists and Completed', subtasks.length === wantSubtasks && subtasks.every((s) => s.status?.phase === 'Completed'), `${subtasks.filter((s) => s.status?.phase === 'Completed').length}/${wantSubtasks} Completed, ${subtasks.length} exist`);

  const pods = podsOf(namespace);
  const succeeded = new Map<string, number>();
  for (const pod of pods) if (pod.status?.phase === 'Succeeded') succeeded.set(subtaskOfPod(pod), (succeeded.get(subtaskOfPod(pod)) ?? 0) + 1);
  const twice = [...succeeded.entries()].filter(([, n]) => n > 1);
  const completedAttempts = subtasks.map((s) => (s.status?.attemptHistory ?? []).filter((a) => a.phase === 'Completed').length);
  add('no subtask succeeded twice (pods and attempt history)', twice.length === 0 && completedAttempts.every((n) => n === 1), twice.length ? `twice: ${twice.slice(0, 5).map(([n]) => n).join(', ')}` : `${succeeded.size} subtasks with one succeeded pod each`);

  const names = new Set(subtasks.map((s) => s.metadata.name));
  const orphanPods = pods.filter((pod) => !names.has(subtaskOfPod(pod)));
  const configMaps = listJson<PodJson>(['configmaps', '-n', namespace, '-l', 'app.kubernetes.io/managed-by=drm-operator']);
  const orphanMaps = configMaps.filter((cm) => !cm.metadata.ownerReferences?.some((o) => names.has(o.name)) && !cm.metadata.ownerReferences?.some((o) => o.name === 'big' || o.name === 'pipe'));
  add('no orphaned Pods or ConfigMaps', orphanPods.length === 0 && orphanMaps.length === 0, `${orphanPods.length} pods, ${orphanMaps.length} ConfigMaps without an owner among the tasks and subtasks`);

  const retriesByReason: Record<string, number> = {};
  let total = 0;
  for (const s of subtasks) {
    total += s.status?.attempts ?? 0;
    for (const a of s.status?.attemptHistory ?? []) if (a.phase === 'Failed') retriesByReason[a.reason ?? '?'] = (retriesByReason[a.reason ?? '?'] ?? 0) + 1;
  }
  // A retry is explained by a lost node (deleted, or its pod gone with it); nothing else was injected.
  const explained = (retriesByReason.NodeLost ?? 0) + (retriesByReason.PodLost ?? 0);
  const unexplained = Object.entries(retriesByReason).filter(([reason]) => reason !== 'NodeLost' && reason !== 'PodLost');
  add(
    'attempts explained by the faults',
    unexplained.length === 0 && explained <= nodeLosses.length && total === subtasks.length + explained,
    `${total} attempts for ${subtasks.length} subtasks; failed attempts ${JSON.stringify(retriesByReason)}; ${nodeLosses.length} subtasks had unfinished pods on deleted nodes`,
  );
  return { checks, attempts: { subtasks: subtasks.length, total, retriesByReason } };
}

/** After the tasks are deleted, nothing of theirs is left (garbage collection included). */
async function checkCleanup(namespace: string): Promise<boolean> {
  kubectlOk(['delete', 'ot', '--all', '-n', namespace, '--wait=false']);
  const configMaps = () => listJson<PodJson>(['configmaps', '-n', namespace, '-l', 'app.kubernetes.io/managed-by=drm-operator']).length;
  try {
    await waitUntil('no pods, subtasks or ConfigMaps left', () => podsOf(namespace).length === 0 && subtasksOf(namespace).length === 0 && configMaps() === 0, 600_000);
    return true;
  } catch {
    return false;
  }
}
