// `npm run bench`: the placement and predictor figures of one run, each next to its baseline from the same run.
import { benchDashboard } from './dashboard.js';
import { benchBindingRate } from './placement-cluster.js';
import { benchPlacementCore } from './placement-core.js';
import { benchPredictor, predictorBenchLines, predictorBenchTitle } from './predictor.js';

const fixed = (value: number, digits = 1) => value.toFixed(digits);
const log = (line: string) => process.stdout.write(`[bench] ${line}\n`);

log('placement decisions in process: 1,000 nodes × 10,000 pending subtasks');
const core = benchPlacementCore({ nodes: 1000, tasks: 100, perTask: 100 });
log(`  fitness (ours): p50 ${fixed(core.fitness.p50Micros)} µs, p99 ${fixed(core.fitness.p99Micros)} µs, max ${fixed(core.fitness.maxMicros)} µs; ${core.fitness.placed} placed, ${core.fitness.unplaced} explained; ${fixed(core.fitness.totalMs, 0)} ms in all`);
log(`  first fit (baseline): p50 ${fixed(core.firstFit.p50Micros)} µs, p99 ${fixed(core.firstFit.p99Micros)} µs; ${core.firstFit.placed} placed`);
log(`  ratio ours/baseline: p50 ${fixed(core.fitness.p50Micros / core.firstFit.p50Micros)}×, p99 ${fixed(core.fitness.p99Micros / core.firstFit.p99Micros)}×`);

log('dashboard tick in process: 1,000 nodes, 4 pools, 200 tasks, 20,000 finished subtasks (median of 25)');
const dashboard = benchDashboard();
log(`  snapshot (ours: gather, build, serialize once): ${fixed(dashboard.tick.medianMs)} ms, ${fixed(dashboard.tick.bytes / 1024, 0)} KiB per tick`);
log(`  raw caches serialized (baseline): ${fixed(dashboard.baseline.medianMs)} ms, ${fixed(dashboard.baseline.bytes / 1024, 0)} KiB`);
log(`  ratio ours/baseline: time ${fixed(dashboard.tick.medianMs / dashboard.baseline.medianMs, 2)}×, bytes ${fixed(dashboard.tick.bytes / dashboard.baseline.bytes, 3)}×`);

const pods = Number(process.env.BENCH_PODS ?? 500);
log(`binding on the real control plane: ${pods} pods onto 25 kwok nodes, each scheduler with its default client rate (50 qps, burst 100)`);
const cluster = await benchBindingRate({ pods, nodes: 25, log: (line) => log(`  ${line}`) });
const row = (name: string, run: typeof cluster.ours) =>
  log(`  ${name}: ${fixed(run.podsPerSecond)} pods/s (first bind after ${fixed(run.firstBindMs, 0)} ms, last after ${fixed(run.lastBindMs, 0)} ms)`);
row('our scheduler', cluster.ours);
row('kube-scheduler (baseline)', cluster.kubeScheduler);
log(`  ratio ours/kube-scheduler: ${fixed(cluster.ours.podsPerSecond / cluster.kubeScheduler.podsPerSecond, 2)}×`);

log(predictorBenchTitle());
for (const line of predictorBenchLines(await benchPredictor())) log(line);
