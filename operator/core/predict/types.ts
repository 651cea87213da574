// The predictor's data: what one finished subtask teaches, what is asked, what is answered (pure).

export type HardwareClass = 'cpu' | 'gpu';

/** One finished attempt of a subtask: the predictor's training example. */
export interface TrainingSample {
  /** Unique per attempt (subtask uid and attempt number): the same attempt is never learned twice. */
  id: string;
  taskType: string;
  /** The subtask's params flattened to numbers: {n: 512, "model.layers": 4}; strings become "op=square": 1. */
  features: Record<string, number>;
  /** Items in the subtask's input. */
  inputSize: number;
  hardware: { type: HardwareClass; gpuProduct?: string };
  executionSeconds: number;
  cpuCoresUsed?: number;
  memoryBytesUsed?: number;
  succeeded: boolean;
  /** When it finished (RFC 3339): the oldest samples are dropped first. */
  finishedAt: string;
}

export interface PredictionQuery {
  taskType: string;
  params?: Record<string, unknown>;
  inputSize?: number;
  /** The hardware to predict for; omitted or 'any': the predictor recommends one. */
  hardware?: { type: HardwareClass | 'any'; gpuProduct?: string };
}

export type PredictionSource = 'model' | 'statistics' | 'default';

export interface Prediction {
  executionSeconds: number;
  /** CPU cores to request (the predicted use plus the safety margin). */
  cpu: number;
  /** Memory to request in bytes (the predicted use plus the safety margin). */
  memoryBytes: number;
  gpu: number;
  /** The hardware predicted for: the one asked for, or the recommended one. */
  hardware: HardwareClass;
  gpuProduct?: string;
  /** Which tier answered: a fitted model, statistics of similar runs, or built-in defaults. */
  source: PredictionSource;
  /** 0 to 1, from the error the tier actually showed on held-out or past data. */
  confidence: number;
  /** Relative margin added to the predicted use for requests (from the observed error), e.g. 0.25. */
  margin: number;
  /**
   * Where the execution time should fall 8 times in 10: seconds at the 10th and 90th percentile,
   * from the errors the answering tier showed on runs it did not see (see predictor.ts).
   */
  interval?: { p10: number; p90: number };
  /** Items per second the answer implies (inputSize ÷ executionSeconds), when the query has items. */
  itemsPerSecond?: number;
}

/** Items per second a taskType processed on one kind of hardware, from its successful runs. */
export interface Throughput {
  /** Hardware key: the GPU product, else the class (cpu, gpu). */
  hardware: string;
  /** Median of inputSize ÷ executionSeconds over the runs with items, and how many runs. */
  itemsPerSecond: number;
  runs: number;
}
