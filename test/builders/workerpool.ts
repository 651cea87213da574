// Valid WorkerPool manifests for each provider; overrides change what a test needs.
import { GROUP_VERSION, type ProviderName, type WorkerPoolInput } from '../../operator/api/index.js';
import { withOverrides, type Manifest, type Overrides } from './merge.js';

function providerSpec(name: string, provider: ProviderName) {
  switch (provider) {
    case 'kwok':
      return {
        hardware: { type: 'cpu' as const },
        provider: { kwok: { node: { cpu: '8', memory: '32Gi' } } },
        minNodes: 0,
        maxNodes: 5,
      };
    case 'static':
      return {
        hardware: { type: 'cpu' as const },
        provider: { static: { nodeSelector: { 'drm.dtf.io/static-pool': name } } },
      };
    case 'aws':
      return {
        hardware: { type: 'gpu' as const, gpuProduct: 'NVIDIA-A10G', gpuCount: 1, gpuMemoryMiB: 24576 },
        nodeLabels: { team: 'vision' },
        provider: {
          aws: {
            region: 'us-west-2',
            instanceTypes: ['g5.xlarge'],
            launchTemplate: { name: 'drm-gpu', version: '$Latest' },
            subnetIds: ['subnet-0abc123'],
            spot: true,
            credentialsSecretRef: { name: 'aws-creds' },
          },
        },
        minNodes: 0,
        maxNodes: 10,
        costPerNodeHour: 1.2,
        maxCostPerHour: 20,
      };
    case 'gcp':
      return {
        hardware: { type: 'cpu' as const },
        provider: {
          gcp: {
            project: 'drm-test-project',
            zone: 'us-central1-a',
            instanceGroupManager: 'cpu-mig',
            machineType: 'n2-standard-8',
            credentialsSecretRef: { name: 'gcp-creds' },
          },
        },
        minNodes: 1,
        maxNodes: 4,
        costPerNodeHour: 0.39,
      };
  }
}

/** A pool of the given provider; kwok: simulated 8-CPU nodes, static: nodes labeled with the pool name, aws: a GPU pool, gcp: a CPU pool. */
export function workerPool(name: string, provider: ProviderName, overrides: Overrides = {}): Manifest {
  const base = {
    apiVersion: GROUP_VERSION,
    kind: 'WorkerPool',
    metadata: { name },
    spec: providerSpec(name, provider),
  } satisfies WorkerPoolInput;
  return withOverrides(base, overrides);
}
