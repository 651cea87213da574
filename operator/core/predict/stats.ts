// Small statistics over plain arrays, shared by the predictor's tiers (pure, deterministic).
import { seededRandom } from '../random.js';

export function mean(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  let sum = 0;
  for (const value of values) sum += value;
  return sum / values.length;
}

/** Linear-interpolated quantile (q in 0..1) of the values; NaN for none. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  const position = Math.min(1, Math.max(0, q)) * (sorted.length - 1);
  const below = Math.floor(position);
  const above = Math.min(sorted.length - 1, below + 1);
  return sorted[below]! + (sorted[above]! - sorted[below]!) * (position - below);
}

export const median = (values: readonly number[]): number => quantile(values, 0.5);

/** |predicted - actual| / actual for each pair; actual is positive (callers floor it). */
export function relativeErrors(predicted: readonly number[], actual: readonly number[]): number[] {
  return actual.map((value, i) => Math.abs(predicted[i]! - value) / value);
}

/** Mean absolute percentage error, as a fraction (0.1 = 10%). */
export function mape(predicted: readonly number[], actual: readonly number[]): number {
  return mean(relativeErrors(predicted, actual));
}

/** Pearson correlation; 0 when either side is constant. */
export function correlation(xs: readonly number[], ys: readonly number[]): number {
  const mx = mean(xs);
  const my = mean(ys);
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < xs.length; i++) {
    const dx = xs[i]! - mx;
    const dy = ys[i]! - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  return sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : 0;
}

export const clamp = (value: number, low: number, high: number): number => Math.min(high, Math.max(low, value));

export { seededRandom };

/** A Fisher–Yates shuffle of a copy, driven by a seeded generator. */
export function seededShuffle<T>(items: readonly T[], seed: number): T[] {
  const random = seededRandom(seed);
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}
