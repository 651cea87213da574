// Converting Alibaba's openb pod list (cluster-trace-gpu-v2023) into simulator traces, and the fit.
import { describe, expect, test } from '@jest/globals';
import { fitOpenb, OPENB_COLUMNS, openbWindow, parseOpenbPods } from '../../../operator/simulate/openb.js';
import { formatTrace, parseTrace } from '../../../operator/simulate/trace.js';

const HEADER = OPENB_COLUMNS.join(',');
// Made-up pods in the upstream layout.
const PODS = [
  HEADER,
  'p0,4000,8192,1,1000,,LS,Succeeded,1000,1600,1100', // 500 s on a GPU
  'p1,2500,1024,0,0,,BE,Failed,2000,2100,2000', // 100 s, CPU only
  'p2,6000,4096,0,470,,BE,Succeeded,3000,4000,3010', // a GPU share: one whole GPU
  'p3,4000,8192,1,1000,,LS,Running,3500,90000,3500', // still running at the end: no duration
  'p4,4000,8192,1,1000,,LS,Pending,3600,90000,', // never ran
  'p5,4000,8192,1,1000,,LS,Succeeded,3700,3730,3700', // under a minute
  'p6,16000,65536,8,1000,,Burstable,Succeeded,9000,19000,9000', // outside the window below
].join('\n');

describe('openb conversion', () => {
  test('finished pods of the window that ran ≥ 60 s, arrivals compressed, durations kept, GPU shares as whole GPUs', () => {
    const rows = openbWindow(parseOpenbPods(PODS), { fromSeconds: 1000, seconds: 5000, compress: 10 });
    expect(rows).toEqual([
      { arrivalSeconds: 0, taskType: 'openb-ls', hardware: 'gpu', subtasks: 1, secondsPerSubtask: 500, cpu: 4, memoryGiB: 8, gpu: 1 },
      { arrivalSeconds: 100, taskType: 'openb-be', hardware: 'cpu', subtasks: 1, secondsPerSubtask: 100, cpu: 2.5, memoryGiB: 1, gpu: 0 },
      { arrivalSeconds: 200, taskType: 'openb-be', hardware: 'gpu', subtasks: 1, secondsPerSubtask: 990, cpu: 6, memoryGiB: 4, gpu: 1 },
    ]);
    // A valid simulator trace.
    expect(parseTrace(formatTrace(rows))).toHaveLength(3);
  });

  test('the fit: lognormal of the durations, inter-arrival mean and variation, request shapes by share', () => {
    const fit = fitOpenb(parseOpenbPods(PODS));
    expect(fit.pods).toBe(4);
    const logs = [500, 100, 990, 10000].map(Math.log);
    const mean = logs.reduce((a, b) => a + b) / 4;
    expect(fit.logSecondsMean).toBeCloseTo(mean, 3);
    expect(fit.interArrivalMean).toBeCloseTo((9000 - 1000) / 3, 1);
    expect(fit.shapes).toContainEqual({ cpu: 4, memoryGiB: 8, gpu: 1, share: 0.25 });
    expect(fit.shapes.map((shape) => shape.gpu).sort()).toEqual([0, 1, 1, 8]);
  });

  test('a file that is not an openb pod list is refused', () => {
    expect(() => parseOpenbPods('a,b,c\n1,2,3')).toThrow(/not an openb pod list/);
    expect(() => parseOpenbPods(`${HEADER}\np,x,1,0,0,,BE,Succeeded,1,2,1`)).toThrow(/line 2: cpu_milli is not a number/);
  });
});
