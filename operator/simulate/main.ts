// `npm run simulate -- --trace FILE [--pools POOLS.yaml | --compare A.yaml B.yaml] [--policy P]
// [--json] [--provision-seconds N]`: replays a workload trace against simulated WorkerPools with
// the operator's own decideScaling, and compares policies or pool configurations.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parsePoolFile, PoolFileError, SIMULATE_NODE_ANNOTATION } from './pools.js';
import { figuresOf, PLACEMENTS, POLICIES, simulate, type Placement, type Policy, type PolicyFigures, type SimulatedPool, type SimulationResult } from './simulation.js';
import { parseTrace, TRACE_HEADER, TraceError, type TraceTask } from './trace.js';

const POLICY_CHOICES = ['both', 'as-written', ...POLICIES] as const;
type PolicyChoice = (typeof POLICY_CHOICES)[number];

const HELP = `drm-simulate: replays a workload trace against simulated WorkerPools and compares node-hours,
cost, makespan, waiting and flapping, under both scaling policies or for two pool configurations.

Options:
  --trace FILE             the trace, a CSV with the header (required):
                           ${TRACE_HEADER}
  --pools FILE             WorkerPool manifests (YAML, one or many documents, as kubectl apply
                           takes them) to simulate instead of the default pools; checked with the
                           API's schema. Node shapes come from provider.kwok.node, or for aws/gcp
                           pools from the annotation ${SIMULATE_NODE_ANNOTATION}: "cpu=4,memory=16Gi,gpu=1"
  --compare A B            two pool files, simulated on the same trace, side by side
  --policy P               both (predictive and threshold on every pool), as-written (each pool's
                           spec.scaling.predictive), predictive or threshold. Default: both
                           without pool files, as-written with them
  --provision-seconds N    seconds from launching a node to its being ready (default 60)
  --prediction-noise S     how wrong the predicted durations are: each is the truth times e^(S·z),
                           z standard normal, seeded (default 0: exact)
  --placement P            scheduler (default: the head of each pool's queue on the node the
                           operator's scheduler scores best) or predicted-end (an experiment, not
                           what the operator's scheduler does: in predictive pools, on a node whose
                           running work is predicted to outlast the subtask, the soonest ending;
                           else where the scheduler would put it)
  --json                   JSON instead of a table: an array, one object per run, with policy,
                           nodeHours, cost, makespanSeconds, meanWaitSeconds, directionChanges
                           (node-hours to 3 decimals, cost to the cent, seconds to 0.1 s),
                           breakdown (node-hours launching, idle, busy, and used by the requests
                           of busy nodes) and lowerBoundNodeHours (every arrival known, each
                           subtask started on arrival, packed as if divisible, plus launches);
                           with pool files also pools (file), perPool and skipped
  -h, --help               this text

Default pools: cpu (8 cores, 32Gi, $0.40/h) and gpu (8 cores, 32Gi, 1 GPU, $1.20/h), 0 to 50
nodes each, scaling settings at the WorkerPool defaults. A row goes to a pool of its hardware
(cpu rows to cpu and memory pools) whose node holds its request; among several, the one the
operator would grow (cheapest per unit of the short resource, with room). Rows no pool holds are
left out and reported once, with a count. The predictive policy is told the remaining time of
the work already arrived (each running and queued subtask) and the rate at which work arrived
over the last horizon + scaleDownIdleSeconds, never future arrivals.
`;

function fail(message: string, code = 2): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

let parsed;
try {
  parsed = parseArgs({
    allowPositionals: true,
    options: {
      trace: { type: 'string' },
      pools: { type: 'string' },
      compare: { type: 'string', multiple: true },
      policy: { type: 'string' },
      json: { type: 'boolean', default: false },
      'provision-seconds': { type: 'string' },
      'prediction-noise': { type: 'string' },
      placement: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
} catch (error) {
  fail(`${(error as Error).message}\nRun with --help for the options.`);
}
const { values, positionals } = parsed;
if (values.help) {
  process.stdout.write(HELP);
  process.exit(0);
}
if (!values.trace) fail('--trace FILE is required\nRun with --help for the options.');
// `--compare A B`: B arrives as a positional.
const compare = values.compare ? [...values.compare, ...positionals] : undefined;
if (!compare && positionals.length > 0) fail(`unexpected argument ${JSON.stringify(positionals[0])}\nRun with --help for the options.`);
if (compare && compare.length !== 2) fail(`--compare takes two pool files, got ${compare.length}`);
if (compare && values.pools) fail('--pools and --compare do not go together: --compare A B simulates both files');
const poolFiles = compare ?? (values.pools ? [values.pools] : []);
const policyChoice = (values.policy ?? (poolFiles.length > 0 ? 'as-written' : 'both')) as PolicyChoice;
if (!POLICY_CHOICES.includes(policyChoice)) fail(`--policy must be one of ${POLICY_CHOICES.join(', ')}, got ${JSON.stringify(values.policy)}`);
const policies: Policy[] = policyChoice === 'both' ? [...POLICIES] : [policyChoice];
let provisionSeconds = 60;
if (values['provision-seconds'] !== undefined) {
  provisionSeconds = Number(values['provision-seconds']);
  if (values['provision-seconds'].trim() === '' || !Number.isFinite(provisionSeconds) || provisionSeconds < 0) {
    fail(`--provision-seconds must be a number of seconds ≥ 0, got ${JSON.stringify(values['provision-seconds'])}`);
  }
}

let predictionNoise = 0;
if (values['prediction-noise'] !== undefined) {
  predictionNoise = Number(values['prediction-noise']);
  if (values['prediction-noise'].trim() === '' || !Number.isFinite(predictionNoise) || predictionNoise < 0) {
    fail(`--prediction-noise must be a number ≥ 0, got ${JSON.stringify(values['prediction-noise'])}`);
  }
}

const placement = (values.placement ?? 'scheduler') as Placement;
if (!PLACEMENTS.includes(placement)) fail(`--placement must be one of ${PLACEMENTS.join(', ')}, got ${JSON.stringify(values.placement)}`);

function read(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    fail(`cannot read the ${what} ${path}: ${(error as Error).message}`);
  }
}

let tasks: TraceTask[];
try {
  tasks = parseTrace(read(values.trace, 'trace'), values.trace);
} catch (error) {
  if (error instanceof TraceError) fail(error.message);
  throw error;
}

interface Run {
  /** The pool file, or undefined for the default pools. */
  file: string | undefined;
  result: SimulationResult;
}

const poolSets: Array<{ file: string | undefined; pools: SimulatedPool[] | undefined }> = poolFiles.length === 0 ? [{ file: undefined, pools: undefined }] : poolFiles.map((file) => ({ file, pools: poolsOf(file) }));

function poolsOf(file: string): SimulatedPool[] {
  try {
    return parsePoolFile(read(file, 'pool file'), file);
  } catch (error) {
    if (error instanceof PoolFileError) fail(error.message);
    throw error;
  }
}

const runs: Run[] = [];
try {
  for (const { file, pools } of poolSets) {
    for (const policy of policies) runs.push({ file, result: simulate(tasks, policy, { provisionSeconds, predictionNoise, placement, ...(pools ? { pools } : {}) }) });
    // The same rows are left out under every policy: said once per pool set.
    const skipped = runs.at(-1)!.result.skipped;
    if (skipped) {
      const rows = skipped.rows === 1 ? `1 row (${skipped.subtasks} subtask${skipped.subtasks === 1 ? '' : "s"})` : `${skipped.rows} rows (${skipped.subtasks} subtasks)`;
      process.stderr.write(
        `${values.trace}: ${rows} fit no pool${file ? ` of ${file}` : ''} and were left out; the first, line ${skipped.first.line}: ${skipped.first.reason}\n`,
      );
    }
  }
} catch (error) {
  fail(`simulation failed: ${(error as Error).message}`, 1);
}
if (runs.every((run) => run.result.subtasks === 0)) fail(`${values.trace}: no row fits any pool; nothing was simulated`);

if (values.json) {
  const where = (result: SimulationResult) => ({ breakdown: roundedBreakdown(result), lowerBoundNodeHours: Number(result.lowerBoundNodeHours.toFixed(3)) });
  const rows = runs.map(({ file, result }) =>
    file === undefined ? { ...figuresOf(result), ...where(result) } : { pools: file, ...figuresOf(result), ...where(result), perPool: result.pools, ...(result.skipped ? { skipped: result.skipped } : {}) },
  );
  process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
} else if (compare) {
  process.stdout.write(sideBySide(runs));
} else {
  process.stdout.write(table(runs));
}

function formatTable(header: string[], body: string[][]): string[] {
  const widths = header.map((title, column) => Math.max(title.length, ...body.map((cells) => cells[column]!.length)));
  const line = (cells: string[]) => cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  ');
  return [line(header), ...body.map(line)];
}

function figureCells(row: PolicyFigures): string[] {
  return [row.nodeHours.toFixed(3), row.cost.toFixed(2), row.makespanSeconds.toFixed(1), row.meanWaitSeconds.toFixed(1), String(row.directionChanges)];
}

function title(subtasks: number, file: string | undefined): string {
  return `${values.trace}: ${subtasks} subtasks${file ? `, pools from ${file}` : ''}, nodes ready ${provisionSeconds} s after launch`;
}

function table(list: Run[]): string {
  const header = ['policy', 'node-hours', 'cost $', 'makespan s', 'mean wait s', 'direction changes', `peak nodes (${list[0]!.result.pools.map((pool) => pool.name).join('/')})`];
  const body = list.map(({ result }) => [result.policy, ...figureCells(figuresOf(result)), result.pools.map((pool) => pool.peakNodes).join('/')]);
  const lines = [title(list[0]!.result.subtasks, list[0]!.file), ...formatTable(header, body), '', ...breakdownTable(list)];
  if (list[0]!.file !== undefined) lines.push('', ...perPool(list));
  return `${lines.join('\n')}\n`;
}

function roundedBreakdown(result: SimulationResult): SimulationResult['breakdown'] {
  const { launching, idle, busy, used } = result.breakdown;
  return { launching: Number(launching.toFixed(3)), idle: Number(idle.toFixed(3)), busy: Number(busy.toFixed(3)), used: Number(used.toFixed(3)) };
}

/** Where each run's node-hours went, and the perfect-knowledge lower bound. */
function breakdownTable(list: Run[]): string[] {
  const header = ['node-hours in', 'launching', 'idle', 'busy', 'used by requests', 'lower bound'];
  const body = list.map(({ result }) => [result.policy, ...[result.breakdown.launching, result.breakdown.idle, result.breakdown.busy, result.breakdown.used, result.lowerBoundNodeHours].map((value) => value.toFixed(1))]);
  return formatTable(header, body);
}

function perPool(list: Run[]): string[] {
  const header = ['pool', 'policy', 'node-hours', 'cost $', 'peak nodes', 'scale-ups', 'scale-downs', 'direction changes'];
  const body = list.flatMap(({ file, result }) =>
    result.pools.map((pool) => [
      list.some((run) => run.file !== file) ? `${file}:${pool.name}` : pool.name,
      result.policy,
      pool.nodeHours.toFixed(3),
      pool.cost.toFixed(2),
      String(pool.peakNodes),
      String(pool.scaleUps),
      String(pool.scaleDowns),
      String(pool.directionChanges),
    ]),
  );
  return formatTable(header, body);
}

/** Each pool file a column (per policy), every figure a row, and B ÷ A when there are two. */
function sideBySide(list: Run[]): string {
  const columns = list.map(({ file, result }) => (policies.length > 1 ? `${file} (${result.policy})` : file!));
  const names = ['node-hours', 'cost $', 'makespan s', 'mean wait s', 'direction changes', 'subtasks run'];
  const cells = list.map(({ result }) => [...figureCells(figuresOf(result)), String(result.subtasks)]);
  const ratio = (row: number) => {
    if (list.length !== 2) return [];
    const [a, b] = [Number(cells[0]![row]), Number(cells[1]![row])];
    return [a > 0 ? `${(b / a).toFixed(2)}×` : b === 0 ? '1.00×' : '–'];
  };
  const header = ['', ...columns, ...(list.length === 2 ? ['B ÷ A'] : [])];
  const body = names.map((name, row) => [name, ...cells.map((column) => column[row]!), ...ratio(row)]);
  const subtasks = list.map((run) => run.result.subtasks);
  const heading = `${values.trace}: ${Math.max(...subtasks)} subtasks, nodes ready ${provisionSeconds} s after launch; A = ${list[0]!.file}, B = ${list.at(-1)!.file}`;
  return `${[heading, ...formatTable(header, body), '', ...perPool(list)].join('\n')}\n`;
}
