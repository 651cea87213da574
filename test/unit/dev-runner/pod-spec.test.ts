import { describe, expect, test } from '@jest/globals';
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { commandFor, downwardApiFiles, localPathFor, parseNodeSpec, planPaths, resolveEnv, terminationMessage } from '../../../hack/dev-runner/pod-spec.js';

const container: V1Container = {
  name: 'worker',
  image: 'custom:1',
  command: ['/var/run/drm/input/run.sh', '--out', '/tmp/out'],
  env: [
    { name: 'DRM_INPUT_FILE', value: '/var/run/drm/input/input.json' },
    { name: 'DRM_TERMINATION_MESSAGE_PATH', value: '/dev/termination-log' },
    { name: 'DRM_POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    { name: 'PLAIN', value: '/tmpfile-not-a-mount' },
  ],
  volumeMounts: [{ name: 'input', mountPath: '/var/run/drm/input' }, { name: 'scratch', mountPath: '/tmp' }],
};
const pod: V1Pod = { metadata: { name: 'p-a1', namespace: 'ns', uid: 'u' }, spec: { containers: [container], nodeName: 'n1' } };

describe('dev runner pod spec', () => {
  const paths = planPaths(pod, container, '/state/pods/u');

  test('container paths under a mount map to the pod directory; others stay as they are', () => {
    expect(localPathFor('/var/run/drm/input/input.json', paths)).toBe('/state/pods/u/volumes/input/input.json');
    expect(localPathFor('/tmp', paths)).toBe('/state/pods/u/volumes/scratch');
    expect(localPathFor('/tmpfile-not-a-mount', paths)).toBe('/tmpfile-not-a-mount');
    expect(localPathFor('/dev/termination-log', paths)).toBe('/state/pods/u/termination-log');
  });

  test('env resolves values and downward-API fields, then maps paths', () => {
    expect(resolveEnv(pod, container, paths, () => undefined)).toEqual({
      DRM_INPUT_FILE: '/state/pods/u/volumes/input/input.json',
      DRM_TERMINATION_MESSAGE_PATH: '/state/pods/u/termination-log',
      DRM_POD_NAME: 'p-a1',
      PLAIN: '/tmpfile-not-a-mount',
    });
  });

  test('a downward API volume holds the fields it names: an annotation (the input document), a label, the name', () => {
    const annotated: V1Pod = { ...pod, metadata: { ...pod.metadata, labels: { role: 'partition' }, annotations: { 'drm.dtf.io/input': '{"items":[1]}' } } };
    const volume = {
      name: 'input',
      downwardAPI: {
        items: [
          { path: 'input.json', fieldRef: { fieldPath: "metadata.annotations['drm.dtf.io/input']" } },
          { path: 'meta/role', fieldRef: { fieldPath: "metadata.labels['role']" } },
          { path: 'name', fieldRef: { fieldPath: 'metadata.name' } },
          { path: 'missing', fieldRef: { fieldPath: "metadata.annotations['absent']" } },
        ],
      },
    };
    expect(downwardApiFiles(annotated, volume)).toEqual([
      { path: 'input.json', content: '{"items":[1]}' },
      { path: 'meta/role', content: 'partition' },
      { path: 'name', content: 'p-a1' },
      { path: 'missing', content: '' },
    ]);
    expect(downwardApiFiles(annotated, { name: 'cm', configMap: { name: 'x' } })).toEqual([]);
    expect(() => downwardApiFiles(annotated, { name: 'v', downwardAPI: { items: [{ path: '../escape', fieldRef: { fieldPath: 'metadata.name' } }] } })).toThrow(/leaves its volume/);
  });

  test('the built-in image runs the repository worker; another image its own command', () => {
    expect(commandFor({ ...container, image: 'drm-operator:0.1.0' }, 'drm-operator:0.1.0', ['node', 'worker.js'])).toEqual(['node', 'worker.js']);
    expect(commandFor(container, 'drm-operator:0.1.0', ['node', 'worker.js'])).toEqual(['/var/run/drm/input/run.sh', '--out', '/tmp/out']);
    expect(() => commandFor({ name: 'x', image: 'other:1' }, 'drm-operator:0.1.0', [])).toThrow(/no command/);
  });

  test('node specs parse with GPU defaults, and bad ones name the problem', () => {
    expect(parseNodeSpec('g1:gpu:8:32Gi')).toMatchObject({ name: 'g1', hardware: 'gpu', gpus: 1, gpuProduct: 'NVIDIA-A10G' });
    expect(parseNodeSpec('c1:cpu:4:8Gi').gpus).toBe(0);
    expect(() => parseNodeSpec('c1:tpu:4:8Gi')).toThrow(/hardware must be cpu or gpu/);
  });

  test('the termination message is the file, or the log tail for a failure under FallbackToLogsOnError', () => {
    expect(terminationMessage('{"result":1}', 'log', 0, 'FallbackToLogsOnError')).toBe('{"result":1}');
    expect(terminationMessage('', 'boom', 1, 'FallbackToLogsOnError')).toBe('boom');
    expect(terminationMessage('', 'boom', 1, 'File')).toBeUndefined();
  });
});
