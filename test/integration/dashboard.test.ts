// The dashboard in a real browser (Debian's Chromium, driven by playwright-core) against the
// operator on the real control plane: GPU work grows a kwok pool from zero, and the page, fed
// only by its event stream, shows the nodes filling up in the heatmap, the scale-up in the
// scaling history, the task's progress, and finally its efficiency; a screenshot is saved.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { dataParallelTask, workerPool } from '../builders/index.js';
import { applyManifest, createNamespace, deleteNamespace, installCrds, kubectl, kubectlOk, manifestInput, rootDir } from '../support/cluster.js';
import { coreClient } from '../support/occupancy.js';
import { startOperator, stopAll, waitForOperator } from '../support/operator.js';

const suffix = Date.now().toString(36).slice(-5);
const PORT = 18981;
const POOL = `dash-gpu-${suffix}`;
const PRODUCT = `NVIDIA-T4-${suffix}`;
const TASK = 'dash-work';
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOT_DIR = path.join(rootDir, 'test-results');
const core = coreClient();
let namespace = '';
let browser: Browser | undefined;

const poolNodes = async () => (await core.listNode({ labelSelector: `drm.dtf.io/pool=${POOL}` })).items.map((n) => n.metadata!.name!);

beforeAll(async () => {
  installCrds();
  namespace = createNamespace('dashboard');
  startOperator({ healthPort: PORT, extraArgs: ['--predictor-namespace', namespace, '--dashboard-interval-ms', '500'] });
  await waitForOperator(PORT);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] }).catch((error: unknown) => {
    throw new Error(`Chromium did not start from ${CHROMIUM} (hack/chromium.sh installs Debian's chromium; CHROMIUM_PATH overrides): ${(error as Error).message}`);
  });
});

afterAll(async () => {
  await browser?.close();
  await stopAll();
  deleteNamespace(namespace);
  kubectl(['delete', 'workerpool', POOL, '--ignore-not-found', '--wait=false']);
  const left = await poolNodes().catch(() => []);
  if (left.length > 0) kubectl(['delete', 'node', ...left, '--ignore-not-found', '--wait=false']);
});

/**
 * Waits for what the page shows, read from Node through locators: the page's CSP forbids eval,
 * so string predicates cannot run in it (and must not: the policy is part of what is tested).
 */
async function waitInPage(page: Page, description: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) {
      const text = await page.locator('main').innerText().catch(() => '(page gone)');
      throw new Error(`the dashboard never showed ${description} within ${timeoutMs} ms\n--- page ---\n${text.slice(0, 3000)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

const snapshotsDrawn = async (page: Page) => Number((await page.locator('body').getAttribute('data-snapshots')) ?? 0);
const attributes = (page: Page, selector: string, name: string) => page.locator(selector).evaluateAll((elements, attribute) => elements.map((e) => e.getAttribute(attribute) ?? ''), name);

describe('dashboard in headless Chromium', () => {
  test('shows live data from a running task: heatmap, scaling history, allocation, progress, then efficiency; saves a screenshot', async () => {
    const page = await browser!.newPage({ viewport: { width: 1400, height: 1500 } });
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    // A Content-Security-Policy violation or a failed load shows up as a console error.
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });

    await page.goto(`http://127.0.0.1:${PORT}/dashboard/`);
    await waitInPage(page, 'a live connection', async () => (await page.locator('#connection').textContent()) === 'live', 20_000);

    // Every node the pool ever has, sampled independently of the operator (checked against its history).
    const seenNodes = new Set<string>();
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        for (const node of await poolNodes().catch(() => [])) seenNodes.add(node);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    })();
    try {
      applyManifest(
        workerPool(POOL, 'kwok', {
          metadata: { labels: { 'dashboard-test': suffix } },
          spec: {
            hardware: { type: 'gpu', gpuProduct: PRODUCT, gpuCount: 4, gpuMemoryMiB: 16384 },
            provider: { kwok: { node: { cpu: '8', memory: '32Gi', gpu: 4 } } },
            minNodes: 0,
            maxNodes: 3,
            costPerNodeHour: 2.5,
            scaling: { intervalSeconds: 5, cooldownSeconds: 5, scaleDownIdleSeconds: 10, horizonSeconds: 60 },
          },
        }),
      );
      kubectlOk(
        ['apply', '-n', namespace, '-f', '-'],
        manifestInput(
          dataParallelTask(TASK, {
            metadata: {
              annotations: {
                'drm.dtf.io/simulated-duration': '8s',
                // What the simulated workers report using: 0.6 of the 1 core, 512Mi of the 1Gi requested.
                'drm.dtf.io/simulated-cpu-cores': '0.6',
                'drm.dtf.io/simulated-memory-bytes': String(512 * 2 ** 20),
              },
            },
            spec: {
              input: { items: Array.from({ length: 16 }, (_, i) => i) },
              partitions: 16,
              hardware: { type: 'gpu', gpuProduct: PRODUCT },
              resources: { cpu: '1', memory: '1Gi', gpu: 1 },
              poolSelector: { matchLabels: { 'dashboard-test': suffix } },
            },
          }),
        ),
      );

      const taskPhase = () => page.locator(`#tasks tr[data-task="${namespace}/${TASK}"]`).getAttribute('data-phase', { timeout: 1000 });
      // The pool's nodes appear in the heatmap with their GPUs requested by the running subtasks.
      await waitInPage(
        page,
        "GPU cells of the new pool's nodes filled",
        async () => (await attributes(page, `#heatmap g[data-resource="gpu"][data-node^="${POOL}"]`, 'data-share')).some((share) => Number(share) > 0),
        180_000,
      );
      await waitInPage(page, 'the scale-up in the scaling history', async () => (await page.locator('#scaling-decisions tr[data-action="scaleUp"]').allTextContents()).some((row) => row.includes(POOL)), 30_000);
      await waitInPage(page, 'the task in progress', async () => (await taskPhase()) === 'InProgress', 30_000);
      // The step line has its rise drawn (two samples at least).
      await waitInPage(page, "the pool's line rising in the scaling chart", async () => ((await page.locator(`#scaling-chart path[data-pool="${POOL}"]`).getAttribute('d', { timeout: 1000 })) ?? '').includes('V'), 30_000);

      const cellNodes = await attributes(page, `#heatmap g[data-node^="${POOL}"]`, 'data-node');
      const cellResources = await attributes(page, `#heatmap g[data-node^="${POOL}"]`, 'data-resource');
      const ours = cellNodes.map((node, i) => ({ node, resource: cellResources[i] }));
      expect(new Set(ours.map((cell) => cell.resource))).toEqual(new Set(['cpu', 'memory', 'gpu']));
      // The page agrees with the cluster: every node of the pool gets its row (the pool may still
      // be growing, so the page is given a few snapshots to catch up).
      await waitInPage(
        page,
        'a row for every node of the pool',
        async () => {
          const shown = new Set(await attributes(page, `#heatmap g[data-node^="${POOL}"]`, 'data-node'));
          return (await poolNodes()).every((node) => shown.has(node));
        },
        15_000,
      );
      const allocation = await page.textContent(`#allocation [data-pool="${POOL}"]`);
      expect(allocation).toMatch(/kwok · gpu/);
      expect(allocation).toMatch(/\$\d+(\.\d+)?\/h/);
      // The pool's status (and so its cost) is written after its nodes are seen: wait for it.
      await waitInPage(page, 'the pool\'s cost per hour counted', async () => /now \$[1-9]/.test((await page.textContent('#cost [data-testid="spent"]', { timeout: 1000 })) ?? ''), 30_000);
      expect(await page.textContent(`#allocation [data-pool="${POOL}"]`)).toMatch(/\$[1-9]\d*(\.\d+)?\/h/);

      // The page keeps drawing new snapshots without being reloaded.
      const before = await snapshotsDrawn(page);
      await waitInPage(page, 'further snapshots over the event stream', async () => (await snapshotsDrawn(page)) >= before + 3, 10_000);

      mkdirSync(SCREENSHOT_DIR, { recursive: true });
      const screenshot = path.join(SCREENSHOT_DIR, 'dashboard.png');
      await page.screenshot({ path: screenshot, fullPage: true });
      process.stdout.write(`dashboard screenshot (live run): ${screenshot}\n`);

      // Still the same page: the task finishes, and what its workers used shows as efficiency.
      await waitInPage(page, 'the task completed', async () => (await taskPhase()) === 'Completed', 240_000);
      await waitInPage(page, "the pool's efficiency", async () => (await page.locator(`#efficiency [data-scope="${POOL}"]`).count()) > 0, 20_000);
      const efficiency = await page.textContent(`#efficiency [data-scope="${POOL}"]`);
      expect(efficiency).toContain('16 subtasks');
      expect(efficiency).toContain('60% of requested core-seconds');
      expect(efficiency).toContain('50% of requested memory at peak');
      await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'dashboard-finished.png'), fullPage: true });

      // The scaling history is honest and complete: each node the pool ever had was named by exactly
      // one scale-up, and each scale-up's count is the nodes it names.
      const decisions = (JSON.parse(kubectlOk(['get', 'workerpool', POOL, '-o', 'jsonpath={.status.decisions}'])) as Array<{ action: string; count?: number; nodeNames?: string[] }>).filter((d) => d.action === 'scaleUp');
      const launched = decisions.flatMap((d) => d.nodeNames ?? []);
      expect(decisions.reduce((sum, d) => sum + (d.count ?? 0), 0)).toBe(launched.length);
      expect([...launched].sort()).toEqual([...seenNodes].sort());

      expect(problems).toEqual([]);
      await page.close();
    } finally {
      sampling = false;
      await sampler;
    }
  });
});
