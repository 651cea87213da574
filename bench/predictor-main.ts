// The predictor benchmark alone (the part of `npm run bench` that needs no cluster), on both grids:
//   node --import tsx bench/predictor-main.ts
import { benchPredictor, MILLISECOND_GRID, predictorBenchLines, predictorBenchTitleOf, SMALL_GRID } from './predictor.js';

for (const grid of [SMALL_GRID, MILLISECOND_GRID]) {
  process.stdout.write(`[bench] ${predictorBenchTitleOf(grid)}\n`);
  for (const line of predictorBenchLines(await benchPredictor({ grid }))) process.stdout.write(`[bench] ${line}\n`);
}
