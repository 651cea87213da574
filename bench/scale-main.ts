// `npm run bench -- --scale [--nodes N] [--subtasks M] [--shape one|many|both] [--json] [-- operator flags]`:
// the operator against Indexed Jobs on a kwok WorkerPool, side by side (bench/scale.ts).
import { parseArgs } from 'node:util';
import { benchScale, scaleLines, type Shape } from './scale.js';

const { values, positionals } = parseArgs({
  options: {
    scale: { type: 'boolean' },
    nodes: { type: 'string', default: '100' },
    subtasks: { type: 'string', default: '1000' },
    shape: { type: 'string', default: 'both' },
    json: { type: 'boolean' },
  },
  allowPositionals: true,
});
const nodes = Number(values.nodes);
const subtasks = Number(values.subtasks);
if (!Number.isInteger(nodes) || nodes < 1 || !Number.isInteger(subtasks) || subtasks < 100 || subtasks > 10_000) {
  process.stderr.write('--nodes must be a positive integer and --subtasks an integer from 100 to 10000\n');
  process.exit(2);
}
const shapes: Shape[] = values.shape === 'both' ? ['one', 'many'] : values.shape === 'one' || values.shape === 'many' ? [values.shape] : [];
if (shapes.length === 0) {
  process.stderr.write('--shape must be one, many or both\n');
  process.exit(2);
}
// Progress goes to stderr, so that --json leaves stdout one object.
const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);
const result = await benchScale({ nodes, subtasks, shapes, operatorArgs: positionals, log });
if (values.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
else for (const shape of result.shapes) process.stdout.write(`${scaleLines(result, shape).join('\n')}\n\n`);
process.exit(0);
