// `npm run simulate -- --trace test/traces/bursty.csv [--json] [--provision-seconds N]`: replays a
// workload trace against a simulated CPU pool and GPU pool under both scaling policies
// (predictive and threshold) with the operator's own decideScaling, and compares them.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { figuresOf, simulateAll, type PolicyFigures, type SimulationResult } from './simulation.js';
import { parseTrace, TRACE_HEADER, TraceError } from './trace.js';

const HELP = `drm-simulate: replays a workload trace against simulated WorkerPools under both scaling
policies (predictive and threshold) and compares node-hours, cost, makespan, waiting and flapping.

Options:
  --trace FILE             the trace, a CSV with the header (required):
                           ${TRACE_HEADER}
  --provision-seconds N    seconds from launching a node to its being ready (default 60)
  --json                   a JSON array, one object per policy: policy, nodeHours, cost,
                           makespanSeconds, meanWaitSeconds, directionChanges (node-hours to
                           3 decimals, cost to the cent, seconds to 0.1 s)
  -h, --help               this text

Pools: cpu (8 cores, 32Gi, $0.40/h) and gpu (8 cores, 32Gi, 1 GPU, $1.20/h), 0 to 50 nodes each,
scaling settings at the WorkerPool defaults. The predictive policy is told the remaining
resource-seconds of the work already arrived (running and queued), never future arrivals.
`;

function fail(message: string, code = 2): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

let parsed;
try {
  parsed = parseArgs({
    options: {
      trace: { type: 'string' },
      json: { type: 'boolean', default: false },
      'provision-seconds': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
} catch (error) {
  fail(`${(error as Error).message}\nRun with --help for the options.`);
}
const { values } = parsed;
if (values.help) {
  process.stdout.write(HELP);
  process.exit(0);
}
if (!values.trace) fail('--trace FILE is required\nRun with --help for the options.');
let provisionSeconds = 60;
if (values['provision-seconds'] !== undefined) {
  provisionSeconds = Number(values['provision-seconds']);
  if (values['provision-seconds'].trim() === '' || !Number.isFinite(provisionSeconds) || provisionSeconds < 0) {
    fail(`--provision-seconds must be a number of seconds ≥ 0, got ${JSON.stringify(values['provision-seconds'])}`);
  }
}

let text: string;
try {
  text = readFileSync(values.trace, 'utf8');
} catch (error) {
  fail(`cannot read the trace ${values.trace}: ${(error as Error).message}`);
}

let results: SimulationResult[];
try {
  const tasks = parseTrace(text, values.trace);
  results = simulateAll(tasks, { provisionSeconds });
} catch (error) {
  if (error instanceof TraceError) {
    // Rows are checked against the pools after parsing; name the file there too.
    fail(error.source === values.trace ? error.message : new TraceError(values.trace, error.line, error.column, error.detail).message);
  }
  fail(`simulation failed: ${(error as Error).message}`, 1);
}

const figures = results.map(figuresOf);
if (values.json) {
  process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`);
} else {
  process.stdout.write(table(figures, results, values.trace, provisionSeconds));
}

function table(rows: PolicyFigures[], full: SimulationResult[], trace: string, provision: number): string {
  const header = ['policy', 'node-hours', 'cost $', 'makespan s', 'mean wait s', 'direction changes', 'peak nodes (cpu/gpu)'];
  const body = rows.map((row, index) => [
    row.policy,
    row.nodeHours.toFixed(3),
    row.cost.toFixed(2),
    row.makespanSeconds.toFixed(1),
    row.meanWaitSeconds.toFixed(1),
    String(row.directionChanges),
    full[index]!.pools.map((pool) => pool.peakNodes).join('/'),
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...body.map((cells) => cells[column]!.length)));
  const line = (cells: string[]) => cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  ');
  const subtasks = full[0]?.subtasks ?? 0;
  return [`${trace}: ${subtasks} subtasks, nodes ready ${provision} s after launch`, line(header), ...body.map(line), ''].join('\n');
}
