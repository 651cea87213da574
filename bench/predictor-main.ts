// The predictor benchmark alone (the part of `npm run bench` that needs no cluster):
//   node --import tsx bench/predictor-main.ts
import { benchPredictor, predictorBenchLines, predictorBenchTitle } from './predictor.js';

process.stdout.write(`[bench] ${predictorBenchTitle}\n`);
for (const line of predictorBenchLines(await benchPredictor())) process.stdout.write(`[bench] ${line}\n`);
