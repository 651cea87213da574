// How long a subtask will still hold its place, as the predictive policy counts it (pure).
import type { PredictionSource } from '../predict/types.js';

/**
 * Seconds of work a subtask still has: the predicted time minus what already ran. A prediction
 * from the built-in defaults knows nothing of this work; rather than size the pool for a guess
 * (and leave the queue waiting when the guess is short), the subtask is assumed to hold its place
 * for at least the whole horizon, which sizes the pool for what is queued, as a reactive
 * autoscaler would, until runs are learned.
 */
export function remainingSeconds(prediction: { executionSeconds: number; source: PredictionSource }, elapsedSeconds: number, horizonSeconds: number): number {
  const left = Math.max(0, prediction.executionSeconds - Math.max(0, elapsedSeconds));
  return prediction.source === 'default' ? Math.max(horizonSeconds, left) : left;
}
