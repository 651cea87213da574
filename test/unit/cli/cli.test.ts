// kubectl drm's pure parts: reading command lines, the status tree, the top table, reading
// results back from chunked ConfigMaps, and manifests from flags or files.
import { describe, expect, test } from '@jest/globals';
import { parseCli } from '../../../operator/cli/args.js';
import { chunkConfigMapName, notReadyReason, reassembleResult } from '../../../operator/cli/result.js';
import { manifestFromFlags, manifestsFromText, parseItems } from '../../../operator/cli/submit.js';
import { renderTop } from '../../../operator/cli/top.js';
import { renderStatus, type SubtaskView } from '../../../operator/cli/tree.js';
import { chunkForConfigMaps } from '../../../operator/core/merge/chunks.js';

describe('parseCli', () => {
  test('--help lists every command', () => {
    const parsed = parseCli(['--help']);
    expect(parsed.kind).toBe('help');
    const text = (parsed as { text: string }).text;
    for (const command of ['submit', 'status', 'result', 'cancel', 'predict', 'top']) expect(text).toContain(`  ${command}`);
  });

  test('a command with its flags and the namespace before or after it', () => {
    expect(parseCli(['-n', 'ns1', 'status', 't1'])).toMatchObject({ kind: 'command', command: 'status', positionals: ['t1'], globals: { namespace: 'ns1' } });
    expect(parseCli(['result', 't1', '-o', 'out.json', '--namespace', 'x'])).toMatchObject({ command: 'result', values: { output: 'out.json' }, globals: { namespace: 'x' } });
    expect(parseCli(['submit', 'n', '--param', 'op=square', '--param', 'minSeconds=3', '--items', '1,2'])).toMatchObject({ values: { param: ['op=square', 'minSeconds=3'], items: '1,2' } });
  });

  test('predict passes its own flags through', () => {
    expect(parseCli(['-n', 'train', 'predict', '--task-type', 'map', '--json'])).toEqual({ kind: 'predict', args: ['--task-type', 'map', '--json'], globals: { namespace: 'train' } });
  });

  test('usage errors are one line saying what to run', () => {
    const cases: Array<[string[], RegExp]> = [
      [[], /no command given/],
      [['frobnicate'], /unknown command "frobnicate"/],
      [['status'], /status needs TASK/],
      [['status', 'a', 'b'], /unexpected argument "b"/],
      [['status', 'a', '--bogus'], /unknown flag --bogus.*kubectl drm status --help/],
      [['result', 'a', '-o'], /needs a value/],
    ];
    for (const [argv, message] of cases) {
      const parsed = parseCli(argv);
      expect(parsed.kind).toBe('error');
      const text = (parsed as { message: string }).message;
      expect(text).toMatch(message);
      expect(text).not.toContain('\n');
    }
  });

  test('COMMAND --help is that command\'s help', () => {
    const parsed = parseCli(['submit', '--help']);
    expect(parsed.kind).toBe('help');
    expect((parsed as { text: string }).text).toMatch(/^kubectl drm submit -f FILE/);
  });
});

const sub = (name: string, index: number, role: string, phase: string, extra: Partial<SubtaskView['spec']> = {}, node?: string, attempts = 1): SubtaskView => ({
  metadata: { name },
  spec: { index, role, name: name.split('-').pop()!, ...extra },
  status: { phase, ...(node ? { nodeName: node } : {}), attempts },
});

describe('renderStatus', () => {
  test('flat for DataParallel, in index order, with phase, node and attempts', () => {
    const text = renderStatus(
      { metadata: { name: 't' }, spec: { strategy: 'DataParallel' }, status: { phase: 'InProgress', completionPercentage: 50, subtasks: { total: 2, completed: 1, running: 1 } } },
      [sub('t-p1', 1, 'partition', 'Running', {}, 'cpu-2', 2), sub('t-p0', 0, 'partition', 'Completed', {}, 'cpu-1')],
    );
    expect(text).toBe(
      ['t  DataParallel  InProgress  1/2 subtasks completed (50% finished)  1 running', '├─ t-p0  Completed  node=cpu-1  attempts=1', '└─ t-p1  Running  node=cpu-2  attempts=2', ''].join('\n'),
    );
  });

  test('PipelineParallel grouped by micro-batch, stages in order', () => {
    const text = renderStatus({ metadata: { name: 'p' }, spec: { strategy: 'PipelineParallel' }, status: { phase: 'InProgress' } }, [
      sub('p-mb1-b', 1, 'stage', 'Pending', { microBatch: 1 }, undefined, 0),
      sub('p-mb0-b', 1, 'stage', 'Running', { microBatch: 0 }, 'n1'),
      sub('p-mb0-a', 0, 'stage', 'Completed', { microBatch: 0 }, 'n1'),
      sub('p-mb1-a', 0, 'stage', 'Completed', { microBatch: 1 }, 'n2'),
    ]);
    expect(text).toBe(
      [
        'p  PipelineParallel  InProgress',
        '├─ micro-batch 0',
        '│  ├─ p-mb0-a  Completed  node=n1  attempts=1',
        '│  └─ p-mb0-b  Running  node=n1  attempts=1',
        '└─ micro-batch 1',
        '   ├─ p-mb1-a  Completed  node=n2  attempts=1',
        '   └─ p-mb1-b  Pending  node=-  attempts=0',
        '',
      ].join('\n'),
    );
  });

  test('ModelParallel shards in order; no subtasks yet says so', () => {
    const text = renderStatus({ metadata: { name: 'm' }, spec: { strategy: 'ModelParallel' } }, [sub('m-decode', 1, 'shard', 'Pending'), sub('m-encode', 0, 'shard', 'Running', {}, 'g1')]);
    expect(text.split('\n').slice(1, 3)).toEqual(['├─ shard 0 encode: m-encode  Running  node=g1  attempts=1', '└─ shard 1 decode: m-decode  Pending  node=-  attempts=1']);
    expect(renderStatus({ metadata: { name: 'x' }, spec: { strategy: 'Ensemble' } }, [])).toBe('x  Ensemble  Pending\n└─ (no subtasks yet)\n');
  });
});

describe('result reassembly', () => {
  test('chunks stored as the task controller stores them join back into the exact value', () => {
    const value = { items: Array.from({ length: 500 }, (_, i) => ({ i, text: `héllo ✓ ${i}` })) };
    const chunks = chunkForConfigMaps(JSON.stringify(value), 1000);
    expect(chunks.length).toBeGreaterThan(3);
    const ref = { configMapName: 't-result', key: 'result.json' };
    const configMaps = chunks.map((chunk, i) => ({
      metadata: { name: chunkConfigMapName('t-result', i), annotations: { 'drm.dtf.io/result-chunks': String(chunks.length) } },
      data: { [`result.json.${i}`]: chunk },
    }));
    expect(configMaps[2]!.metadata.name).toBe('t-result-2');
    expect(reassembleResult(ref, configMaps)).toEqual(value);
    expect(() => reassembleResult(ref, configMaps.slice(0, 2))).toThrow(/chunk 2 of/);
  });

  test('a single key is read as is', () => {
    expect(reassembleResult({ configMapName: 'r' }, [{ data: { 'result.json': '[1,4,9]' } }])).toEqual([1, 4, 9]);
    expect(() => reassembleResult({ configMapName: 'r' }, [{ data: {} }])).toThrow(/neither result.json nor result.json.0/);
  });

  test('says clearly when there is no result yet', () => {
    expect(notReadyReason('t', { phase: 'InProgress', subtasksSummary: '1/4' })).toBe('task t is not finished yet (phase InProgress, 1/4 subtasks completed); try again when it is Completed');
    expect(notReadyReason('t', { phase: 'Failed', message: 'boom' })).toMatch(/ended Failed: boom/);
    expect(notReadyReason('t', { phase: 'Completed', result: [] })).toBeUndefined();
    expect(notReadyReason('t', undefined)).toMatch(/not finished yet \(phase Pending\)/);
  });
});

describe('submit manifests', () => {
  test('from flags', () => {
    expect(manifestFromFlags('sq', { strategy: 'DataParallel', taskType: 'map', params: ['op=square', 'minSeconds=3'], items: '1,2,3', partitions: '2' })).toEqual({
      apiVersion: 'drm.dtf.io/v1alpha1',
      kind: 'OrchestratedTask',
      metadata: { name: 'sq' },
      spec: { strategy: 'DataParallel', taskType: 'map', params: { op: 'square', minSeconds: 3 }, input: { items: [1, 2, 3] }, partitions: 2 },
    });
    expect(manifestFromFlags('p', { strategy: 'PipelineParallel', items: '1,2', microBatches: '2', stages: 'a,b' }).spec).toMatchObject({ microBatches: 2, stages: [{ name: 'a' }, { name: 'b' }] });
    expect(() => manifestFromFlags('x', { strategy: 'Bogus' })).toThrow(/--strategy must be one of/);
    expect(() => manifestFromFlags('x', { partitions: '0' })).toThrow(/--partitions must be a whole number/);
    expect(parseItems('1, x ,true,2.5')).toEqual([1, 'x', true, 2.5]);
  });

  test('from YAML or JSON files', () => {
    const yaml = 'apiVersion: drm.dtf.io/v1alpha1\nkind: OrchestratedTask\nmetadata: {name: a}\nspec: {strategy: DataParallel, taskType: map}\n---\nkind: OrchestratedTask\nmetadata: {name: b}\nspec: {}\n';
    expect(manifestsFromText(yaml, 'f.yaml').map((m) => m.metadata.name)).toEqual(['a', 'b']);
    expect(manifestsFromText('{"kind":"OrchestratedTask","metadata":{"name":"j"},"spec":{}}', 'f.json')[0]!.apiVersion).toBe('drm.dtf.io/v1alpha1');
    expect(() => manifestsFromText('kind: ConfigMap\nmetadata: {name: c}\n', 'c.yaml')).toThrow(/is not OrchestratedTask/);
    expect(() => manifestsFromText('kind: OrchestratedTask\nspec: {}\n', 'c.yaml')).toThrow(/metadata.name is required/);
    expect(() => manifestsFromText('{ not: [valid', 'c.yaml')).toThrow(/not valid YAML or JSON/);
  });
});

describe('renderTop', () => {
  test('a header and one row per pool', () => {
    const now = new Date('2026-11-23T12:00:00Z');
    const text = renderTop(
      [
        {
          metadata: { name: 'gpu-pool' },
          spec: { hardware: { type: 'gpu', gpuProduct: 'NVIDIA-L4' } },
          status: { provider: 'aws', nodes: 2, readyNodes: 1, desiredNodes: 3, utilizationSummary: 'cpu 45% mem 30% gpu 80%', costPerHour: 1.5, lastDecision: { action: 'scaleUp', count: 1, time: '2026-11-23T11:59:00Z', reason: 'pending gpu work' } },
        },
        { metadata: { name: 'cpu-pool' }, spec: { provider: { kwok: {} } }, status: { utilization: { cpu: 0.5 } } },
      ],
      now,
    );
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+HARDWARE\s+PROVIDER\s+NODES\s+READY\s+DESIRED\s+UTILIZATION\s+COST\/HOUR\s+LAST ACTION$/);
    expect(lines[1]).toMatch(/^cpu-pool\s+cpu\s+kwok\s+0\s+0\s+-\s+cpu 50%\s+-\s+-$/);
    expect(lines[2]).toMatch(/^gpu-pool\s+gpu \(NVIDIA-L4\)\s+aws\s+2\s+1\s+3\s+cpu 45% mem 30% gpu 80%\s+\$1\.50\s+scaleUp 1 \(60s ago\): pending gpu work$/);
    expect(lines[3]).toBe('2 pools, 1 ready nodes, $1.50/hour');
    expect(renderTop([])).toMatch(/^NAME.*\n\(no WorkerPools\)\n$/);
  });
});
