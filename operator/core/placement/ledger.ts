// The ledger: each node's allocatable minus everything bound or reserved on it (pure, in memory).
// A decision reserves its node's resources synchronously, before any await, so two decisions can
// never both spend the same free capacity; the reservation turns into a bound entry when the pod
// is seen bound, and is released if the binding fails, the pod ends, or it is deleted.
import type { NodeInfo } from './feasibility.js';
import { addInto, minus, ZERO, type ResourceVector } from './resources.js';

export type EntryKind = 'bound' | 'reserved' | 'held';

export interface LedgerEntry {
  node: string;
  requests: ResourceVector;
  kind: EntryKind;
  /** The task the entry belongs to, if it is one of ours (spread counts per task). */
  taskKey?: string;
}

export class PlacementLedger {
  private readonly nodes = new Map<string, NodeInfo>();
  private readonly used = new Map<string, ResourceVector>();
  private readonly entries = new Map<string, LedgerEntry>();
  /** node → task key → entries of that task on the node. */
  private readonly taskCounts = new Map<string, Map<string, number>>();
  private nodeArray: NodeInfo[] | undefined;

  setNode(info: NodeInfo): void {
    this.nodes.set(info.name, info);
    this.nodeArray = undefined;
  }

  /** Entries on a removed node stay until their pods go: if the node comes back, it is still full. */
  removeNode(name: string): void {
    this.nodes.delete(name);
    this.nodeArray = undefined;
  }

  node(name: string): NodeInfo | undefined {
    return this.nodes.get(name);
  }

  /** Known nodes, sorted by name so that ties break the same way every time. */
  nodeList(): readonly NodeInfo[] {
    this.nodeArray ??= [...this.nodes.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return this.nodeArray;
  }

  /** What is used on the node, not copied: read it, never change it. */
  usedView(name: string): Readonly<ResourceVector> {
    return this.used.get(name) ?? ZERO;
  }

  usedOn(name: string): ResourceVector {
    return { ...(this.used.get(name) ?? ZERO) };
  }

  /** Allocatable minus bound, reserved and held; undefined for an unknown node. */
  free(name: string): ResourceVector | undefined {
    const node = this.nodes.get(name);
    if (!node) return undefined;
    const used = this.used.get(name);
    return used ? minus(node.allocatable, used) : { ...node.allocatable };
  }

  /** Whether the node has `requests` free; no allocation, for the hot loop of placement. */
  fitsOn(name: string, requests: ResourceVector): boolean {
    const node = this.nodes.get(name);
    if (!node) return false;
    const used = this.used.get(name) ?? ZERO;
    const a = node.allocatable;
    return (
      requests.cpuMillis <= a.cpuMillis - used.cpuMillis &&
      requests.memoryBytes <= a.memoryBytes - used.memoryBytes &&
      requests.gpus <= a.gpus - used.gpus &&
      requests.ephemeralBytes <= a.ephemeralBytes - used.ephemeralBytes &&
      requests.pods <= a.pods - used.pods
    );
  }

  entry(key: string): Readonly<LedgerEntry> | undefined {
    return this.entries.get(key);
  }

  entryCount(kind?: EntryKind): number {
    if (!kind) return this.entries.size;
    let count = 0;
    for (const entry of this.entries.values()) if (entry.kind === kind) count += 1;
    return count;
  }

  /** Entries of a task on a node (its pods bound or reserved there). */
  taskEntriesOn(node: string, taskKey: string): number {
    return this.taskCounts.get(node)?.get(taskKey) ?? 0;
  }

  /** Entries of any of our tasks on a node: a node with some is not idle. */
  taskEntriesTotalOn(node: string): number {
    let total = 0;
    for (const count of this.taskCounts.get(node)?.values() ?? []) total += count;
    return total;
  }

  /** Keys of the entries of one kind belonging to a task. */
  keysOf(taskKey: string, kind: EntryKind): string[] {
    const keys: string[] = [];
    for (const [key, entry] of this.entries) if (entry.taskKey === taskKey && entry.kind === kind) keys.push(key);
    return keys;
  }

  /** A pod seen bound to `node`: replaces a reservation of the same key, or moves an older entry. */
  recordBound(key: string, node: string, requests: ResourceVector, taskKey?: string): void {
    this.put(key, { node, requests, kind: 'bound', ...(taskKey ? { taskKey } : {}) });
  }

  /** Capacity set aside for a decision whose binding is on its way ('reserved') or for a gang member without a pod yet ('held'). */
  reserve(key: string, node: string, requests: ResourceVector, taskKey?: string, kind: 'reserved' | 'held' = 'reserved'): void {
    this.put(key, { node, requests, kind, ...(taskKey ? { taskKey } : {}) });
  }

  release(key: string): boolean {
    const entry = this.entries.get(key);
    if (!entry) return false;
    this.entries.delete(key);
    this.account(entry, -1);
    return true;
  }

  private put(key: string, entry: LedgerEntry): void {
    const previous = this.entries.get(key);
    if (previous) this.account(previous, -1);
    this.entries.set(key, entry);
    this.account(entry, 1);
  }

  private account(entry: LedgerEntry, sign: 1 | -1): void {
    let used = this.used.get(entry.node);
    if (!used) this.used.set(entry.node, (used = { ...ZERO }));
    addInto(used, entry.requests, sign);
    if (used.pods === 0 && used.cpuMillis === 0 && used.memoryBytes === 0 && used.gpus === 0 && used.ephemeralBytes === 0) this.used.delete(entry.node);
    if (entry.taskKey) {
      let counts = this.taskCounts.get(entry.node);
      if (!counts) this.taskCounts.set(entry.node, (counts = new Map()));
      const next = (counts.get(entry.taskKey) ?? 0) + sign;
      if (next <= 0) counts.delete(entry.taskKey);
      else counts.set(entry.taskKey, next);
      if (counts.size === 0) this.taskCounts.delete(entry.node);
    }
  }
}
