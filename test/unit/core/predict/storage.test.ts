import { describe, expect, test } from '@jest/globals';
import {
  DEFAULT_SAMPLE_BOUNDS,
  STORAGE_VERSION,
  boundSamples,
  decodeSamples,
  decodeSamplesWithReport,
  encodeSamples,
  seededShuffle,
  type TrainingSample,
} from '../../../../operator/core/predict/index.js';
import { mapRuns, matmulRuns, run } from './builders.js';

const bytes = (text: string) => new TextEncoder().encode(text).length;
const ids = (samples: readonly TrainingSample[]) => samples.map((s) => s.id);

describe('encodeSamples / decodeSamples', () => {
  test('round trip: every field back as it was, in the order given', () => {
    const samples = [
      ...matmulRuns([64, 128], [1, 2], { hardware: 'gpu', gpuProduct: 'NVIDIA-A10G' }),
      run({ id: 'odd', taskType: 'custom', params: { 'model.layers': 4, fast: true, op: 'a' }, inputSize: 12, seconds: 0, succeeded: false }),
      ...mapRuns([10], { square: 1e-6 }),
    ];
    const text = encodeSamples(samples);
    expect(decodeSamples(text)).toEqual(samples);
    expect(JSON.parse(text)).toMatchObject({ v: STORAGE_VERSION });
  });

  test('compact: names are stored once, far smaller than plain JSON', () => {
    const samples = matmulRuns([64, 96, 128, 192, 256], [1, 2, 3], { rounds: 10 });
    expect(bytes(encodeSamples(samples))).toBeLessThan(0.6 * bytes(JSON.stringify(samples)));
  });

  test('garbage never throws: nothing, or what is valid', () => {
    for (const garbage of ['', 'not json', '{', 'null', '42', '[]', '{"v":1}', '{"v":2,"samples":[]}', '{"v":1,"types":5,"keys":[],"hardware":[],"samples":[[]]}']) {
      expect(decodeSamples(garbage)).toEqual([]);
    }
    expect(decodeSamples(undefined)).toEqual([]);
    expect(decodeSamples({ v: 1 })).toEqual([]);
  });

  test('bad entries are dropped, the rest kept', () => {
    const good = [run({ id: 'a', index: 1, params: { n: 64 } }), run({ id: 'b', index: 2, params: { n: 64 }, cpu: 1, memoryBytes: 5 })];
    const document = JSON.parse(encodeSamples(good)) as { samples: unknown[]; hardware: unknown[] };
    const valid = document.samples[0] as unknown[];
    const variant = (index: number, value: unknown) => valid.map((field, i) => (i === index ? value : field));
    document.hardware.push(['tpu'], ['gpu', '']);
    document.samples.push(
      'not an entry',
      valid.slice(0, 5), // too short
      variant(0, ''), // empty id
      variant(1, 9), // no such taskType
      variant(2, 'yesterday'), // unreadable time
      variant(3, -1), // negative items
      variant(4, 1), // tpu
      variant(4, 2), // gpu with an empty product
      variant(5, Number.NaN), // NaN seconds (null in JSON)
      variant(5, '1'), // seconds as a string
      variant(6, true), // succeeded not 0/1
      variant(7, -2), // negative cpu
      variant(9, [0]), // a key without a value
      variant(9, [7, 1]), // no such key
      variant(9, [0, 'x']), // a non-numeric value
    );
    const report = decodeSamplesWithReport(JSON.stringify(document));
    expect(report.samples).toEqual(good);
    expect(report.dropped).toBe(15);
  });

  test('an unknown version is not read', () => {
    const text = encodeSamples([run()]).replace(`"v":${STORAGE_VERSION}`, '"v":99');
    expect(decodeSamplesWithReport(text)).toEqual({ samples: [], dropped: 1 });
  });
});

describe('boundSamples', () => {
  test('the newest per taskType, deduplicated by id, sorted by taskType, time and id', () => {
    const samples = [...matmulRuns([64, 128, 256], [1, 2, 3]), ...mapRuns([10, 20, 30, 40], { square: 1e-6 }, { first: 100 })];
    const bounded = boundSamples(seededShuffle([...samples, ...samples.slice(0, 4)], 5), { maxPerTaskType: 5 });
    expect(bounded.map((s) => s.taskType)).toEqual(['map', 'map', 'map', 'map', 'matmul', 'matmul', 'matmul', 'matmul', 'matmul']);
    expect(ids(bounded.filter((s) => s.taskType === 'matmul'))).toEqual(['cpu--4', 'cpu--5', 'cpu--6', 'cpu--7', 'cpu--8']);
    expect(ids(bounded.filter((s) => s.taskType === 'map'))).toEqual(['map-100', 'map-101', 'map-102', 'map-103']);
  });

  test('the same id twice: the newer version is kept, whatever the input order', () => {
    const older = run({ id: 'x', index: 1, seconds: 1 });
    const newer = run({ id: 'x', index: 2, seconds: 2 });
    expect(boundSamples([older, newer])).toEqual([newer]);
    expect(boundSamples([newer, older])).toEqual([newer]);
    const twin = { ...newer, executionSeconds: 3 };
    expect(boundSamples([newer, twin])).toEqual(boundSamples([twin, newer]));
  });

  test('each taskType’s encoding fits in maxBytes, keeping the newest', () => {
    const samples = [...matmulRuns([64, 96, 128, 192, 256], [1, 2, 3], { rounds: 20 }), ...mapRuns([10, 20], { square: 1e-6 }, { first: 10_000 })];
    const maxBytes = 4000;
    const bounded = boundSamples(samples, { maxBytes });
    const matmul = bounded.filter((s) => s.taskType === 'matmul');
    expect(bytes(encodeSamples(matmul))).toBeLessThanOrEqual(maxBytes);
    expect(matmul.length).toBeGreaterThan(10);
    expect(matmul.length).toBeLessThan(300);
    // The newest ones: the last of the input, in order.
    expect(ids(matmul)).toEqual(ids(samples.filter((s) => s.taskType === 'matmul').slice(-matmul.length)));
    // One more would not fit.
    const oneMore = samples.filter((s) => s.taskType === 'matmul').slice(-(matmul.length + 1));
    expect(bytes(encodeSamples(oneMore))).toBeGreaterThan(maxBytes);
    expect(bounded.filter((s) => s.taskType === 'map')).toHaveLength(2);
    expect(boundSamples(samples, { maxBytes: 10 })).toEqual([]);
  });

  test('the defaults keep 2000 samples of a taskType within a ConfigMap', () => {
    const samples = matmulRuns([64, 96, 128, 192, 256], [1, 2, 3, 4], { rounds: 120 }); // 2400
    const bounded = boundSamples(samples);
    expect(bounded).toHaveLength(DEFAULT_SAMPLE_BOUNDS.maxPerTaskType);
    expect(bytes(encodeSamples(bounded))).toBeLessThan(DEFAULT_SAMPLE_BOUNDS.maxBytes);
    expect(bytes(encodeSamples(bounded))).toBeLessThan(2 ** 20);
    expect(decodeSamples(encodeSamples(bounded))).toEqual(bounded);
  });
});
