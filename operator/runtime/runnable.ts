// What the manager runs besides the informers: controllers, the dashboard's history sampler,
// the predictor's loader. Each says whether it may run only on the leader (it writes to the
// cluster) or on every replica (it only reads and serves), as controller-runtime's Runnable.

export interface Runnable {
  readonly name: string;
  /** Only the leader runs it; the others wait (and a replica that loses the lease stops). */
  readonly needsLeadership: boolean;
  /** Starts it; a returned promise is awaited before the next runnable (and the election) starts. */
  start(): void | Promise<void>;
  stop(): void | Promise<void>;
}

/** A readiness check: undefined when ready, else why not. */
export type ReadyCheck = () => string | undefined;
