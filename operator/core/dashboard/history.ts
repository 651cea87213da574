// Pools' node counts and cost over time, for the dashboard's scaling-history and cost charts
// (pure: the caller passes the clock). Kept in memory by each replica from its own start; the
// decisions themselves live in each WorkerPool's status and survive restarts.

export interface PoolPoint {
  nodes: number;
  readyNodes: number;
  costPerHour: number;
}

export interface HistorySample {
  /** Milliseconds since the epoch. */
  t: number;
  pools: Record<string, PoolPoint>;
  costPerHour: number;
  /** Dollars spent by all pools from the first sample to this one. */
  spentUsd: number;
}

export interface HistoryOptions {
  /** A sample is kept at least this often while nothing changes. */
  intervalMs: number;
  /** Oldest samples are dropped beyond this many. */
  maxSamples: number;
}

export const DEFAULT_HISTORY: HistoryOptions = { intervalMs: 5_000, maxSamples: 1_440 };

export class DashboardHistory {
  private readonly points: HistorySample[] = [];

  constructor(private readonly options: HistoryOptions = DEFAULT_HISTORY) {
    if (!(options.intervalMs > 0) || !(options.maxSamples >= 2)) throw new RangeError('history needs intervalMs > 0 and maxSamples >= 2');
  }

  /**
   * Records the pools as they are at `now`. A sample is kept when a pool's node count or cost
   * changed (so scaling steps are exact) or the interval has passed; otherwise nothing is stored.
   * Between samples the cost rate is constant, so money accrues at the previous sample's rate.
   */
  record(now: number, pools: Readonly<Record<string, PoolPoint>>): boolean {
    const last = this.points.at(-1);
    if (last && (now < last.t || (!changed(last.pools, pools) && now - last.t < this.options.intervalMs))) return false;
    const copy: Record<string, PoolPoint> = {};
    for (const [name, point] of Object.entries(pools)) copy[name] = { nodes: point.nodes, readyNodes: point.readyNodes, costPerHour: point.costPerHour };
    const costPerHour = Object.values(copy).reduce((sum, pool) => sum + pool.costPerHour, 0);
    this.points.push({ t: now, pools: copy, costPerHour, spentUsd: this.spentUsd(now) });
    if (this.points.length > this.options.maxSamples) this.points.splice(0, this.points.length - this.options.maxSamples);
    return true;
  }

  samples(): readonly HistorySample[] {
    return this.points;
  }

  /** Dollars spent from the first sample to `now`. */
  spentUsd(now: number): number {
    const last = this.points.at(-1);
    return last ? last.spentUsd + (last.costPerHour * Math.max(0, now - last.t)) / 3_600_000 : 0;
  }
}

function changed(before: Readonly<Record<string, PoolPoint>>, after: Readonly<Record<string, PoolPoint>>): boolean {
  const names = new Set([...Object.keys(before), ...Object.keys(after)]);
  for (const name of names) {
    const a = before[name];
    const b = after[name];
    if (!a || !b || a.nodes !== b.nodes || a.readyNodes !== b.readyNodes || a.costPerHour !== b.costPerHour) return true;
  }
  return false;
}
