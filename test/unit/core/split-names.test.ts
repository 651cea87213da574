import { describe, expect, test } from '@jest/globals';
import { DNS1123_SUBDOMAIN_PATTERN, LABEL_VALUE_PATTERN } from '../../../operator/api/index.js';
import { attemptPodName, boundedName, subtaskName, subtaskNameSuffix, taskResultConfigMapName, toLabelValue, type SubtaskKey } from '../../../operator/core/split/index.js';

const subdomain = new RegExp(DNS1123_SUBDOMAIN_PATTERN);
const labelValue = new RegExp(LABEL_VALUE_PATTERN);

describe('subtaskName', () => {
  test('one form per role', () => {
    expect(subtaskName('t', { role: 'partition', index: 12 })).toBe('t-p12');
    expect(subtaskName('t', { role: 'shard', index: 2, name: 'decode' })).toBe('t-s2-decode');
    expect(subtaskName('t', { role: 'stage', microBatch: 3, name: 'decode' })).toBe('t-m3-decode');
    expect(subtaskName('t', { role: 'variant', name: 'small' })).toBe('t-v-small');
    expect(subtaskName('t', { role: 'function', name: 'latency' })).toBe('t-f-latency');
  });

  test('a name over 200 characters keeps its suffix, cuts the task part and adds a stable hash', () => {
    const task = `${'a'.repeat(100)}.${'b'.repeat(150)}`;
    const name = subtaskName(task, { role: 'shard', index: 7, name: 'x'.repeat(63) });
    expect(name).toHaveLength(200);
    expect(name).toMatch(subdomain);
    expect(name).toMatch(/^a{100}\.b{23}-[0-9a-f]{8}-s7-x{63}$/);
    expect(subtaskName(task, { role: 'shard', index: 7, name: 'x'.repeat(63) })).toBe(name);
  });

  test('a cut that would end on "." or "-" backs up to an alphanumeric', () => {
    const name = boundedName(`${'a'.repeat(10)}.${'b'.repeat(10)}`, '-suffix', 27);
    expect(name).toMatch(/^a{10}-[0-9a-f]{8}-suffix$/);
    expect(name).toMatch(subdomain);
  });

  test('names that fit are left alone', () => {
    expect(boundedName('a'.repeat(190), '-p1', 200)).toBe(`${'a'.repeat(190)}-p1`);
  });
});

describe('attemptPodName', () => {
  test('<subtask>-a<attempt>', () => {
    expect(attemptPodName('t-p0', 1)).toBe('t-p0-a1');
    expect(attemptPodName('t-m3-decode', 12)).toBe('t-m3-decode-a12');
  });

  test('every subtask name we generate leaves room for the attempt suffix without a cut', () => {
    const longest = subtaskName('a'.repeat(253), { role: 'partition', index: 1 });
    expect(attemptPodName(longest, 100)).toBe(`${longest}-a100`);
  });

  test('a foreign name too long for a Pod is cut with a hash and stays valid', () => {
    const pod = attemptPodName('z'.repeat(253), 3);
    expect(pod.length).toBeLessThanOrEqual(253);
    expect(pod).toMatch(subdomain);
    expect(pod.endsWith('-a3')).toBe(true);
  });

  test('attempts count from 1', () => {
    expect(() => attemptPodName('t-p0', 0)).toThrow(RangeError);
    expect(() => attemptPodName('t-p0', 1.5)).toThrow(RangeError);
  });
});

describe('toLabelValue', () => {
  test('valid values are kept as they are', () => {
    for (const value of ['', 'squares', 'Squares_1.0', 'a'.repeat(63)]) expect(toLabelValue(value)).toBe(value);
  });

  test('long values become at most 63 valid characters, distinct for distinct inputs', () => {
    const a = toLabelValue(`${'a'.repeat(70)}.one`);
    const b = toLabelValue(`${'a'.repeat(70)}.two`);
    for (const value of [a, b]) {
      expect(value.length).toBeLessThanOrEqual(63);
      expect(value).toMatch(labelValue);
    }
    expect(a).not.toBe(b);
    expect(toLabelValue(`${'a'.repeat(70)}.one`)).toBe(a);
  });

  test('invalid characters are replaced, and the hash keeps "a/b" apart from "a-b"', () => {
    const slash = toLabelValue('a/b');
    expect(slash).toMatch(/^a-b-[0-9a-f]{8}$/);
    expect(slash).not.toBe(toLabelValue('a-b'));
    expect(toLabelValue('--/--')).toMatch(/^[0-9a-f]{8}$/);
    expect(toLabelValue('ünïcode value!')).toMatch(labelValue);
  });
});

describe('names that cannot collide', () => {
  const keys: SubtaskKey[] = [
    { role: 'partition', index: 3 },
    { role: 'shard', index: 0, name: 'x' },
    { role: 'stage', microBatch: 1, name: 'x' },
    { role: 'variant', name: 'x' },
    { role: 'function', name: 'x' },
  ];

  test('Ensemble task a with variant v-x and task a-v with variant x get different subtasks', () => {
    const first = subtaskName('a', { role: 'variant', name: 'v-x' });
    const second = subtaskName('a-v', { role: 'variant', name: 'x' });
    expect(first).not.toBe(second);
    for (const name of [first, second]) expect(name).toMatch(subdomain);
  });

  test('a part of one strategy never takes the name of a part of another task', () => {
    expect(subtaskName('a-v', { role: 'partition', index: 3 })).not.toBe(subtaskName('a', { role: 'variant', name: 'p3' }));
    expect(subtaskName('a-s0', { role: 'shard', index: 1, name: 'y' })).not.toBe(subtaskName('a', { role: 'shard', index: 0, name: 's1-y' }));
    expect(subtaskName('a-v-x', { role: 'variant', name: 'y' })).not.toBe(subtaskName('a', { role: 'variant', name: 'x-v-y' }));
  });

  test('every pair of tasks and parts from a small universe of confusable names is distinct', () => {
    const tasks = ['a', 'a-v', 'a-f', 'a-p3', 'a-s0', 'a-m1', 'a-v-x', 'a-s0-x', 'a-v-v', 'v'];
    const labels = ['x', 'v', 'p3', 'v-x', 'x-v', 'x-v-x', 's1-y'];
    const seen = new Map<string, string>();
    for (const task of tasks) {
      const parts: SubtaskKey[] = [
        { role: 'partition', index: 3 },
        ...labels.flatMap((name): SubtaskKey[] => [
          { role: 'shard', index: 0, name },
          { role: 'stage', microBatch: 1, name },
          { role: 'variant', name },
          { role: 'function', name },
        ]),
      ];
      for (const key of parts) {
        const name = subtaskName(task, key);
        const owner = `${task} ${JSON.stringify(key)}`;
        expect([name, seen.get(name) ?? owner]).toEqual([name, owner]);
        seen.set(name, owner);
      }
    }
  });

  test('names that cannot be misread stay as they were', () => {
    for (const key of keys) expect(subtaskName('squares', key)).toBe(`squares${subtaskNameSuffix(key)}`);
    expect(subtaskName('my-task', { role: 'partition', index: 0 })).toBe('my-task-p0');
  });

  test('two task names of 231+ characters sharing a 230-character prefix get different result ConfigMaps', () => {
    const prefix = 'r'.repeat(230);
    const first = taskResultConfigMapName(`${prefix}-one`, 0);
    const second = taskResultConfigMapName(`${prefix}-two`, 0);
    expect(first).not.toBe(second);
    for (const name of [first, second, taskResultConfigMapName(`${prefix}-one`, 12)]) {
      expect(name.length).toBeLessThanOrEqual(253);
      expect(name).toMatch(subdomain);
    }
    expect(taskResultConfigMapName('squares', 0)).toBe('squares-result');
    expect(taskResultConfigMapName('squares', 2)).toBe('squares-result-2');
  });
});
