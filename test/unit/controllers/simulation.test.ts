import { describe, expect, test } from '@jest/globals';
import { simulationAnnotations } from '../../../operator/controllers/simulation.js';

describe('simulationAnnotations', () => {
  test('copies the duration, and usage figures that are plain numbers kwok can paste into JSON', () => {
    expect(
      simulationAnnotations({
        'drm.dtf.io/simulated-duration': '2s',
        'drm.dtf.io/simulated-cpu-cores': '0.6',
        'drm.dtf.io/simulated-memory-bytes': '536870912',
        'other/annotation': 'x',
      }),
    ).toEqual({ copied: { 'drm.dtf.io/simulated-duration': '2s', 'drm.dtf.io/simulated-cpu-cores': '0.6', 'drm.dtf.io/simulated-memory-bytes': '536870912' }, ignored: [] });
    expect(simulationAnnotations(undefined)).toEqual({ copied: {}, ignored: [] });
  });

  test('anything else is not copied, and each is named with what it needs', () => {
    for (const bad of ['1,5', '-1', '1e3', '"1"}', '', '0.5 ', 'NaN']) {
      const { copied, ignored } = simulationAnnotations({ 'drm.dtf.io/simulated-cpu-cores': bad, 'drm.dtf.io/simulated-memory-bytes': bad });
      expect(copied).toEqual({});
      expect(ignored).toEqual([
        `drm.dtf.io/simulated-cpu-cores must be a plain number of cores such as 0.5, got ${JSON.stringify(bad)}: simulated pods report no such usage`,
        `drm.dtf.io/simulated-memory-bytes must be a whole number of bytes such as 536870912, got ${JSON.stringify(bad)}: simulated pods report no such usage`,
      ]);
    }
    expect(simulationAnnotations({ 'drm.dtf.io/simulated-memory-bytes': '1.5' }).ignored).toHaveLength(1);
  });
});
