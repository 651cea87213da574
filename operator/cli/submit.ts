// `kubectl drm submit`: an OrchestratedTask manifest from a file (YAML or JSON, one or more
// documents) or from a few flags (pure).
import { parseAllDocuments } from 'yaml';
import { GROUP_VERSION } from '../api/common.js';
import { STRATEGIES, type Strategy } from '../api/orchestratedtask.js';
import { parseParamAssignments } from '../predict/format.js';

export interface TaskManifest {
  apiVersion: string;
  kind: 'OrchestratedTask';
  metadata: { name: string; namespace?: string; [key: string]: unknown };
  spec: Record<string, unknown>;
  [key: string]: unknown;
}

/** The OrchestratedTasks in a file's text; throws with what is wrong. */
export function manifestsFromText(text: string, source: string): TaskManifest[] {
  const documents = parseAllDocuments(text);
  const manifests: TaskManifest[] = [];
  for (const document of documents) {
    if (document.errors.length > 0) throw new Error(`${source} is not valid YAML or JSON: ${document.errors[0]!.message.split('\n')[0]}`);
    const value = document.toJS() as unknown;
    if (value === null || value === undefined) continue;
    const items = isObject(value) && value.kind === 'List' && Array.isArray(value.items) ? (value.items as unknown[]) : [value];
    for (const item of items) {
      if (!isObject(item)) throw new Error(`${source}: a document is not an object`);
      if (item.kind !== 'OrchestratedTask') throw new Error(`${source}: kind ${JSON.stringify(item.kind)} is not OrchestratedTask`);
      const metadata = item.metadata;
      if (!isObject(metadata) || typeof metadata.name !== 'string' || !metadata.name) throw new Error(`${source}: metadata.name is required`);
      manifests.push({ ...item, apiVersion: typeof item.apiVersion === 'string' ? item.apiVersion : GROUP_VERSION } as TaskManifest);
    }
  }
  if (manifests.length === 0) throw new Error(`${source} holds no OrchestratedTask`);
  return manifests;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `1,2,x` → [1, 2, "x"]: items that read as JSON (numbers, booleans, null) become those. */
export function parseItems(text: string): unknown[] {
  if (text.trim() === '') return [];
  return text.split(',').map((raw) => {
    const item = raw.trim();
    if (/^(-?\d+(\.\d+)?([eE][-+]?\d+)?|true|false|null)$/.test(item)) return JSON.parse(item) as unknown;
    return item;
  });
}

function wholeNumber(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${flag} must be a whole number ≥ 1, got ${JSON.stringify(text)}`);
  return value;
}

export interface SubmitFlags {
  strategy?: string;
  taskType?: string;
  params?: string[];
  items?: string;
  partitions?: string;
  microBatches?: string;
  stages?: string;
  merge?: string;
}

/** A task from flags; the API server validates the rest (e.g. what a strategy requires). Throws on flags that cannot be read. */
export function manifestFromFlags(name: string, flags: SubmitFlags): TaskManifest {
  const strategy = (flags.strategy ?? 'DataParallel') as Strategy;
  if (!STRATEGIES.includes(strategy)) throw new Error(`--strategy must be one of ${STRATEGIES.join(', ')}, got ${JSON.stringify(flags.strategy)}`);
  const params = parseParamAssignments(flags.params ?? []);
  const partitions = wholeNumber('partitions', flags.partitions);
  const microBatches = wholeNumber('micro-batches', flags.microBatches);
  const stages = flags.stages === undefined ? undefined : flags.stages.split(',').map((stage) => ({ name: stage.trim() }));
  const spec: Record<string, unknown> = {
    strategy,
    taskType: flags.taskType ?? 'map',
    ...(Object.keys(params).length > 0 ? { params } : {}),
    ...(flags.items !== undefined ? { input: { items: parseItems(flags.items) } } : {}),
    ...(partitions !== undefined ? { partitions } : {}),
    ...(microBatches !== undefined ? { microBatches } : {}),
    ...(stages !== undefined ? { stages } : {}),
    ...(flags.merge !== undefined ? { merge: { method: flags.merge } } : {}),
  };
  return { apiVersion: GROUP_VERSION, kind: 'OrchestratedTask', metadata: { name }, spec };
}
