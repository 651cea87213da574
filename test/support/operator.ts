// Runs the real operator and the dev runner as child processes against the test cluster, so
// integration tests drive the whole product quickly. The dev runner (hack/dev-runner/) is a
// stand-in kubelet that runs worker pods as local processes: tests use it where they need many
// nodes, GPU kinds among them, that run real worker code in about a second. The user's path (the
// image, `helm install`, worker containers on a real kubelet) is tested by chart-install.test.ts.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { kubeconfigPath, kubectl, rootDir } from './cluster.js';
import { waitUntil } from './wait.js';

export interface ManagedProcess {
  child: ChildProcess;
  output: () => string;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

const started: ManagedProcess[] = [];

/** Stops every process this module started that still runs (for afterAll: nothing outlives a test file). */
export async function stopAll(): Promise<void> {
  await Promise.all(started.splice(0).map((p) => p.stop()));
}

function startProcess(args: string[], name: string): ManagedProcess {
  const child = spawn(process.execPath, args, {
    cwd: rootDir,
    env: { ...process.env, KUBECONFIG: kubeconfigPath(), LOG_LEVEL: process.env.DRM_TEST_LOG_LEVEL ?? 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-200_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const managed: ManagedProcess = {
    child,
    output: () => `--- ${name} ---\n${output}`,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
  started.push(managed);
  return managed;
}

const compiled = (file: string) => path.join(rootDir, 'dist', file);

/** The operator: compiled when dist/ is built (hack/test.sh builds it), else through tsx. */
export function startOperator(options: { healthPort: number; leaderElect?: boolean; leaseNamespace?: string; extraArgs?: string[] }): ManagedProcess {
  const entry = existsSync(compiled('operator/main.js')) ? [compiled('operator/main.js')] : ['--import', 'tsx', path.join(rootDir, 'operator', 'main.ts')];
  const election = options.leaderElect
    ? ['--leader-elect', '--lease-namespace', options.leaseNamespace ?? 'default', '--lease-duration-seconds', '10', '--renew-deadline-seconds', '8', '--retry-period-seconds', '1']
    : ['--no-leader-elect'];
  return startProcess([...entry, '--health-host', '127.0.0.1', '--health-port', String(options.healthPort), ...election, ...(options.extraArgs ?? [])], `operator :${options.healthPort}`);
}

export function startDevRunner(nodes: string[]): ManagedProcess {
  const stateDir = mkdtempSync(path.join(os.tmpdir(), 'drm-runner-'));
  const compiledWorker = existsSync(compiled('operator/worker/main.js')) ? ['--compiled-worker'] : [];
  return startProcess(
    ['--import', 'tsx', path.join(rootDir, 'hack', 'dev-runner', 'main.ts'), ...nodes.flatMap((n) => ['--node', n]), '--state-dir', stateDir, ...compiledWorker],
    'dev-runner',
  );
}

export async function readiness(port: number): Promise<{ ready: boolean; leader: boolean } | undefined> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/readyz`);
    return (await response.json()) as { ready: boolean; leader: boolean };
  } catch {
    return undefined;
  }
}

export async function waitForOperator(port: number, wantLeader = true): Promise<void> {
  await waitUntil(`operator on :${port} ready${wantLeader ? ' and leading' : ''}`, async () => {
    const state = await readiness(port);
    return Boolean(state?.ready && (!wantLeader || state.leader));
  });
}

export async function waitForNodesReady(names: string[]): Promise<void> {
  await waitUntil(`nodes ${names.join(', ')} Ready`, () =>
    names.every((name) => kubectl(['get', 'node', name, '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}']).stdout.trim() === 'True'),
  );
}
