import { describe, expect, test } from '@jest/globals';
import { remainingSeconds } from '../../../../operator/core/scaling/index.js';

describe('remainingSeconds', () => {
  test('a learned prediction: what is left of it, never below zero', () => {
    expect(remainingSeconds({ executionSeconds: 100, source: 'model' }, 30, 600)).toBe(70);
    expect(remainingSeconds({ executionSeconds: 100, source: 'statistics' }, 130, 600)).toBe(0);
    expect(remainingSeconds({ executionSeconds: 100, source: 'statistics' }, -5, 600)).toBe(100);
  });

  test('a built-in guess holds the place for the whole horizon at least, running or queued', () => {
    expect(remainingSeconds({ executionSeconds: 0.4, source: 'default' }, 0, 60)).toBe(60);
    expect(remainingSeconds({ executionSeconds: 0.4, source: 'default' }, 300, 60)).toBe(60);
    // A guess longer than the horizon is kept: it is the only figure there is.
    expect(remainingSeconds({ executionSeconds: 900, source: 'default' }, 100, 60)).toBe(800);
  });
});
