// Writes the shipped traces, test/traces/{bursty,diurnal,steady,production,heldout-mixed}.csv, from operator/simulate/traces.ts:
//   node --import tsx operator/simulate/generate-traces.ts [--check]
// With --check, writes nothing and exits 1 if a file differs from what the code generates.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatTrace } from './trace.js';
import { generateTrace, HELD_OUT_KINDS, TRACE_KINDS } from './traces.js';

const directory = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'test', 'traces');
const check = process.argv.includes('--check');
let stale = 0;
mkdirSync(directory, { recursive: true });
for (const kind of [...TRACE_KINDS, ...HELD_OUT_KINDS]) {
  const path = join(directory, `${kind}.csv`);
  const text = formatTrace(generateTrace(kind));
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
