#!/usr/bin/env node
// `kubectl drm`: a kubectl plugin (kubectl runs any `kubectl-drm` on PATH) to submit
// OrchestratedTasks, follow them as a tree of subtasks, read their merged results, cancel them,
// ask the predictor, and see the WorkerPools. Usage errors exit 2, API errors 1.
import { ApiException, CoreV1Api, CustomObjectsApi, KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { readFile, writeFile } from 'node:fs/promises';
import { API_GROUP, API_VERSION } from '../api/common.js';
import { runPredict } from '../predict/run.js';
import { parseCli, type Globals, type ParsedCli } from './args.js';
import { describeApiError } from './errors.js';
import { chunkConfigMapName, chunkCount, notReadyReason, reassembleResult, type ConfigMapLike, type ResultRef } from './result.js';
import { manifestFromFlags, manifestsFromText, type TaskManifest } from './submit.js';
import { renderTop, type PoolView } from './top.js';
import { renderStatus, type SubtaskView, type TaskView } from './tree.js';

const FIELD_MANAGER = 'kubectl-drm';
const tasksCrd = { group: API_GROUP, version: API_VERSION, plural: 'orchestratedtasks' };
const subtasksCrd = { group: API_GROUP, version: API_VERSION, plural: 'subtasks' };
const poolsCrd = { group: API_GROUP, version: API_VERSION, plural: 'workerpools' };
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const applyPatch = setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply);

/** A failure to report in one line with an exit code: 2 for usage, 1 for everything else. */
class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

const usage = (message: string, command: string) => new CliError(`error: ${message}; run "kubectl drm ${command} --help" for usage`, 2);

interface Context {
  kubeConfig: KubeConfig;
  namespace: string;
  custom: CustomObjectsApi;
  core: CoreV1Api;
}

function context(globals: Globals): Context {
  const kubeConfig = new KubeConfig();
  try {
    if (globals.kubeconfig) kubeConfig.loadFromFile(globals.kubeconfig);
    else kubeConfig.loadFromDefault();
  } catch (error) {
    throw new CliError(`error: cannot load the kubeconfig: ${describeApiError(error)}`, 1);
  }
  const fromContext = kubeConfig.getContextObject(kubeConfig.getCurrentContext())?.namespace;
  return {
    kubeConfig,
    namespace: globals.namespace ?? (fromContext || 'default'),
    custom: kubeConfig.makeApiClient(CustomObjectsApi),
    core: kubeConfig.makeApiClient(CoreV1Api),
  };
}

async function api<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw new CliError(`error: ${what}: ${describeApiError(error)}`, 1);
  }
}

async function getTask(ctx: Context, name: string): Promise<TaskView & { status?: Record<string, unknown> }> {
  try {
    return (await ctx.custom.getNamespacedCustomObject({ ...tasksCrd, namespace: ctx.namespace, name })) as TaskView;
  } catch (error) {
    if (error instanceof ApiException && error.code === 404) throw new CliError(`error: orchestratedtask "${name}" not found in namespace ${ctx.namespace}`, 1);
    throw new CliError(`error: cannot read orchestratedtask "${name}": ${describeApiError(error)}`, 1);
  }
}

type Values = Extract<ParsedCli, { kind: 'command' }>['values'];
const str = (value: string | string[] | boolean | undefined) => (typeof value === 'string' ? value : undefined);

async function submit(ctx: Context, values: Values, positionals: string[]): Promise<string> {
  const file = str(values.filename);
  const flagNames = ['strategy', 'task-type', 'param', 'items', 'partitions', 'micro-batches', 'stages', 'merge'];
  let manifests: TaskManifest[];
  if (file !== undefined) {
    if (positionals.length > 0 || flagNames.some((flag) => values[flag] !== undefined)) throw usage('give either -f FILE or NAME with flags, not both', 'submit');
    let text: string;
    try {
      text = file === '-' ? await readStdin() : await readFile(file, 'utf8');
    } catch (error) {
      throw new CliError(`error: cannot read ${file}: ${(error as Error).message}`, 1);
    }
    try {
      manifests = manifestsFromText(text, file === '-' ? 'stdin' : file);
    } catch (error) {
      throw new CliError(`error: ${(error as Error).message}`, 1);
    }
  } else {
    const name = positionals[0];
    if (!name) throw usage('submit needs -f FILE or a task NAME', 'submit');
    try {
      manifests = [
        manifestFromFlags(name, {
          strategy: str(values.strategy),
          taskType: str(values['task-type']),
          params: Array.isArray(values.param) ? values.param : undefined,
          items: str(values.items),
          partitions: str(values.partitions),
          microBatches: str(values['micro-batches']),
          stages: str(values.stages),
          merge: str(values.merge),
        }),
      ];
    } catch (error) {
      throw usage((error as Error).message, 'submit');
    }
  }
  const lines: string[] = [];
  for (const manifest of manifests) {
    const namespace = manifest.metadata.namespace ?? ctx.namespace;
    const body = { ...manifest, metadata: { ...manifest.metadata, namespace } };
    await api(`orchestratedtask "${manifest.metadata.name}" was not accepted`, () =>
      ctx.custom.patchNamespacedCustomObject({ ...tasksCrd, namespace, name: manifest.metadata.name, body, fieldManager: FIELD_MANAGER, force: true }, applyPatch),
    );
    lines.push(`orchestratedtask.${API_GROUP}/${manifest.metadata.name} submitted in namespace ${namespace}`);
  }
  return `${lines.join('\n')}\n`;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function status(ctx: Context, name: string): Promise<string> {
  const task = await getTask(ctx, name);
  const list = (await api('cannot list subtasks', () => ctx.custom.listNamespacedCustomObject({ ...subtasksCrd, namespace: ctx.namespace }))) as { items?: Array<SubtaskView & { spec: { taskRef?: { name?: string } } }> };
  const subtasks = (list.items ?? []).filter((s) => s.spec.taskRef?.name === name);
  return renderStatus(task, subtasks);
}

async function result(ctx: Context, name: string, output: string | undefined): Promise<string> {
  const task = await getTask(ctx, name);
  const taskStatus = task.status as { phase?: string; message?: string; result?: unknown; resultRef?: ResultRef; subtasksSummary?: string } | undefined;
  const reason = notReadyReason(name, taskStatus);
  if (reason) throw new CliError(reason, 1);
  let value: unknown = taskStatus?.result;
  const ref = taskStatus?.resultRef;
  if (taskStatus?.result === undefined && ref) {
    const read = (configMapName: string) => api(`cannot read the result ConfigMap ${configMapName}`, () => ctx.core.readNamespacedConfigMap({ namespace: ctx.namespace, name: configMapName }));
    const first: ConfigMapLike = await read(ref.configMapName);
    const configMaps = [first];
    for (let i = 1; i < chunkCount(first); i++) configMaps.push(await read(chunkConfigMapName(ref.configMapName, i)));
    try {
      value = reassembleResult(ref, configMaps);
    } catch (error) {
      throw new CliError(`error: ${(error as Error).message}`, 1);
    }
  }
  const json = `${JSON.stringify(value ?? null, null, 2)}\n`;
  if (output === undefined) return json;
  try {
    await writeFile(output, json);
  } catch (error) {
    throw new CliError(`error: cannot write ${output}: ${(error as Error).message}`, 1);
  }
  return `result of ${name} saved to ${output}\n`;
}

async function cancel(ctx: Context, name: string): Promise<string> {
  await getTask(ctx, name);
  await api(`cannot cancel orchestratedtask "${name}"`, () =>
    ctx.custom.patchNamespacedCustomObject({ ...tasksCrd, namespace: ctx.namespace, name, body: { spec: { cancel: true } }, fieldManager: FIELD_MANAGER }, mergePatch),
  );
  return `orchestratedtask.${API_GROUP}/${name} cancel requested\n`;
}

async function top(ctx: Context): Promise<string> {
  const list = (await api('cannot list workerpools', () => ctx.custom.listClusterCustomObject(poolsCrd))) as { items?: PoolView[] };
  return renderTop(list.items ?? []);
}

export async function main(argv: string[]): Promise<number> {
  const parsed = parseCli(argv);
  switch (parsed.kind) {
    case 'help':
      process.stdout.write(parsed.text);
      return 0;
    case 'error':
      process.stderr.write(`${parsed.message}\n`);
      return 2;
    case 'predict': {
      const args = [...parsed.args];
      if (parsed.globals.namespace) args.push('--namespace', parsed.globals.namespace);
      if (parsed.globals.kubeconfig) args.push('--kubeconfig', parsed.globals.kubeconfig);
      return runPredict(args, { name: 'kubectl drm predict', helpHint: 'Run "kubectl drm predict --help" for the options.' });
    }
  }
  try {
    const ctx = context(parsed.globals);
    const [first] = parsed.positionals;
    let text: string;
    switch (parsed.command) {
      case 'submit':
        text = await submit(ctx, parsed.values, parsed.positionals);
        break;
      case 'status':
        text = await status(ctx, first!);
        break;
      case 'result':
        text = await result(ctx, first!, str(parsed.values.output));
        break;
      case 'cancel':
        text = await cancel(ctx, first!);
        break;
      case 'top':
        text = await top(ctx);
        break;
    }
    process.stdout.write(text);
    return 0;
  } catch (error) {
    if (error instanceof CliError) {
      process.stderr.write(`${error.message}\n`);
      return error.exitCode;
    }
    process.stderr.write(`error: ${describeApiError(error)}\n`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
