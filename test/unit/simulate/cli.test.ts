// `npm run simulate` with the user's pool files: --pools, --compare, --policy, refusals.
import { describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const TRACE = 'test/traces/steady.csv';
const POOLS = 'examples/pools.yaml';
const LARGE = 'examples/simulate/pools-large.yaml';

function run(...args: string[]) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'operator/simulate/main.ts', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('npm run simulate --pools', () => {
  test('the example pool file runs as written: one run, figures per pool', () => {
    const { status, stdout, stderr } = run('--trace', TRACE, '--pools', POOLS, '--json');
    expect([status, stderr]).toEqual([0, '']);
    const rows = JSON.parse(stdout) as Array<{ pools: string; policy: string; perPool: Array<{ name: string }> }>;
    expect(rows.map((row) => [row.pools, row.policy])).toEqual([[POOLS, 'as-written']]);
    expect(rows[0]!.perPool.map((pool) => pool.name)).toEqual(['cpu-general', 'gpu-a10g']);
  });

  test('--policy both: the pools under each policy', () => {
    const { status, stdout } = run('--trace', TRACE, '--pools', POOLS, '--policy', 'both');
    expect(status).toBe(0);
    expect(stdout).toMatch(/pools from examples\/pools\.yaml/);
    expect(stdout).toMatch(/\npredictive +\d/);
    expect(stdout).toMatch(/\nthreshold +\d/);
    expect(run('--trace', TRACE, '--policy', 'sometimes').status).toBe(2);
  });

  test('--compare A B: both files side by side with B ÷ A', () => {
    const { status, stdout } = run('--trace', TRACE, '--compare', POOLS, LARGE);
    expect(status).toBe(0);
    const header = stdout.split('\n')[1]!;
    expect(header).toMatch(new RegExp(`${POOLS.replace(/\./g, '\\.')} +${LARGE.replace(/\./g, '\\.')} +B ÷ A`));
    expect(stdout).toMatch(/\nnode-hours +\d+\.\d{3} +\d+\.\d{3} +\d+\.\d{2}×/);
    expect(stdout).toMatch(/examples\/simulate\/pools-large\.yaml:gpu-g5-12xlarge/);
    expect(run('--trace', TRACE, '--compare', POOLS).status).toBe(2);
  });

  test('a file with an invalid pool is refused, naming the document and field; exit 2', () => {
    const directory = mkdtempSync(join(tmpdir(), 'drm-pools-'));
    const bad = join(directory, 'bad.yaml');
    writeFileSync(bad, 'apiVersion: drm.dtf.io/v1alpha1\nkind: WorkerPool\nmetadata: {name: a}\nspec:\n  provider: {kwok: {node: {cpu: "8", memory: 32Gi}}}\n  maxNodes: 2000\n');
    const { status, stdout, stderr } = run('--trace', TRACE, '--pools', bad);
    expect([status, stdout]).toEqual([2, '']);
    expect(stderr).toMatch(new RegExp(`^${bad.replace(/\./g, '\\.')}: document 1, spec\\.maxNodes: `));
  });
});
