// `kubectl drm status`: a task's phase and progress, then its subtasks as a tree (pure).
// PipelineParallel subtasks are grouped by micro-batch, ModelParallel shards are in order,
// the rest listed flat.

export interface TaskView {
  metadata: { name?: string };
  spec: { strategy: string; taskType?: string };
  status?: {
    phase?: string;
    completionPercentage?: number;
    subtasksSummary?: string;
    subtasks?: { total?: number; pending?: number; running?: number; completed?: number; failed?: number; cancelled?: number };
    message?: string;
  };
}

export interface SubtaskView {
  metadata: { name?: string };
  spec: { index: number; role: string; name: string; microBatch?: number };
  status?: { phase?: string; nodeName?: string; attempts?: number; message?: string };
}

export function progressLine(task: TaskView): string {
  const status = task.status ?? {};
  const parts = [`${task.metadata.name ?? '?'}`, `${task.spec.strategy}`, status.phase ?? 'Pending'];
  const counts = status.subtasks;
  if (counts?.total !== undefined) {
    parts.push(`${counts.completed ?? 0}/${counts.total} subtasks completed${status.completionPercentage !== undefined ? ` (${status.completionPercentage}% finished)` : ''}`);
    const extra = [
      counts.running ? `${counts.running} running` : '',
      counts.pending ? `${counts.pending} pending` : '',
      counts.failed ? `${counts.failed} failed` : '',
      counts.cancelled ? `${counts.cancelled} cancelled` : '',
    ].filter(Boolean);
    if (extra.length) parts.push(extra.join(', '));
  }
  let line = parts.join('  ');
  if (status.message) line += `  (${status.message})`;
  return line;
}

function subtaskLine(subtask: SubtaskView): string {
  const status = subtask.status ?? {};
  return `${subtask.metadata.name ?? subtask.spec.name}  ${status.phase ?? 'Pending'}  node=${status.nodeName ?? '-'}  attempts=${status.attempts ?? 0}`;
}

interface TreeNode {
  label: string;
  children: TreeNode[];
}

function renderNodes(nodes: readonly TreeNode[], prefix: string, out: string[]): void {
  nodes.forEach((node, i) => {
    const last = i === nodes.length - 1;
    out.push(`${prefix}${last ? '└─ ' : '├─ '}${node.label}`);
    renderNodes(node.children, `${prefix}${last ? '   ' : '│  '}`, out);
  });
}

const byIndex = (a: SubtaskView, b: SubtaskView) => a.spec.index - b.spec.index || (a.metadata.name ?? '').localeCompare(b.metadata.name ?? '');

/** The subtasks as tree nodes, grouped and ordered as the strategy reads best. */
export function subtaskTree(strategy: string, subtasks: readonly SubtaskView[]): TreeNode[] {
  if (strategy === 'PipelineParallel') {
    const groups = new Map<number, SubtaskView[]>();
    for (const subtask of subtasks) {
      const batch = subtask.spec.microBatch ?? 0;
      groups.set(batch, [...(groups.get(batch) ?? []), subtask]);
    }
    return [...groups.entries()]
      .sort(([a], [b]) => a - b)
      .map(([batch, members]) => ({ label: `micro-batch ${batch}`, children: [...members].sort(byIndex).map((s) => ({ label: subtaskLine(s), children: [] })) }));
  }
  if (strategy === 'ModelParallel') {
    return [...subtasks].sort(byIndex).map((s) => ({ label: `shard ${s.spec.index} ${s.spec.name}: ${subtaskLine(s)}`, children: [] }));
  }
  return [...subtasks].sort(byIndex).map((s) => ({ label: subtaskLine(s), children: [] }));
}

/** The whole `status` output: the progress line, then the tree. */
export function renderStatus(task: TaskView, subtasks: readonly SubtaskView[]): string {
  const out = [progressLine(task)];
  const nodes = subtaskTree(task.spec.strategy, subtasks);
  if (nodes.length === 0) out.push('└─ (no subtasks yet)');
  else renderNodes(nodes, '', out);
  return `${out.join('\n')}\n`;
}
