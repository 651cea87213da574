// The user's own WorkerPool manifests as simulated pools (pure: text in, pools or an error out).
//
// A pool file is YAML, one or many documents, each a WorkerPool exactly as `kubectl apply` takes
// it; every document is checked with the API's own zod schema (workerPoolSchema), so a file the
// API server would refuse is refused here too, naming the document and the field. The simulator
// needs each pool's node shape, which only the kwok provider states in the spec (an aws or gcp
// node's shape comes from the cloud's instance type); such pools may give it in the annotation
// SIMULATE_NODE_ANNOTATION, e.g. `cpu=4,memory=16Gi,gpu=1`. Static pools are never scaled and have
// no shape to simulate: refused.
import { parseAllDocuments } from 'yaml';
import { workerPoolSchema } from '../api/workerpool.js';
import { formatFieldPath } from '../api/validation.js';
import { parseQuantity } from '../core/placement/quantity.js';
import type { Amounts } from '../core/scaling/index.js';
import { simulatedPool, type SimulatedPool } from './simulation.js';

/** The annotation giving an aws or gcp pool's node shape to the simulator. */
export const SIMULATE_NODE_ANNOTATION = 'drm.dtf.io/simulate-node';

/** A pool file the simulator cannot use: which document (1-based), which field, why. */
export class PoolFileError extends Error {
  constructor(
    readonly source: string,
    readonly document: number,
    readonly field: string,
    readonly detail: string,
  ) {
    super(`${source}: document ${document}${field ? `, ${field}` : ''}: ${detail}`);
    this.name = 'PoolFileError';
  }
}

const MAX_POOLS = 100;

/** The pools a file of WorkerPool manifests describes, in file order (empty documents skipped). */
export function parsePoolFile(text: string, source = 'pools'): SimulatedPool[] {
  const documents = parseAllDocuments(text);
  if (!Array.isArray(documents)) throw new PoolFileError(source, 1, '', 'not a YAML stream');
  const pools: SimulatedPool[] = [];
  const names = new Map<string, number>();
  documents.forEach((document, index) => {
    const number = index + 1;
    if (document.errors.length > 0) throw new PoolFileError(source, number, '', `not valid YAML: ${document.errors[0]!.message.split('\n')[0]}`);
    const value: unknown = document.toJS();
    if (value === null || value === undefined) return;
    const parsed = workerPoolSchema.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new PoolFileError(source, number, formatFieldPath(issue.path), issue.message);
    }
    const pool = parsed.data;
    const name = pool.metadata.name;
    if (!name) throw new PoolFileError(source, number, 'metadata.name', 'a pool needs a name');
    const earlier = names.get(name);
    if (earlier !== undefined) throw new PoolFileError(source, number, 'metadata.name', `${name} is already the name of document ${earlier}`);
    names.set(name, number);
    const shape = nodeShapeOf(pool.spec.provider, pool.metadata.annotations?.[SIMULATE_NODE_ANNOTATION], source, number);
    const hardware = pool.spec.hardware.type;
    if (hardware === 'gpu' && shape.gpu < 1) throw new PoolFileError(source, number, `metadata.annotations["${SIMULATE_NODE_ANNOTATION}"]`, 'a gpu pool\'s node needs gpu ≥ 1');
    pools.push(simulatedPool(name, pool.spec, hardware === 'gpu' ? 'gpu' : 'cpu', pool.spec.scaling.predictive, shape));
  });
  if (pools.length === 0) throw new PoolFileError(source, 1, '', 'no WorkerPool in the file');
  if (pools.length > MAX_POOLS) throw new PoolFileError(source, MAX_POOLS + 1, '', `at most ${MAX_POOLS} pools`);
  return pools;
}

type ParsedProvider = ReturnType<typeof workerPoolSchema.parse>['spec']['provider'];

function nodeShapeOf(provider: ParsedProvider, annotation: string | undefined, source: string, document: number): Amounts {
  if (provider.static) throw new PoolFileError(source, document, 'spec.provider.static', 'a static pool is never scaled and has no node shape to simulate; use kwok with the nodes\' shape');
  const field = `metadata.annotations["${SIMULATE_NODE_ANNOTATION}"]`;
  if (annotation !== undefined) return parseShape(annotation, (detail) => new PoolFileError(source, document, field, detail));
  const node = provider.kwok?.node;
  if (!node) {
    const which = provider.aws ? 'aws' : 'gcp';
    throw new PoolFileError(source, document, field, `a ${which} pool's node shape comes from its instance type, which the simulator does not know: give it here, e.g. cpu=4,memory=16Gi,gpu=1`);
  }
  return { cpu: parseQuantity(node.cpu), memoryBytes: parseQuantity(node.memory), gpu: node.gpu ?? 0 };
}

/** `cpu=4,memory=16Gi,gpu=1` → Amounts (cpu and memory required, gpu default 0). */
export function parseShape(text: string, error: (detail: string) => Error): Amounts {
  const shape: Partial<Amounts> = {};
  for (const part of text.split(',')) {
    const [key, raw, ...rest] = part.split('=').map((piece) => piece.trim());
    if (!key || raw === undefined || raw === '' || rest.length > 0) throw error(`expected cpu=N,memory=Q[,gpu=N], got ${JSON.stringify(text)}`);
    let value: number;
    try {
      value = parseQuantity(raw);
    } catch {
      throw error(`${key}: not a quantity, got ${JSON.stringify(raw)}`);
    }
    if (!Number.isFinite(value) || value < 0) throw error(`${key}: expected a quantity ≥ 0, got ${JSON.stringify(raw)}`);
    if (key === 'cpu') shape.cpu = value;
    else if (key === 'memory') shape.memoryBytes = value;
    else if (key === 'gpu' && Number.isInteger(value)) shape.gpu = value;
    else throw error(key === 'gpu' ? `gpu: expected a whole number, got ${JSON.stringify(raw)}` : `unknown resource ${JSON.stringify(key)} (cpu, memory, gpu)`);
  }
  if (!(shape.cpu! > 0) || !(shape.memoryBytes! > 0)) throw error(`cpu and memory must both be given and > 0, got ${JSON.stringify(text)}`);
  return { cpu: shape.cpu!, memoryBytes: shape.memoryBytes!, gpu: shape.gpu ?? 0 };
}
