// The predictor benchmark alone (the part of `npm run bench` that needs no cluster):
//   npm run bench:predictor      (node --import tsx bench/predictor-main.ts)
// The figures of `npm run bench`, then the same grid measured without the CPU weight (fewer rounds):
// what the wall clock of a run on a busy machine looks like when the run has no CPU of its own.
// With DRM_BENCH_RUNS_OUT=DIR, each session's measured runs go to DIR/weighted.json and DIR/equal.json.
import { join } from 'node:path';
import { benchPredictor, predictorBenchLines, predictorBenchTitle, type PredictorBenchOptions } from './predictor.js';

const out = process.env.DRM_BENCH_RUNS_OUT;
const sessions: Array<PredictorBenchOptions & { name: string }> = [
  { name: 'weighted' },
  { name: 'equal', groupNice: null, rounds: 8 },
];
for (const { name, ...options } of sessions) {
  process.stdout.write(`[bench] ${predictorBenchTitle(options)}\n`);
  const result = await benchPredictor({ ...options, ...(out ? { runsFile: join(out, `${name}.json`) } : {}) });
  for (const line of predictorBenchLines(result)) process.stdout.write(`[bench] ${line}\n`);
}
