import { describe, expect, test } from '@jest/globals';
import type { V1Node } from '@kubernetes/client-node';
import { AwsProvider } from '../../../operator/providers/aws.js';
import { GcpProvider } from '../../../operator/providers/gcp.js';

const node = (providerID: string): V1Node => ({ metadata: { name: 'n' }, spec: { providerID } });

describe('a cloud node is matched to its instance by spec.providerID', () => {
  test('aws: aws:///ZONE/INSTANCE-ID', () => {
    const aws = new AwsProvider({});
    expect(aws.isNodeOf({ id: 'i-0abc', state: 'running' }, node('aws:///us-west-2a/i-0abc'))).toBe(true);
    expect(aws.isNodeOf({ id: 'i-0abc', state: 'running' }, node('aws:///us-west-2a/i-0abcd'))).toBe(false);
    expect(aws.isNodeOf({ id: 'i-0abc', state: 'running' }, node('gce://p/z/i-0abc'))).toBe(false);
  });

  test('gcp: gce://PROJECT/ZONE/NAME', () => {
    const gcp = new GcpProvider({});
    expect(gcp.isNodeOf({ id: 'gpu-mig-x1', state: 'running' }, node('gce://proj/us-central1-a/gpu-mig-x1'))).toBe(true);
    expect(gcp.isNodeOf({ id: 'gpu-mig-x1', state: 'running' }, node('aws:///us-central1-a/gpu-mig-x1'))).toBe(false);
    expect(gcp.isNodeOf({ id: 'gpu-mig-x1', state: 'running' }, { metadata: { name: 'n' } })).toBe(false);
  });
});
