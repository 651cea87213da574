// After a restart the WorkerPool controller has no record of its own scaling actions: which way
// the pool last went comes from status.decisions, where the API names them 'scaleUp'/'scaleDown'
// and the policy 'scale_up'/'scale_down'. The policy holds back reversals only, so a pool that
// was shrinking must be known as shrinking after the restart.
import { describe, expect, test } from '@jest/globals';
import type { WorkerPoolStatus } from '../../../operator/api/workerpool.js';
import { lastRecordedScale } from '../../../operator/controllers/workerpool/reconciler.js';

type Decisions = NonNullable<WorkerPoolStatus['decisions']>;

const at = (iso: string) => Date.parse(iso) / 1000;

describe('lastRecordedScale (the restart case)', () => {
  test('a pool whose last action was a scale-down is known as shrinking, at that time', () => {
    const decisions: Decisions = [
      { action: 'scaleUp', count: 2, time: '2026-01-01T00:00:00.000Z' },
      { action: 'scaleDown', count: 1, time: '2026-01-01T00:05:00.000Z' },
      { action: 'maintain', time: '2026-01-01T00:06:00.000Z' },
    ];
    expect(lastRecordedScale(decisions)).toEqual({ at: at('2026-01-01T00:05:00.000Z'), action: 'scale_down' });
  });

  test('a pool whose last action was a scale-up is known as growing', () => {
    const decisions: Decisions = [
      { action: 'scaleDown', count: 1, time: '2026-01-01T00:00:00.000Z' },
      { action: 'scaleUp', count: 3, time: '2026-01-01T00:07:00.000Z' },
    ];
    expect(lastRecordedScale(decisions)).toEqual({ at: at('2026-01-01T00:07:00.000Z'), action: 'scale_up' });
  });

  test('only maintains, or nothing recorded: no last action', () => {
    expect(lastRecordedScale([{ action: 'maintain', time: '2026-01-01T00:00:00.000Z' }])).toBeUndefined();
    expect(lastRecordedScale(undefined)).toBeUndefined();
  });
});
