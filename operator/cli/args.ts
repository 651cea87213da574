// Reading `kubectl drm` command lines (pure): which command, its flags and positionals, or one
// line saying what was wrong and what to run instead.
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';

export const COMMANDS = {
  submit: {
    usage: 'submit -f FILE | submit NAME [--strategy S] [--task-type T] [--param k=v]... [--items 1,2,3] [--partitions N] [--micro-batches N] [--stages a,b]',
    summary: 'create or update an OrchestratedTask from a manifest (YAML or JSON) or from flags',
    positionals: [0, 1],
    options: {
      filename: { type: 'string', short: 'f' },
      strategy: { type: 'string' },
      'task-type': { type: 'string' },
      param: { type: 'string', multiple: true },
      items: { type: 'string' },
      partitions: { type: 'string' },
      'micro-batches': { type: 'string' },
      stages: { type: 'string' },
      merge: { type: 'string' },
    },
  },
  status: {
    usage: 'status TASK',
    summary: 'the task\'s phase and progress, then its subtasks as a tree',
    positionals: [1, 1],
    options: {},
  },
  result: {
    usage: 'result TASK [-o FILE]',
    summary: 'the merged result as JSON, printed or saved to FILE',
    positionals: [1, 1],
    options: { output: { type: 'string', short: 'o' } },
  },
  cancel: {
    usage: 'cancel TASK',
    summary: 'cancel a task (sets spec.cancel=true)',
    positionals: [1, 1],
    options: {},
  },
  predict: {
    usage: 'predict --task-type T [--param k=v]... [--input-size N] [--hardware cpu|gpu|any] [--json]',
    summary: 'what the operator\'s predictor expects of a kind of work',
    positionals: [0, 0],
    options: {},
  },
  top: {
    usage: 'top',
    summary: 'WorkerPools: hardware, provider, nodes, utilization, cost per hour, last scaling action',
    positionals: [0, 0],
    options: {},
  },
} satisfies Record<string, { usage: string; summary: string; positionals: [number, number]; options: ParseArgsOptionsConfig }>;

export type CommandName = keyof typeof COMMANDS;

const GLOBAL_OPTIONS = {
  namespace: { type: 'string', short: 'n' },
  kubeconfig: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} satisfies ParseArgsOptionsConfig;

const GLOBALS_WITH_VALUE = new Set(['-n', '--namespace', '--kubeconfig']);

export function mainHelp(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length)) + 2;
  const lines = [
    'kubectl drm: submit, watch and manage drm-operator OrchestratedTasks.',
    '',
    'Usage: kubectl drm COMMAND [flags]',
    '',
    'Commands:',
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}${c.summary}`),
    '',
    'Flags for every command:',
    '  -n, --namespace NS   namespace (default: the kubeconfig context\'s, else default)',
    '  --kubeconfig PATH    kubeconfig (default: $KUBECONFIG, ~/.kube/config, then in-cluster)',
    '  -h, --help           help; "kubectl drm COMMAND --help" for a command\'s flags',
    '',
  ];
  return lines.join('\n');
}

export function commandHelp(command: CommandName): string {
  const spec = COMMANDS[command];
  const flags = Object.entries(spec.options as ParseArgsOptionsConfig).map(([name, option]) => {
    const short = option.short ? `-${option.short}, ` : '';
    return `  ${short}--${name}${option.type === 'string' ? ' VALUE' : ''}${option.multiple ? ' (repeatable)' : ''}`;
  });
  return [`kubectl drm ${spec.usage}`, '', `${spec.summary}.`, '', 'Flags:', ...flags, '  -n, --namespace NS', '  --kubeconfig PATH', '  -h, --help', ''].join('\n');
}

export interface Globals {
  namespace?: string;
  kubeconfig?: string;
}

export type ParsedCli =
  | { kind: 'help'; text: string }
  | { kind: 'error'; message: string }
  | { kind: 'predict'; args: string[]; globals: Globals }
  | { kind: 'command'; command: Exclude<CommandName, 'predict'>; values: Record<string, string | string[] | boolean | undefined>; positionals: string[]; globals: Globals };

function isCommand(name: string): name is CommandName {
  return Object.hasOwn(COMMANDS, name);
}

function usageError(message: string, command?: CommandName): ParsedCli {
  const hint = command ? `kubectl drm ${command} --help` : 'kubectl drm --help';
  return { kind: 'error', message: `error: ${message}; run "${hint}" for usage` };
}

/** parseArgs' messages are long; says which flag it was, in one line. */
function describeParseError(error: Error): string {
  const message = error.message.split('\n')[0] ?? error.message;
  const unknown = /Unknown option '([^']+)'/.exec(message);
  if (unknown) return `unknown flag ${unknown[1]}`;
  const needsValue = /Option '(?:-\w, )?(--?[\w-]+)[^']*' argument missing/.exec(message);
  if (needsValue) return `flag ${needsValue[1]} needs a value`;
  const noValue = /Option '(--?[\w-]+)' does not take an argument/.exec(message);
  if (noValue) return `flag ${noValue[1]} takes no value`;
  return message.replace(/\.$/, '');
}

/** Reads a `kubectl drm` command line (the arguments after `drm`). */
export function parseCli(argv: readonly string[]): ParsedCli {
  let at = -1;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') break;
    if (GLOBALS_WITH_VALUE.has(arg)) {
      i++;
      continue;
    }
    if (!arg.startsWith('-')) {
      at = i;
      break;
    }
  }
  if (at < 0) {
    // Only global flags: help, or a missing command.
    try {
      const { values } = parseArgs({ args: [...argv], options: GLOBAL_OPTIONS, allowPositionals: false });
      if (values.help) return { kind: 'help', text: mainHelp() };
    } catch (error) {
      return usageError(describeParseError(error as Error));
    }
    return usageError('no command given');
  }
  const name = argv[at]!;
  if (name === 'help') {
    const topic = argv[at + 1];
    return { kind: 'help', text: topic && isCommand(topic) ? commandHelp(topic) : mainHelp() };
  }
  if (!isCommand(name)) return usageError(`unknown command "${name}" (commands: ${Object.keys(COMMANDS).join(', ')})`);
  const rest = [...argv.slice(0, at), ...argv.slice(at + 1)];
  if (name === 'predict') {
    // predict reads its own flags (shared with `npm run predict`); only -n/--kubeconfig before the command are moved after it.
    const before = argv.slice(0, at);
    const globals: Globals = {};
    try {
      const { values } = parseArgs({ args: [...before], options: GLOBAL_OPTIONS });
      if (values.help) return { kind: 'help', text: mainHelp() };
      if (values.namespace) globals.namespace = values.namespace;
      if (values.kubeconfig) globals.kubeconfig = values.kubeconfig;
    } catch (error) {
      return usageError(describeParseError(error as Error), 'predict');
    }
    return { kind: 'predict', args: [...argv.slice(at + 1)], globals };
  }
  const spec = COMMANDS[name];
  let parsed;
  try {
    parsed = parseArgs({ args: rest, options: { ...GLOBAL_OPTIONS, ...(spec.options as ParseArgsOptionsConfig) }, allowPositionals: true, strict: true });
  } catch (error) {
    return usageError(describeParseError(error as Error), name);
  }
  const values = parsed.values as Record<string, string | string[] | boolean | undefined>;
  if (values.help) return { kind: 'help', text: commandHelp(name) };
  const [min, max] = spec.positionals;
  const positionals = parsed.positionals;
  if (positionals.length < min) return usageError(`${name} needs ${spec.usage.split(' ').slice(1, 2).join('')}`, name);
  if (positionals.length > max) return usageError(`unexpected argument "${positionals[max]}"`, name);
  const globals: Globals = {};
  if (typeof values.namespace === 'string') globals.namespace = values.namespace;
  if (typeof values.kubeconfig === 'string') globals.kubeconfig = values.kubeconfig;
  return { kind: 'command', command: name, values, positionals, globals };
}
