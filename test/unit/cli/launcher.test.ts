// The kubectl-drm launcher lets users whose own Node is older than the plugin needs run
// `kubectl drm`: it is loadable by old Node and starts the plugin under a Node that can run it.
// It runs from dist/ (hack/test.sh builds first), beside the compiled plugin, as installed.
import { describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const rootDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const launcher = path.join(rootDir, 'dist', 'operator', 'cli', 'kubectl-drm-launcher.cjs');

/** A Node on this machine older than the plugin needs (Debian's is 20), if there is one. */
function olderNode(): string | undefined {
  for (const candidate of ['/usr/bin/node', '/usr/local/bin/node']) {
    if (!existsSync(candidate)) continue;
    const version = spawnSync(candidate, ['-p', 'process.versions.node'], { encoding: 'utf8' }).stdout.trim();
    const [major] = version.split('.').map(Number);
    if (major !== undefined && major < 22) return candidate;
  }
  return undefined;
}

const run = (node: string, env: Record<string, string> = {}) =>
  spawnSync(node, [launcher, '--help'], { encoding: 'utf8', env: { ...process.env, ...env } });

describe('kubectl-drm launcher', () => {
  test('is built beside the plugin', () => {
    expect(existsSync(launcher)).toBe(true);
  });

  test('runs the plugin in process under a new enough Node', () => {
    const result = run(process.execPath);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/^kubectl drm: submit, watch and manage/);
  });

  test('runs the plugin under the Node KUBECTL_DRM_NODE names', () => {
    const result = run(process.execPath, { KUBECTL_DRM_NODE: process.execPath });
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^kubectl drm: submit/);
  });

  const old = olderNode();
  (old ? test : test.skip)(`runs under this machine's older Node (${old ?? 'none found'}) through the project's Node 24`, () => {
    const result = run(old!, { KUBECTL_DRM_NODE: '' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^kubectl drm: submit/);
  });
});
