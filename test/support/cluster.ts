// Access to the real control plane for integration tests: the cluster KUBECONFIG points at
// (hack/test.sh exports the local one), driven through the same kubectl and helm a user runs.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const rootDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export function kubeconfigPath(): string {
  const fromEnv = process.env.KUBECONFIG;
  if (fromEnv) return fromEnv;
  const local = path.join(rootDir, '.local', 'kubeconfig');
  if (!existsSync(local)) throw new Error('no cluster: set KUBECONFIG or run `npm run cluster:up`');
  return local;
}

function toolPath(name: 'kubectl' | 'helm'): string {
  const fromEnv = process.env[name === 'kubectl' ? 'DRM_KUBECTL' : 'DRM_HELM'];
  if (fromEnv) return fromEnv;
  const local = path.join(rootDir, '.local', 'bin', name);
  return existsSync(local) ? local : name;
}

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

function run(binary: string, args: string[], input?: string): CommandResult {
  const result = spawnSync(binary, args, {
    input,
    encoding: 'utf8',
    env: { ...process.env, KUBECONFIG: kubeconfigPath() },
    timeout: 120_000,
    // A namespace of 10,000 pods lists at ~65 MB of JSON (the scale bench counts its bytes).
    maxBuffer: 1024 * 1024 * 1024,
  });
  if (result.error) throw result.error;
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** Runs kubectl; returns its result whatever the exit code. */
export function kubectl(args: string[], input?: string): CommandResult {
  return run(toolPath('kubectl'), args, input);
}

/** Runs kubectl and throws with its stderr when it fails. */
export function kubectlOk(args: string[], input?: string): string {
  const result = kubectl(args, input);
  if (result.code !== 0) {
    throw new Error(`kubectl ${args.join(' ')} failed (${result.code}): ${result.stderr}`);
  }
  return result.stdout;
}

export function helm(args: string[]): CommandResult {
  return run(toolPath('helm'), args);
}

let namespaceCounter = 0;

/** A fresh namespace per test file, so tests never see each other's objects. */
export function createNamespace(prefix: string): string {
  const name = `${prefix}-${process.pid}-${Date.now().toString(36)}-${namespaceCounter++}`.slice(0, 63);
  kubectlOk(['create', 'namespace', name]);
  return name;
}

export function deleteNamespace(name: string): void {
  kubectl(['delete', 'namespace', name, '--wait=false', '--ignore-not-found']);
}

export const crdNames = [
  'orchestratedtasks.drm.dtf.io',
  'subtasks.drm.dtf.io',
  'workerpools.drm.dtf.io',
] as const;

/** Installs (or updates) the generated CRDs and waits until the API server serves them. */
export function installCrds(): void {
  kubectlOk(['apply', '--server-side', '--force-conflicts', '-f', path.join(rootDir, 'crds')]);
  waitForCrdsEstablished();
}

export function waitForCrdsEstablished(): void {
  kubectlOk(['wait', '--for=condition=Established', '--timeout=60s', ...crdNames.map((n) => `crd/${n}`)]);
}

/** Serializes a manifest for `kubectl -f -` (JSON is YAML). */
export function manifestInput(manifest: unknown): string {
  return JSON.stringify(manifest);
}

/** `kubectl apply` of one manifest built by a builder, in `namespace` when given. */
export function applyManifest(manifest: unknown, namespace?: string): string {
  return kubectlOk(['apply', ...(namespace ? ['-n', namespace] : []), '-f', '-'], manifestInput(manifest));
}
