// The optimizer core: workload patterns and worker-type recommendations (pure).
export {
  DEFAULT_MEMORY_HEAVY_BYTES_PER_CORE,
  recommendWorkerTypes,
  workerTypeOf,
  workloadPatterns,
  workloadProfiles,
  type PatternKind,
  type PatternOptions,
  type PendingWork,
  type PoolOffer,
  type ProfileVector,
  type WorkerType,
  type WorkerTypeRecommendation,
  type WorkloadPattern,
  type WorkloadProfile,
} from './patterns.js';
