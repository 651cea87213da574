// `npm run chaos [-- --subtasks N --nodes N --kills N --throttle-seconds N --seed N --stage-seconds N --kwok-only --json]`:
// faults while tasks run, then checks that nothing was lost or done twice (bench/chaos.ts). Exits 1
// when a check fails. --kwok-only: the pipeline on kwok nodes too (no real node needed).
import { parseArgs } from 'node:util';
import { runChaos } from './chaos.js';

const { values } = parseArgs({
  options: {
    subtasks: { type: 'string', default: '2000' },
    'micro-batches': { type: 'string', default: '20' },
    stages: { type: 'string', default: '5' },
    nodes: { type: 'string', default: '50' },
    kills: { type: 'string', default: '10' },
    'throttle-seconds': { type: 'string', default: '60' },
    work: { type: 'string', default: '5s' },
    seed: { type: 'string', default: String(Date.now() % 100_000) },
    'stage-seconds': { type: 'string', default: '150' },
    'kwok-only': { type: 'boolean' },
    json: { type: 'boolean' },
  },
});
const number = (flag: keyof typeof values) => {
  const value = Number(values[flag]);
  if (!Number.isInteger(value) || value < 0) {
    process.stderr.write(`--${flag} must be a whole number\n`);
    process.exit(2);
  }
  return value;
};
const log = (line: string) => process.stderr.write(`[chaos] ${line}\n`);
const options = {
  subtasks: number('subtasks'),
  microBatches: number('micro-batches'),
  stages: number('stages'),
  nodes: number('nodes'),
  kills: number('kills'),
  throttleSeconds: number('throttle-seconds'),
  workDuration: values.work!,
  seed: number('seed'),
  realNode: !values['kwok-only'],
  stageSeconds: number('stage-seconds'),
  log,
};
log(`seed ${options.seed}`);
const report = await runChaos(options);
if (values.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
else {
  process.stdout.write(`faults (seed ${options.seed}, ${report.seconds.toFixed(0)} s in all):\n`);
  for (const fault of report.faults) process.stdout.write(`  ${fault.at.toFixed(0).padStart(5)} s  ${fault.kind.padEnd(18)} recovered in ${fault.recoverySeconds.toFixed(1).padStart(6)} s  ${fault.detail}${fault.duringPipeline ? ' (pipeline running)' : ''}\n`);
  process.stdout.write(`attempts: ${report.attempts.total} for ${report.attempts.subtasks} subtasks; failed attempts by reason ${JSON.stringify(report.attempts.retriesByReason)}\n`);
  process.stdout.write(`leaders: both replicas said they lead in ${report.leaders.bothLeading} of ${report.leaders.samples} readiness samples (every 2 s)${report.leaders.firstBothAt === undefined ? '' : `, first at ${report.leaders.firstBothAt.toFixed(0)} s`}; ${report.leaders.exits} replica exits of their own (lost lease), each started again\n`);
  for (const c of report.checks) process.stdout.write(`  ${c.ok ? 'PASS' : 'FAIL'} ${c.name}: ${c.detail}\n`);
}
process.exit(report.checks.every((c) => c.ok) ? 0 : 1);
