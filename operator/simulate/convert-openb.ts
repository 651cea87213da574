// Converts a window of Alibaba's openb GPU cluster trace (cluster-trace-gpu-v2023) into a
// simulator trace, or prints the statistics the shipped `production` trace is fitted to:
//   node --import tsx operator/simulate/convert-openb.ts --input openb_pod_list_default.csv \
//     --from-day 118 --days 6 --compress 24 > /tmp/openb-window.csv
//   node --import tsx operator/simulate/convert-openb.ts --input openb_pod_list_default.csv --fit [--from-day 115]
// The input is the upstream CSV as published (see operator/simulate/openb.ts for the mapping).
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { fitOpenb, openbWindow, parseOpenbPods } from './openb.js';
import { formatTrace } from './trace.js';

const { values } = parseArgs({
  options: {
    input: { type: 'string' },
    'from-day': { type: 'string', default: '0' },
    days: { type: 'string', default: '1' },
    compress: { type: 'string', default: '1' },
    'min-seconds': { type: 'string', default: '60' },
    fit: { type: 'boolean', default: false },
  },
});
const number = (name: 'from-day' | 'days' | 'compress' | 'min-seconds') => {
  const value = Number(values[name]);
  if (!Number.isFinite(value) || value < 0) {
    process.stderr.write(`--${name} must be a number ≥ 0, got ${JSON.stringify(values[name])}\n`);
    process.exit(2);
  }
  return value;
};
if (!values.input) {
  process.stderr.write('--input openb_pod_list_*.csv is required\n');
  process.exit(2);
}
const pods = parseOpenbPods(readFileSync(values.input, 'utf8'));
const day = 86_400;
if (values.fit) {
  process.stdout.write(`${JSON.stringify(fitOpenb(pods, number('min-seconds'), number('from-day') * day), null, 2)}\n`);
} else {
  const rows = openbWindow(pods, { fromSeconds: number('from-day') * day, seconds: number('days') * day, compress: number('compress'), minSeconds: number('min-seconds') });
  if (rows.length === 0) {
    process.stderr.write('no finished pod in the window\n');
    process.exit(1);
  }
  process.stdout.write(formatTrace(rows));
}
