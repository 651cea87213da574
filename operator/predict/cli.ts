// `npm run predict -- --task-type matmul --param n=512 [--hardware gpu] [--json]`: asks the
// predictor directly, trained on the same stored data the operator reads (its training
// ConfigMaps), so it answers as the operator would. The work is done by run.ts, which
// `kubectl drm predict` shares.
import { runPredict } from './run.js';

process.exitCode = await runPredict(process.argv.slice(2));
