// Trace CSV parsing (errors name the line and column) and the `npm run simulate` CLI.
import { describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatTrace, parseTrace, TRACE_HEADER, TraceError } from '../../../../operator/simulate/trace.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
const ROW = '0,map,cpu,8,120,1,2,0';
const csv = (...rows: string[]) => [TRACE_HEADER, ...rows].join('\n');

function errorOf(text: string): TraceError {
  try {
    parseTrace(text, 't.csv');
  } catch (error) {
    if (error instanceof TraceError) return error;
    throw error;
  }
  throw new Error('parsed without error');
}

describe('parseTrace', () => {
  test('rows become tasks, with their line; blank lines and CRLF are fine; formatTrace round-trips', () => {
    const tasks = parseTrace(`${csv(ROW, '', '30.5,train,gpu,2,600,4,16,1')}\r\n`);
    expect(tasks).toEqual([
      { line: 2, arrivalSeconds: 0, taskType: 'map', hardware: 'cpu', subtasks: 8, secondsPerSubtask: 120, cpu: 1, memoryGiB: 2, gpu: 0 },
      { line: 4, arrivalSeconds: 30.5, taskType: 'train', hardware: 'gpu', subtasks: 2, secondsPerSubtask: 600, cpu: 4, memoryGiB: 16, gpu: 1 },
    ]);
    expect(parseTrace(formatTrace(tasks)).map(({ line: _line, ...rest }) => rest)).toEqual(tasks.map(({ line: _line, ...rest }) => rest));
  });

  test.each([
    ['the header, wrong column', 'arrival_s,task,hardware,subtasks,seconds_per_subtask,cpu,memory_gib,gpu\n' + ROW, 1, 2, /expected task_type, got "task"/],
    ['the header, missing column', 'arrival_s,task_type,hardware,subtasks,seconds_per_subtask,cpu,memory_gib\n' + ROW, 1, 8, /expected gpu, got nothing/],
    ['the header, extra column', `${TRACE_HEADER},x\n${ROW}`, 1, 9, /expected no further column, got "x"/],
    ['an empty file', '', 1, 1, /empty trace/],
    ['no tasks', `${TRACE_HEADER}\n`, 2, 1, /no tasks/],
    ['too few fields', csv(ROW, '0,map,cpu,8,120,1,2'), 3, 8, /column 8 \(gpu\): expected 8 comma-separated fields, got 7/],
    ['too many fields', csv('0,map,cpu,8,120,1,2,0,9'), 2, 9, /expected 8 comma-separated fields, got 9/],
    ['a negative arrival', csv('-5,map,cpu,8,120,1,2,0'), 2, 1, /\(arrival_s\): expected a number of seconds ≥ 0, got "-5"/],
    ['a bad task type', csv('0,"map",cpu,8,120,1,2,0'), 2, 2, /\(task_type\)/],
    ['unknown hardware', csv('0,map,tpu,8,120,1,2,0'), 2, 3, /\(hardware\): expected cpu or gpu, got "tpu"/],
    ['fractional subtasks', csv('0,map,cpu,2.5,120,1,2,0'), 2, 4, /\(subtasks\): expected a whole number from 1 to 10000, got "2.5"/],
    ['zero seconds', csv('0,map,cpu,2,0,1,2,0'), 2, 5, /\(seconds_per_subtask\): expected a number of seconds > 0/],
    ['not a number', csv('0,map,cpu,2,12x,1,2,0'), 2, 5, /got "12x"/],
    ['no cpu', csv('0,map,cpu,2,10,0,2,0'), 2, 6, /\(cpu\): expected cores > 0/],
    ['negative memory', csv('0,map,cpu,2,10,1,-2,0'), 2, 7, /\(memory_gib\)/],
    ['GPUs on a cpu row', csv('0,map,cpu,2,10,1,2,1'), 2, 8, /expected 0 GPUs on a cpu row/],
    ['no GPU on a gpu row', csv('0,map,gpu,2,10,1,2,0'), 2, 8, /expected at least 1 GPU on a gpu row/],
  ])('%s: an error at its line and column', (_what, text, line, column, message) => {
    const error = errorOf(text);
    expect([error.line, error.column]).toEqual([line, column]);
    expect(error.message).toMatch(new RegExp(`^t\\.csv: line ${line}, column ${column}`));
    expect(error.message).toMatch(message);
  });
});

function runSimulate(...args: string[]) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'operator/simulate/main.ts', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('npm run simulate', () => {
  test('--json: one object per policy with exactly the compared figures', () => {
    const { status, stdout, stderr } = runSimulate('--trace', 'test/traces/steady.csv', '--json', '--provision-seconds', '30');
    expect([status, stderr]).toEqual([0, '']);
    const rows = JSON.parse(stdout) as Array<Record<string, unknown>>;
    expect(rows.map((row) => row.policy)).toEqual(['predictive', 'threshold']);
    for (const row of rows) {
      expect(Object.keys(row).sort()).toEqual(['breakdown', 'cost', 'directionChanges', 'lowerBoundNodeHours', 'makespanSeconds', 'meanWaitSeconds', 'nodeHours', 'policy']);
      for (const key of ['cost', 'directionChanges', 'makespanSeconds', 'meanWaitSeconds', 'nodeHours', 'lowerBoundNodeHours']) expect(typeof row[key]).toBe('number');
      const { launching, idle, busy, used } = row.breakdown as Record<string, number>;
      expect(launching! + idle! + busy!).toBeCloseTo(row.nodeHours as number, 2);
      expect(used!).toBeLessThanOrEqual(busy!);
    }
  });

  test('a table by default', () => {
    const { status, stdout } = runSimulate('--trace', 'test/traces/steady.csv');
    expect(status).toBe(0);
    expect(stdout).toMatch(/^test\/traces\/steady\.csv: \d+ subtasks, nodes ready 60 s after launch\npolicy +node-hours +cost \$ +makespan s +mean wait s +direction changes/);
    expect(stdout).toMatch(/\npredictive +\d+\.\d{3} +\d+\.\d{2} /);
    expect(stdout).toMatch(/\nthreshold +\d+\.\d{3} /);
    expect(stdout).toMatch(/\n\nnode-hours in +launching +idle +busy +used by requests +lower bound\npredictive( +\d+\.\d){5}\nthreshold( +\d+\.\d){5}\n/);
  });

  test('bad input: the line and column, exit 2', () => {
    const directory = mkdtempSync(join(tmpdir(), 'drm-simulate-'));
    const bad = join(directory, 'bad.csv');
    writeFileSync(bad, csv(ROW, '10,map,cpu,four,60,1,1,0'));
    const parsed = runSimulate('--trace', bad);
    expect(parsed.status).toBe(2);
    expect(parsed.stderr).toBe(`${bad}: line 3, column 4 (subtasks): expected a whole number from 1 to 10000, got "four"\n`);

    // A row no pool holds is left out, said once with a count; the rest is simulated.
    const tooBig = join(directory, 'big.csv');
    writeFileSync(tooBig, csv(ROW, '10,map,cpu,2,60,64,1,0', '20,map,cpu,3,60,9,1,0'));
    const big = runSimulate('--trace', tooBig, '--policy', 'threshold');
    expect(big.status).toBe(0);
    expect(big.stderr).toBe(`${tooBig}: 2 rows (5 subtasks) fit no pool and were left out; the first, line 3: 64 cores (largest node 8) exceed every cpu pool's node\n`);
    expect(big.stdout).toMatch(/: 8 subtasks, /);
    const none = join(directory, 'none.csv');
    writeFileSync(none, csv('10,map,cpu,2,60,64,1,0'));
    expect(runSimulate('--trace', none).status).toBe(2);

    expect(runSimulate().status).toBe(2);
    expect(runSimulate('--trace', join(directory, 'missing.csv')).stderr).toMatch(/^cannot read the trace/);
    expect(runSimulate('--trace', bad, '--provision-seconds', 'soon').status).toBe(2);
  });
});
