// Workload traces for the scaling simulator: a CSV with one row per task (pure parsing and
// formatting; errors name the line and column).
//
//   arrival_s,task_type,hardware,subtasks,seconds_per_subtask,cpu,memory_gib,gpu
//   0,map,cpu,8,120,1,2,0
//
// Each task brings `subtasks` subtasks at `arrival_s`, each needing cpu cores, memory_gib GiB and
// gpu GPUs for seconds_per_subtask seconds on a node of its hardware (cpu or gpu).

export const TRACE_COLUMNS = ['arrival_s', 'task_type', 'hardware', 'subtasks', 'seconds_per_subtask', 'cpu', 'memory_gib', 'gpu'] as const;
export type TraceColumn = (typeof TRACE_COLUMNS)[number];
export const TRACE_HEADER = TRACE_COLUMNS.join(',');

/** The most subtasks one row may bring (keeps a typo from running the simulator out of memory). */
export const MAX_SUBTASKS_PER_TASK = 10_000;

export interface TraceTask {
  /** 1-based line of the row in its file, for errors found later (e.g. a request no node holds). */
  line: number;
  arrivalSeconds: number;
  taskType: string;
  hardware: 'cpu' | 'gpu';
  subtasks: number;
  secondsPerSubtask: number;
  cpu: number;
  memoryGiB: number;
  gpu: number;
}

/** A problem with a trace, at a line and (1-based) column. */
export class TraceError extends Error {
  constructor(
    readonly source: string,
    readonly line: number,
    readonly column: number,
    readonly detail: string,
  ) {
    const name = TRACE_COLUMNS[column - 1];
    super(`${source}: line ${line}, column ${column}${name ? ` (${name})` : ''}: ${detail}`);
    this.name = 'TraceError';
  }
}

/** The column (1-based) of a field. */
export function columnOf(name: TraceColumn): number {
  return TRACE_COLUMNS.indexOf(name) + 1;
}

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const TASK_TYPE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

/**
 * The tasks of a trace, in file order. Blank lines are skipped; the header must be exactly
 * TRACE_HEADER; every field is checked (numbers finite, subtasks a whole number ≥ 1, GPUs only
 * and always on gpu rows, cpu > 0).
 */
export function parseTrace(text: string, source = 'trace'): TraceTask[] {
  const lines = text.split('\n').map((line) => line.replace(/\r$/, ''));
  const header = lines[0] ?? '';
  if (header.trim() === '') throw new TraceError(source, 1, 1, `empty trace: the first line must be the header ${TRACE_HEADER}`);
  const names = header.split(',');
  for (let index = 0; index < Math.max(names.length, TRACE_COLUMNS.length); index += 1) {
    if (names[index]?.trim() !== TRACE_COLUMNS[index]) {
      const got = names[index] === undefined ? 'nothing' : JSON.stringify(names[index]);
      const wanted = TRACE_COLUMNS[index] === undefined ? 'no further column' : TRACE_COLUMNS[index];
      throw new TraceError(source, 1, index + 1, `the header must be exactly ${TRACE_HEADER}: expected ${wanted}, got ${got}`);
    }
  }
  const tasks: TraceTask[] = [];
  for (let index = 1; index < lines.length; index += 1) {
    const text = lines[index]!;
    if (text.trim() === '') continue;
    tasks.push(parseRow(text, index + 1, source));
  }
  if (tasks.length === 0) throw new TraceError(source, 2, 1, 'the trace has a header but no tasks');
  return tasks;
}

function parseRow(text: string, line: number, source: string): TraceTask {
  const fields = text.split(',');
  if (fields.length !== TRACE_COLUMNS.length) {
    // The first column missing, or the first one too many.
    const column = Math.min(fields.length + 1, TRACE_COLUMNS.length + 1);
    throw new TraceError(source, line, column, `expected ${TRACE_COLUMNS.length} comma-separated fields, got ${fields.length}`);
  }
  const field = (name: TraceColumn) => fields[columnOf(name) - 1]!.trim();
  const fail = (name: TraceColumn, detail: string): never => {
    throw new TraceError(source, line, columnOf(name), `${detail}, got ${JSON.stringify(field(name))}`);
  };
  const number = (name: TraceColumn, check: (value: number) => boolean, wanted: string): number => {
    const raw = field(name);
    const value = NUMBER.test(raw) ? Number(raw) : Number.NaN;
    if (!Number.isFinite(value) || !check(value)) fail(name, `expected ${wanted}`);
    return value;
  };

  const arrivalSeconds = number('arrival_s', (value) => value >= 0, 'a number of seconds ≥ 0');
  const taskType = field('task_type');
  if (!TASK_TYPE.test(taskType)) fail('task_type', 'expected a name of letters, digits, "_", "." or "-" (at most 63)');
  const hardware = field('hardware');
  if (hardware !== 'cpu' && hardware !== 'gpu') fail('hardware', 'expected cpu or gpu');
  const subtasks = number('subtasks', (value) => Number.isInteger(value) && value >= 1 && value <= MAX_SUBTASKS_PER_TASK, `a whole number from 1 to ${MAX_SUBTASKS_PER_TASK}`);
  const secondsPerSubtask = number('seconds_per_subtask', (value) => value > 0, 'a number of seconds > 0');
  const cpu = number('cpu', (value) => value > 0, 'cores > 0');
  const memoryGiB = number('memory_gib', (value) => value >= 0, 'GiB ≥ 0');
  const gpu = number('gpu', (value) => Number.isInteger(value) && value >= 0, 'a whole number of GPUs ≥ 0');
  if (hardware === 'cpu' && gpu > 0) fail('gpu', 'expected 0 GPUs on a cpu row');
  if (hardware === 'gpu' && gpu === 0) fail('gpu', 'expected at least 1 GPU on a gpu row');
  return { line, arrivalSeconds, taskType, hardware: hardware as 'cpu' | 'gpu', subtasks, secondsPerSubtask, cpu, memoryGiB, gpu };
}

/** The CSV text of tasks (header, one row each, a final newline). */
export function formatTrace(tasks: ReadonlyArray<Omit<TraceTask, 'line'>>): string {
  const rows = tasks.map((task) => [task.arrivalSeconds, task.taskType, task.hardware, task.subtasks, task.secondsPerSubtask, task.cpu, task.memoryGiB, task.gpu].join(','));
  return `${[TRACE_HEADER, ...rows].join('\n')}\n`;
}
