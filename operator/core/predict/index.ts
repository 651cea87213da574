// The predictor core: learns execution seconds, cpu and memory from finished runs and answers
// with the tier it used and a confidence (pure: plain data in, plain data out).
export type { HardwareClass, Prediction, PredictionQuery, PredictionSource, Throughput, TrainingSample } from './types.js';
export {
  FeatureSpace,
  MAX_FEATURES,
  MAX_ONE_HOT_LENGTH,
  MAX_PARAM_DEPTH,
  compareStrings,
  flattenParams,
  hardwareKeyOf,
  isOneHot,
  jobKeyOf,
  sampleFrom,
  logScale,
  type Labelled,
  type Observation,
  type SampleInput,
} from './features.js';
export { DegenerateFit, MODEL_NAMES, fitModel, selectModel, type CandidateScore, type FittedModel, type ModelName, type ModelOptions, type ModelSelection } from './models.js';
export { BUILT_IN_DEFAULT_TASK_TYPES, GENERIC_DEFAULTS, defaultsFor, type WorkloadDefaults } from './defaults.js';
export {
  DEFAULT_CONFIDENCE,
  MIN_CPU,
  MIN_MEMORY_BYTES,
  Predictor,
  predictedWork,
  speedEstimate,
  type ModelSummary,
  type PredictedWork,
  type PredictorOptions,
} from './predictor.js';
export {
  DEFAULT_SAMPLE_BOUNDS,
  STORAGE_VERSION,
  boundSamples,
  compareSamples,
  decodeSamples,
  decodeSamplesWithReport,
  dedupeById,
  encodeSamples,
  finishedAtMs,
  type DecodeReport,
  type SampleBounds,
} from './storage.js';
export { mape, mean, median, quantile, relativeErrors, seededRandom, seededShuffle } from './stats.js';
