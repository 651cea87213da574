// Writes the shipped traces, test/traces/{bursty,diurnal,steady,production,heldout-mixed}.csv, from operator/simulate/traces.ts:
//   node --import tsx operator/simulate/generate-traces.ts [--check]
// With --check, writes nothing and exits 1 if a file differs from what the code generates.
// With --seed-offset N --out DIR, writes other draws of the same kinds (each seed plus N) to DIR,
// as KIND-N.csv, never over the shipped ones.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { formatTrace } from './trace.js';
import { generateTrace, HELD_OUT_KINDS, TRACE_KINDS } from './traces.js';

const { values } = parseArgs({ options: { check: { type: 'boolean', default: false }, 'seed-offset': { type: 'string' }, out: { type: 'string' } } });
const offset = values['seed-offset'] === undefined ? 0 : Number(values['seed-offset']);
if (!Number.isInteger(offset) || offset < 0) throw new Error(`--seed-offset must be a whole number ≥ 0, got ${values['seed-offset']}`);
if (offset > 0 && !values.out) throw new Error('--seed-offset needs --out DIR (the shipped traces are only those of offset 0)');
const directory = offset > 0 ? values.out! : join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'test', 'traces');
const check = values.check;
let stale = 0;
mkdirSync(directory, { recursive: true });
for (const kind of [...TRACE_KINDS, ...HELD_OUT_KINDS]) {
  const path = join(directory, offset > 0 ? `${kind}-${offset}.csv` : `${kind}.csv`);
  const text = formatTrace(generateTrace(kind, offset));
  let current: string | undefined;
  try {
    current = readFileSync(path, 'utf8');
  } catch {
    current = undefined;
  }
  if (current === text) continue;
  if (check) {
    process.stderr.write(`${path} differs from what operator/simulate/traces.ts generates\n`);
    stale += 1;
  } else {
    writeFileSync(path, text);
    process.stdout.write(`wrote ${path} (${text.split('\n').length - 2} tasks)\n`);
  }
}
process.exit(stale > 0 ? 1 : 0);
