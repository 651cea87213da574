// `kubectl drm top`: WorkerPools as a table (pure).

export interface PoolView {
  metadata: { name?: string };
  spec?: { hardware?: { type?: string; gpuProduct?: string }; provider?: Record<string, unknown> };
  status?: {
    provider?: string;
    nodes?: number;
    readyNodes?: number;
    desiredNodes?: number;
    utilization?: { cpu?: number; memory?: number; gpu?: number };
    utilizationSummary?: string;
    costPerHour?: number;
    lastDecision?: { action?: string; reason?: string; count?: number; time?: string };
  };
}

export const TOP_HEADER = ['NAME', 'HARDWARE', 'PROVIDER', 'NODES', 'READY', 'DESIRED', 'UTILIZATION', 'COST/HOUR', 'LAST ACTION'] as const;

const percent = (share: number) => `${Math.round(share * 100)}%`;

function utilization(status: NonNullable<PoolView['status']>): string {
  if (status.utilizationSummary) return status.utilizationSummary;
  const u = status.utilization;
  if (!u) return '-';
  const parts = [u.cpu !== undefined ? `cpu ${percent(u.cpu)}` : '', u.memory !== undefined ? `mem ${percent(u.memory)}` : '', u.gpu !== undefined ? `gpu ${percent(u.gpu)}` : ''].filter(Boolean);
  return parts.length ? parts.join(' ') : '-';
}

function age(time: string | undefined, now: Date): string {
  if (!time) return '';
  const seconds = Math.max(0, Math.round((now.getTime() - Date.parse(time)) / 1000));
  if (!Number.isFinite(seconds)) return '';
  if (seconds < 120) return `${seconds}s ago`;
  if (seconds < 7200) return `${Math.round(seconds / 60)}m ago`;
  if (seconds < 172800) return `${Math.round(seconds / 3600)}h ago`;
  return `${Math.round(seconds / 86400)}d ago`;
}

function lastAction(decision: NonNullable<PoolView['status']>['lastDecision'], now: Date): string {
  if (!decision?.action) return '-';
  const count = decision.count ? ` ${decision.count}` : '';
  const when = age(decision.time, now);
  const reason = decision.reason ? `: ${decision.reason.length > 60 ? `${decision.reason.slice(0, 59)}…` : decision.reason}` : '';
  return `${decision.action}${count}${when ? ` (${when})` : ''}${reason}`;
}

export function poolRow(pool: PoolView, now: Date): string[] {
  const status = pool.status ?? {};
  const hardware = pool.spec?.hardware;
  const provider = status.provider ?? Object.keys(pool.spec?.provider ?? {})[0] ?? '-';
  return [
    pool.metadata.name ?? '?',
    `${hardware?.type ?? 'cpu'}${hardware?.gpuProduct ? ` (${hardware.gpuProduct})` : ''}`,
    provider,
    String(status.nodes ?? 0),
    String(status.readyNodes ?? 0),
    String(status.desiredNodes ?? '-'),
    utilization(status),
    status.costPerHour !== undefined ? `$${status.costPerHour.toFixed(2)}` : '-',
    lastAction(status.lastDecision, now),
  ];
}

/** Rows padded into columns, as kubectl prints tables. */
export function formatTable(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd((widths[i] ?? 0) + 3))).join('').trimEnd()).join('\n') + '\n';
}

export function renderTop(pools: readonly PoolView[], now: Date = new Date()): string {
  const sorted = [...pools].sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''));
  const table = formatTable([[...TOP_HEADER], ...sorted.map((pool) => poolRow(pool, now))]);
  const total = sorted.reduce((sum, pool) => sum + (pool.status?.costPerHour ?? 0), 0);
  if (sorted.length === 0) return `${table}(no WorkerPools)\n`;
  return `${table}${sorted.length} pool${sorted.length === 1 ? '' : 's'}, ${sorted.reduce((sum, p) => sum + (p.status?.readyNodes ?? 0), 0)} ready nodes, $${total.toFixed(2)}/hour\n`;
}
