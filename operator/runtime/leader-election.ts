// Leader election on a coordination.k8s.io Lease, as client-go does it: the holder renews the
// lease every retry period; others take it over once it has gone unrenewed for its duration.
// A leader that cannot renew within the renew deadline stops leading (the process then exits,
// so that two replicas never reconcile at once).
import { ApiException, CoordinationV1Api, type KubeConfig, type V1Lease } from '@kubernetes/client-node';
import type { Logger } from './logger.js';

export interface LeaseRecord {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  /** Date, or the MicroTime string the client hands back unparsed. */
  acquireTime?: Date | string;
  renewTime?: Date | string;
  leaseTransitions?: number;
}

/**
 * A Lease time as the API server parses it (MicroTime: six fractional digits). client-node
 * would send a Date with milliseconds only, which the server refuses.
 */
export function microTime(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

function leaseSpecForWire(lease: LeaseRecord) {
  return {
    ...lease,
    ...(lease.acquireTime ? { acquireTime: microTime(new Date(lease.acquireTime)) } : {}),
    ...(lease.renewTime ? { renewTime: microTime(new Date(lease.renewTime)) } : {}),
  } as unknown as V1Lease['spec'];
}

export type ElectionAction = 'create' | 'renew' | 'acquire' | 'follow';

/** What a candidate should do with the lease as it is now (pure: no I/O). */
export function electionStep(
  current: LeaseRecord | undefined,
  identity: string,
  now: Date,
  leaseDurationSeconds: number,
): { action: ElectionAction; lease: LeaseRecord } {
  if (!current) {
    return { action: 'create', lease: { holderIdentity: identity, leaseDurationSeconds, acquireTime: now, renewTime: now, leaseTransitions: 0 } };
  }
  if (current.holderIdentity === identity) {
    return { action: 'renew', lease: { ...current, leaseDurationSeconds, renewTime: now } };
  }
  const duration = (current.leaseDurationSeconds ?? leaseDurationSeconds) * 1000;
  const lastRenew = current.renewTime ?? current.acquireTime;
  const expired = !current.holderIdentity || !lastRenew || new Date(lastRenew).getTime() + duration < now.getTime();
  if (!expired) return { action: 'follow', lease: current };
  return {
    action: 'acquire',
    lease: { holderIdentity: identity, leaseDurationSeconds, acquireTime: now, renewTime: now, leaseTransitions: (current.leaseTransitions ?? 0) + 1 },
  };
}

export interface LeaderElectionOptions {
  namespace: string;
  name: string;
  identity: string;
  leaseDurationSeconds?: number;
  renewDeadlineSeconds?: number;
  retryPeriodSeconds?: number;
  log: Logger;
  onStartedLeading: () => void;
  onStoppedLeading: () => void;
}

export class LeaderElector {
  private readonly api: CoordinationV1Api;
  private timer: NodeJS.Timeout | undefined;
  private leading = false;
  private lastRenewal = 0;
  private stopped = false;

  constructor(kubeConfig: KubeConfig, private readonly options: LeaderElectionOptions) {
    this.api = kubeConfig.makeApiClient(CoordinationV1Api);
  }

  get isLeader(): boolean {
    return this.leading;
  }

  start(): void {
    this.stopped = false;
    void this.tick();
  }

  /** Stops campaigning; a leader hands the lease back so another replica takes over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    if (!this.leading) return;
    this.leading = false;
    const release = async () => {
      const lease = await this.api.readNamespacedLease({ name: this.options.name, namespace: this.options.namespace });
      if (lease.spec?.holderIdentity === this.options.identity) {
        lease.spec = leaseSpecForWire({ ...(lease.spec as LeaseRecord), holderIdentity: undefined, leaseDurationSeconds: 1 });
        await this.api.replaceNamespacedLease({ name: this.options.name, namespace: this.options.namespace, body: lease });
      }
    };
    try {
      // Bounded like a round: a shutdown must not wait on an API server that does not answer.
      await withDeadline(release(), this.durations.renewDeadline * 1000);
    } catch (error) {
      this.options.log.warn({ err: String(error) }, 'could not release the leader lease');
    }
  }

  private get durations() {
    return {
      lease: this.options.leaseDurationSeconds ?? 15,
      renewDeadline: this.options.renewDeadlineSeconds ?? 10,
      retry: this.options.retryPeriodSeconds ?? 2,
    };
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    try {
      // Each round is bounded by the renew deadline, as client-go bounds each try: a request hung
      // on a dead connection (an API server restarted under it) would otherwise hold the round,
      // and with it the deadline check below, for as long as the HTTP client waits (minutes).
      const outcome = await withDeadline(this.tryAcquireOrRenew(), this.durations.renewDeadline * 1000);
      if (outcome === 'holding') {
        this.lastRenewal = Date.now();
        if (!this.leading) {
          this.leading = true;
          this.options.log.info({ lease: this.options.name, identity: this.options.identity }, 'became leader');
          this.options.onStartedLeading();
        }
      } else if (outcome === 'held-by-another' && this.leading) {
        this.stepDown('the lease names another holder');
      }
    } catch (error) {
      this.options.log.warn({ err: String(error) }, 'leader election round failed');
    }
    if (this.leading && Date.now() - this.lastRenewal > this.durations.renewDeadline * 1000) {
      this.stepDown('could not renew within the renew deadline');
    }
    if (!this.stopped) this.timer = setTimeout(() => void this.tick(), this.durations.retry * 1000);
  }

  private stepDown(reason: string): void {
    this.leading = false;
    this.options.log.error({ lease: this.options.name }, `lost leadership: ${reason}`);
    this.options.onStoppedLeading();
  }

  private async tryAcquireOrRenew(): Promise<'holding' | 'held-by-another' | 'conflict'> {
    const { name, namespace, identity } = this.options;
    let existing: V1Lease | undefined;
    try {
      existing = await this.api.readNamespacedLease({ name, namespace });
    } catch (error) {
      if (!(error instanceof ApiException && error.code === 404)) throw error;
    }
    const step = electionStep(existing?.spec as LeaseRecord | undefined, identity, new Date(), this.durations.lease);
    try {
      if (step.action === 'create') {
        await this.api.createNamespacedLease({ namespace, body: { metadata: { name, namespace }, spec: leaseSpecForWire(step.lease) } });
        return 'holding';
      }
      if (step.action === 'follow') return 'held-by-another';
      // resourceVersion makes the write conditional: a concurrent winner makes ours fail.
      await this.api.replaceNamespacedLease({ name, namespace, body: { ...existing, spec: leaseSpecForWire(step.lease) } });
      return 'holding';
    } catch (error) {
      if (error instanceof ApiException && (error.code === 409 || error.code === 422)) return 'conflict';
      throw error;
    }
  }
}

/** The promise's value, or a rejection once `ms` have passed without one. */
async function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
