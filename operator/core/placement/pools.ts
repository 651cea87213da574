// Which WorkerPools a task may use and which of their taints its pods tolerate (pure).
import type { V1Toleration } from '@kubernetes/client-node';
import type { PoolSelector } from '../../api/orchestratedtask.js';
import type { PlacementPolicy } from '../../api/workerpool.js';
import type { HardwareNeed } from './feasibility.js';

/** What placement needs of a WorkerPool. */
export interface PoolInfo {
  name: string;
  labels: Readonly<Record<string, string>>;
  hardware: string;
  taints: ReadonlyArray<{ key: string; value?: string; effect: string }>;
  policy?: PlacementPolicy;
}

export function selectorMatchesLabels(selector: PoolSelector, labels: Readonly<Record<string, string>>): boolean {
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) if (labels[key] !== value) return false;
  return (selector.matchExpressions ?? []).every((requirement) => {
    const value = labels[requirement.key];
    switch (requirement.operator) {
      case 'In':
        return value !== undefined && (requirement.values ?? []).includes(value);
      case 'NotIn':
        return value === undefined || !(requirement.values ?? []).includes(value);
      case 'Exists':
        return value !== undefined;
      case 'DoesNotExist':
        return value === undefined;
      default:
        return false;
    }
  });
}

/** Pools the selector admits; undefined when there is no selector (any node will do). */
export function allowedPools(selector: PoolSelector | undefined, pools: readonly PoolInfo[]): Set<string> | undefined {
  if (!selector) return undefined;
  return new Set(pools.filter((pool) => selectorMatchesLabels(selector, pool.labels)).map((pool) => pool.name));
}

function poolServes(pool: PoolInfo, hardware: HardwareNeed, gpus: number): boolean {
  if (hardware === 'gpu' || gpus > 0) return pool.hardware === 'gpu';
  if (hardware === 'cpu') return pool.hardware !== 'gpu';
  return true;
}

/**
 * A pool's taints keep other work off its nodes, not the subtasks it exists for: a pod tolerates
 * the taints of every pool its task may use (by poolSelector) whose hardware suits it.
 */
export function poolTolerations(pools: readonly PoolInfo[], allowed: ReadonlySet<string> | undefined, hardware: HardwareNeed, gpus: number): V1Toleration[] {
  const seen = new Set<string>();
  const tolerations: V1Toleration[] = [];
  for (const pool of pools) {
    if (allowed && !allowed.has(pool.name)) continue;
    if (!poolServes(pool, hardware, gpus)) continue;
    for (const taint of pool.taints) {
      const id = JSON.stringify([taint.key, taint.value ?? '', taint.effect]);
      if (seen.has(id)) continue;
      seen.add(id);
      tolerations.push({ key: taint.key, operator: 'Equal', value: taint.value ?? '', effect: taint.effect });
    }
  }
  return tolerations.sort((a, b) => (a.key! < b.key! ? -1 : a.key! > b.key! ? 1 : 0));
}
