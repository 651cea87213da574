import { describe, expect, test } from '@jest/globals';
import { electionStep, microTime } from '../../../operator/runtime/leader-election.js';

const t0 = new Date('2026-01-01T00:00:00Z');
const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000);

describe('electionStep', () => {
  test('creates the lease when there is none', () => {
    const step = electionStep(undefined, 'a', t0, 15);
    expect(step.action).toBe('create');
    expect(step.lease).toMatchObject({ holderIdentity: 'a', leaseDurationSeconds: 15, leaseTransitions: 0 });
  });

  test('the holder renews without counting a transition', () => {
    const step = electionStep({ holderIdentity: 'a', renewTime: t0, leaseTransitions: 2, leaseDurationSeconds: 15 }, 'a', at(5), 15);
    expect(step.action).toBe('renew');
    expect(step.lease.renewTime).toEqual(at(5));
    expect(step.lease.leaseTransitions).toBe(2);
  });

  test('another candidate follows while the lease is fresh', () => {
    expect(electionStep({ holderIdentity: 'a', renewTime: t0, leaseDurationSeconds: 15 }, 'b', at(15), 15).action).toBe('follow');
  });

  test('another candidate takes over an expired lease and counts the transition', () => {
    const step = electionStep({ holderIdentity: 'a', renewTime: t0, leaseDurationSeconds: 15, leaseTransitions: 1 }, 'b', at(16), 15);
    expect(step.action).toBe('acquire');
    expect(step.lease).toMatchObject({ holderIdentity: 'b', leaseTransitions: 2, acquireTime: at(16) });
  });

  test('a released lease (no holder) is taken at once', () => {
    expect(electionStep({ renewTime: t0, leaseDurationSeconds: 15 }, 'b', at(1), 15).action).toBe('acquire');
  });
});

describe('microTime', () => {
  test('writes six fractional digits, as the API server parses Lease times', () => {
    expect(microTime(new Date('2026-11-23T12:27:13.628Z'))).toBe('2026-11-23T12:27:13.628000Z');
  });
});

test('a renew time read back as a MicroTime string counts like a Date', () => {
  expect(electionStep({ holderIdentity: 'a', renewTime: '2026-01-01T00:00:00.000000Z', leaseDurationSeconds: 15 }, 'b', at(10), 15).action).toBe('follow');
  expect(electionStep({ holderIdentity: 'a', renewTime: '2026-01-01T00:00:00.000000Z', leaseDurationSeconds: 15 }, 'b', at(16), 15).action).toBe('acquire');
});
