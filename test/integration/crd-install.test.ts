// The generated CRDs install the two ways users install them: `kubectl apply -f crds/` and
// `helm install` of the chart; either way the API server establishes all three kinds.
import { afterAll, describe, expect, test } from '@jest/globals';
import path from 'node:path';
import { crdNames, helm, installCrds, kubectl, kubectlOk, rootDir, waitForCrdsEstablished } from '../support/cluster.js';
import { waitUntil } from '../support/wait.js';

const releaseNamespace = `drm-helm-${Date.now().toString(36)}`;
const release = 'drm-crds-test';

async function deleteCrds(): Promise<void> {
  kubectl(['delete', 'crd', ...crdNames, '--ignore-not-found', '--wait=true', '--timeout=120s']);
  await waitUntil('CRDs gone', () => kubectl(['get', 'crd', ...crdNames]).code !== 0);
}

afterAll(() => {
  helm(['uninstall', release, '--namespace', releaseNamespace]);
  kubectl(['delete', 'namespace', releaseNamespace, '--ignore-not-found', '--wait=false']);
  // Later test files expect the CRDs as generated now.
  installCrds();
});

describe('CRD installation', () => {
  test('kubectl apply -f crds/ installs every kind, established and served', async () => {
    await deleteCrds();
    const out = kubectlOk(['apply', '-f', path.join(rootDir, 'crds')]);
    for (const name of crdNames) expect(out).toContain(name);
    waitForCrdsEstablished();
    const resources = kubectlOk(['api-resources', '--api-group', 'drm.dtf.io', '-o', 'wide']);
    expect(resources).toMatch(/orchestratedtasks\s+ot\s+drm\.dtf\.io\/v1alpha1\s+true\s+OrchestratedTask/);
    expect(resources).toMatch(/subtasks\s+st\s+drm\.dtf\.io\/v1alpha1\s+true\s+Subtask/);
    expect(resources).toMatch(/workerpools\s+wp\s+drm\.dtf\.io\/v1alpha1\s+false\s+WorkerPool/);
  });

  test('helm install of the chart installs the CRDs', async () => {
    await deleteCrds();
    const chart = path.join(rootDir, 'charts', 'drm-operator');
    const lint = helm(['lint', chart]);
    expect(lint.stderr + lint.stdout).toContain('0 chart(s) failed');
    const install = helm(['install', release, chart, '--namespace', releaseNamespace, '--create-namespace', '--wait']);
    expect(install.stderr).toBe('');
    expect(install.code).toBe(0);
    expect(install.stdout).toContain('STATUS: deployed');
    waitForCrdsEstablished();
    const crd = JSON.parse(kubectlOk(['get', 'crd', 'orchestratedtasks.drm.dtf.io', '-o', 'json'])) as {
      spec: { names: { shortNames: string[]; categories: string[] } };
    };
    expect(crd.spec.names.shortNames).toEqual(['ot']);
    expect(crd.spec.names.categories).toEqual(['drm']);
  });
});
