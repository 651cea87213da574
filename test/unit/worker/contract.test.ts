import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from '@jest/globals';
import {
  CONFIG_MAP_DATA_LIMIT_BYTES,
  DEFAULT_INPUT_FILE,
  DEFAULT_TERMINATION_MESSAGE_PATH,
  RESULT_CHUNK_LIMIT_BYTES,
  TERMINATION_MESSAGE_LIMIT_BYTES,
  TerminationMessage,
  encodeError,
  joinResultConfigMapData,
  metricsFrom,
  parseInputDocument,
  planSuccess,
  readInputDocument,
  readWorkerEnvironment,
  resolveRunIdentity,
  resultConfigMap,
  resultConfigMapData,
  startMeasurement,
  type Metrics,
} from '../../../operator/worker/contract.js';

const metrics: Metrics = { executionSeconds: 0.012, cpuCoresUsed: 0.9, memoryBytesUsed: 52428800 };
const bytes = (text: string) => Buffer.byteLength(text, 'utf8');
const tempDir = () => mkdtempSync(join(tmpdir(), 'drm-worker-contract-'));

describe('readWorkerEnvironment', () => {
  test('reads every DRM_* variable', () => {
    expect(
      readWorkerEnvironment({
        DRM_INPUT_FILE: '/in.json',
        DRM_TERMINATION_MESSAGE_PATH: '/term',
        DRM_RESULT_CONFIGMAP: 'squares-p-0-result',
        DRM_NAMESPACE: 'default',
        DRM_POD_NAME: 'squares-p-0-1',
        DRM_POD_UID: 'uid-1',
        DRM_TASK_NAME: 'squares',
        DRM_SUBTASK_NAME: 'squares-p-0',
        DRM_ATTEMPT: '2',
        DRM_TASK_TYPE: 'map',
      }),
    ).toEqual({
      inputFile: '/in.json',
      terminationMessagePath: '/term',
      resultConfigMap: 'squares-p-0-result',
      namespace: 'default',
      podName: 'squares-p-0-1',
      podUid: 'uid-1',
      taskName: 'squares',
      subtaskName: 'squares-p-0',
      attempt: 2,
      taskType: 'map',
    });
  });

  test('paths default to the documented ones; empty means unset', () => {
    const environment = readWorkerEnvironment({ DRM_INPUT_FILE: '', DRM_TASK_TYPE: '  ' });
    expect(environment.inputFile).toBe(DEFAULT_INPUT_FILE);
    expect(environment.terminationMessagePath).toBe(DEFAULT_TERMINATION_MESSAGE_PATH);
    expect(environment.taskType).toBeUndefined();
    expect(environment.attempt).toBeUndefined();
  });

  test.each(['0', '-1', '1.5', 'two'])('DRM_ATTEMPT=%s is rejected', (attempt) => {
    expect(() => readWorkerEnvironment({ DRM_ATTEMPT: attempt })).toThrow(/DRM_ATTEMPT must be a positive integer/);
  });
});

describe('the input document', () => {
  const document = {
    apiVersion: 'drm.dtf.io/v1alpha1',
    task: 'squares',
    subtask: 'squares-p-0',
    namespace: 'default',
    role: 'partition',
    index: 0,
    attempt: 1,
    taskType: 'map',
    params: { op: 'square' },
    items: [1, 2, 3],
  };

  test('the documented example parses; unknown fields are kept', () => {
    expect(parseInputDocument(JSON.stringify({ ...document, extra: true }), 'in.json')).toEqual({ ...document, extra: true });
  });

  test('params and items default to {} and []; items may be any JSON', () => {
    expect(parseInputDocument('{"taskType":"echo"}', 'in.json')).toMatchObject({ params: {}, items: [] });
    expect(parseInputDocument('{"items":{"n":4,"checksum":1}}', 'in.json').items).toEqual({ n: 4, checksum: 1 });
  });

  test('errors say which file and which field', () => {
    expect(() => parseInputDocument('{"items": [1,', 'in.json')).toThrow(/^input document in\.json is not valid JSON: /);
    expect(() => parseInputDocument('[1]', 'in.json')).toThrow('input document in.json must be a JSON object');
    expect(() => parseInputDocument('{"params": [1], "attempt": 0}', 'in.json')).toThrow(
      /^input document in\.json is invalid: attempt: Too small: .*; params: expected an object$/,
    );
    expect(() => parseInputDocument('{"apiVersion": "drm.dtf.io/v2"}', 'in.json')).toThrow(
      'input document in.json is invalid: apiVersion: expected "drm.dtf.io/v1alpha1", got "drm.dtf.io/v2"',
    );
  });

  test('a missing file is a clear error naming DRM_INPUT_FILE', () => {
    expect(() => readInputDocument('/nonexistent/input.json')).toThrow(/cannot read the input document \/nonexistent\/input\.json \(DRM_INPUT_FILE\): .*ENOENT/);
  });

  test('the environment wins over the document, and disagreements are reported', () => {
    const input = parseInputDocument(JSON.stringify({ ...document, params: { function: 'latency' } }), 'in.json');
    const identity = resolveRunIdentity(readWorkerEnvironment({ DRM_TASK_TYPE: 'benchmark', DRM_ATTEMPT: '3' }), input);
    expect(identity).toMatchObject({ taskType: 'benchmark', attempt: 3, functionName: 'latency', subtaskName: 'squares-p-0', namespace: 'default' });
    expect(identity.disagreements).toEqual([
      'taskType: environment "benchmark", input document "map"',
      'attempt: environment 3, input document 1',
    ]);
  });

  test('without a task type anywhere there is nothing to run', () => {
    expect(() => resolveRunIdentity(readWorkerEnvironment({}), parseInputDocument('{}', 'in.json'))).toThrow(
      'no workload selected: set DRM_TASK_TYPE or the input document\'s "taskType"',
    );
    expect(resolveRunIdentity(readWorkerEnvironment({}), parseInputDocument('{"taskType":"echo"}', 'in.json')).attempt).toBe(1);
  });
});

describe('metrics', () => {
  test('cores are CPU time over wall time; peak RSS comes in KiB', () => {
    expect(metricsFrom({ wallSeconds: 2, cpuMicroseconds: 3_000_000, maxRssKiB: 51_200 })).toEqual({
      executionSeconds: 2,
      cpuCoresUsed: 1.5,
      memoryBytesUsed: 52_428_800,
    });
    expect(metricsFrom({ wallSeconds: 0, cpuMicroseconds: 10, maxRssKiB: 1 }).cpuCoresUsed).toBe(0);
  });

  test('a real measurement of busy work', () => {
    // Busy until the process has used 30 ms of CPU, however long a loaded machine takes to give
    // it: the measurement must see that CPU time, whatever share of a core it got.
    const measure = startMeasurement();
    const start = process.cpuUsage();
    while (process.cpuUsage(start).user < 30_000) Math.sqrt(Math.random());
    const measured = measure();
    expect(measured.executionSeconds).toBeGreaterThanOrEqual(0.03);
    expect(measured.cpuCoresUsed * measured.executionSeconds).toBeGreaterThanOrEqual(0.029);
    expect(measured.memoryBytesUsed).toBeGreaterThan(1024 * 1024);
  });
});

describe('planSuccess', () => {
  test('a small result travels inline as {result, metrics}', () => {
    const plan = planSuccess([1, 4, 9], metrics, 'r');
    expect(plan).toEqual({ kind: 'inline', message: JSON.stringify({ result: [1, 4, 9], metrics }) });
  });

  test('undefined becomes null so the message always has a result', () => {
    expect(JSON.parse(planSuccess(undefined, undefined, undefined).message)).toEqual({ result: null });
  });

  test('the inline limit is 4096 bytes of the whole message, counted in UTF-8', () => {
    const overhead = bytes(JSON.stringify({ result: '', metrics }));
    const fits = 'x'.repeat(TERMINATION_MESSAGE_LIMIT_BYTES - overhead);
    expect(planSuccess(fits, metrics, 'r').kind).toBe('inline');
    expect(planSuccess(`${fits}x`, metrics, 'r').kind).toBe('configMap');
    // Same number of characters, but "é" is two bytes.
    expect(planSuccess(`${fits.slice(1)}é`, metrics, 'r').kind).toBe('configMap');
  });

  test('a large result goes to the ConfigMap under result.json, and the message names it', () => {
    const result = Array.from({ length: 2000 }, (_, i) => i * i);
    const plan = planSuccess(result, metrics, 'squares-p-0-result');
    expect(plan.kind).toBe('configMap');
    if (plan.kind !== 'configMap') return;
    expect(plan.configMapName).toBe('squares-p-0-result');
    expect(plan.data).toEqual({ 'result.json': JSON.stringify(result) });
    expect(JSON.parse(plan.message)).toEqual({ resultConfigMap: 'squares-p-0-result', metrics });
  });

  test('a result of 900 KiB or more is cut into chunks that rejoin to the original', () => {
    const result = Array.from({ length: 46_000 }, (_, i) => `item-${i}-ü-😀`);
    const json = JSON.stringify(result);
    expect(bytes(json)).toBeGreaterThanOrEqual(RESULT_CHUNK_LIMIT_BYTES);
    expect(bytes(json)).toBeLessThanOrEqual(CONFIG_MAP_DATA_LIMIT_BYTES);
    const plan = planSuccess(result, metrics, 'big');
    if (plan.kind !== 'configMap') throw new Error('expected a ConfigMap plan');
    const keys = Object.keys(plan.data);
    expect(keys).toEqual(keys.map((_, i) => `result.json.${i}`));
    expect(keys.length).toBeGreaterThan(1);
    for (const chunk of Object.values(plan.data)) expect(bytes(chunk)).toBeLessThan(RESULT_CHUNK_LIMIT_BYTES);
    expect(JSON.parse(joinResultConfigMapData(plan.data))).toEqual(result);
  });

  test('a result beyond what a ConfigMap holds (1 MiB) fails clearly', () => {
    const result = 'x'.repeat(CONFIG_MAP_DATA_LIMIT_BYTES);
    expect(() => planSuccess(result, metrics, 'big')).toThrow(/more than the 1048576 bytes a ConfigMap can hold/);
  });

  test('a large result without DRM_RESULT_CONFIGMAP fails clearly', () => {
    expect(() => planSuccess('x'.repeat(5000), metrics, undefined)).toThrow(/too large for the 4096-byte termination message, and DRM_RESULT_CONFIGMAP is not set/);
  });

  test('a result that is not JSON fails clearly', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => planSuccess(cyclic, metrics, 'r')).toThrow(/^the result is not JSON-serializable: /);
    expect(() => planSuccess(10n, metrics, 'r')).toThrow(/not JSON-serializable/);
  });
});

describe('chunks', () => {
  test('result chunks never cut inside a character and lose nothing', () => {
    const text = 'aé😀'.repeat(50);
    for (const maxBytes of [4, 5, 6, 7, 13]) {
      const pieces = Object.values(resultConfigMapData(text, maxBytes + 1));
      expect(pieces.join('')).toBe(text);
      for (const piece of pieces) {
        expect(bytes(piece)).toBeLessThanOrEqual(maxBytes);
        expect(piece).not.toContain('\uFFFD');
      }
    }
    expect(resultConfigMapData('', 10)).toEqual({ 'result.json': '' });
  });

  test('resultConfigMapData uses one key below the chunk limit and chunks at it', () => {
    expect(resultConfigMapData('0123456789', 11)).toEqual({ 'result.json': '0123456789' });
    expect(resultConfigMapData('0123456789', 10)).toEqual({ 'result.json.0': '012345678', 'result.json.1': '9' });
  });

  test('joinResultConfigMapData orders chunks numerically and notices a gap', () => {
    const data = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`result.json.${i}`, String.fromCharCode(97 + i)]));
    expect(joinResultConfigMapData(data)).toBe('abcdefghijkl');
    expect(() => joinResultConfigMapData({ 'result.json.0': 'a', 'result.json.2': 'c' })).toThrow('the result ConfigMap lacks chunk result.json.1');
    expect(() => joinResultConfigMapData({ other: 'x' })).toThrow(/neither result\.json nor result\.json\.0/);
  });
});

describe('encodeError', () => {
  test('is {error, metrics} with the error message', () => {
    expect(JSON.parse(encodeError(new Error('map op square: item 1 is string'), metrics))).toEqual({
      error: 'map op square: item 1 is string',
      metrics,
    });
    expect(JSON.parse(encodeError('plain text'))).toEqual({ error: 'plain text' });
  });

  test('a long error is shortened so that the message stays valid JSON within 4096 bytes', () => {
    for (const filler of ['x', 'é', '😀', '"\n']) {
      const message = encodeError(new Error(filler.repeat(5000)), metrics);
      expect(bytes(message)).toBeLessThanOrEqual(TERMINATION_MESSAGE_LIMIT_BYTES);
      const parsed = JSON.parse(message) as { error: string; metrics: Metrics };
      expect(parsed.error.endsWith('…')).toBe(true);
      // Close to the limit: the search keeps the longest prefix that fits.
      expect(bytes(message)).toBeGreaterThan(TERMINATION_MESSAGE_LIMIT_BYTES - 8);
      expect(parsed.metrics).toEqual(metrics);
    }
  });
});

describe('resultConfigMap', () => {
  test('is owned by the pod and labeled with the subtask', () => {
    expect(
      resultConfigMap(
        { name: 'sq-p-0-result', namespace: 'ns', podName: 'sq-p-0-1', podUid: 'uid-1', subtaskName: 'sq-p-0' },
        { 'result.json': '[1]' },
      ),
    ).toEqual({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: 'sq-p-0-result',
        namespace: 'ns',
        labels: { 'drm.dtf.io/subtask': 'sq-p-0' },
        ownerReferences: [{ apiVersion: 'v1', kind: 'Pod', name: 'sq-p-0-1', uid: 'uid-1' }],
      },
      data: { 'result.json': '[1]' },
    });
  });

  test('without the pod identity there is no owner; a name too long for a label gets no label', () => {
    const configMap = resultConfigMap({ name: 'r', namespace: 'ns', subtaskName: 'x'.repeat(64) }, {});
    expect(configMap.metadata).toEqual({ name: 'r', namespace: 'ns' });
  });
});

describe('TerminationMessage', () => {
  test('writes once; later writes are dropped', () => {
    const path = join(tempDir(), 'termination-log');
    writeFileSync(path, '');
    const message = new TerminationMessage(path);
    expect(message.write('{"result":1}')).toBe(true);
    expect(message.write('{"error":"late"}')).toBe(false);
    expect(readFileSync(path, 'utf8')).toBe('{"result":1}');
    expect(message.written).toBe('{"result":1}');
  });
});
