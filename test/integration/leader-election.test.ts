// Leader election when the API server stops answering mid-connection, as it does when it is
// restarted under open keep-alive connections: the leader must step down within its renew
// deadline, not after the HTTP client's own timeout (minutes), or two replicas lead at once.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { KubeConfig } from '@kubernetes/client-node';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, request, type RequestOptions } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LeaderElector } from '../../operator/runtime/leader-election.js';
import { createLogger } from '../../operator/runtime/logger.js';
import { createNamespace, deleteNamespace, kubeconfigPath } from '../support/cluster.js';
import { waitUntil } from '../support/wait.js';

/** A throwaway self-signed certificate for the relay's own TLS. */
function selfSignedCertificate(): { key: Buffer; cert: Buffer } {
  const dir = mkdtempSync(path.join(tmpdir(), 'relay-tls-'));
  try {
    const made = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-keyout', `${dir}/key.pem`, '-out', `${dir}/cert.pem`], { encoding: 'utf8' });
    if (made.status !== 0) throw new Error(`openssl: ${made.stderr}`);
    return { key: readFileSync(`${dir}/key.pem`), cert: readFileSync(`${dir}/cert.pem`) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * An HTTPS relay to the API server, authenticating as the kubeconfig's user, that can be frozen:
 * from then on it takes requests and never answers them, as an API server does whose etcd has
 * stopped answering (each request then waits for the server's own timeout).
 */
async function startFreezableRelay(kubeConfig: KubeConfig) {
  const target = new URL(kubeConfig.getCurrentCluster()!.server);
  const upstream: RequestOptions = { hostname: target.hostname, port: Number(target.port || 443) };
  await kubeConfig.applyToHTTPSOptions(upstream);
  let frozen = false;
  const held = new Set<ServerResponse>();
  const server = createServer(selfSignedCertificate(), (req: IncomingMessage, res: ServerResponse) => {
    if (frozen) {
      held.add(res);
      return;
    }
    const forwarded = request({ ...upstream, method: req.method, path: req.url, headers: { ...req.headers, host: target.host } }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    forwarded.on('error', () => res.destroy());
    req.pipe(forwarded);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return {
    port: (server.address() as { port: number }).port,
    freeze: () => {
      frozen = true;
    },
    close: async () => {
      for (const res of held) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}

describe('leader election', () => {
  let namespace: string;
  beforeAll(() => {
    namespace = createNamespace('leader');
  });
  afterAll(() => deleteNamespace(namespace));

  async function leaderThroughRelay(name: string) {
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(kubeconfigPath());
    const relay = await startFreezableRelay(kubeConfig);
    const throughRelay = new KubeConfig();
    throughRelay.loadFromOptions({
      clusters: [{ name: 'relay', server: `https://127.0.0.1:${relay.port}`, skipTLSVerify: true }],
      users: [{ name: 'relay' }],
      contexts: [{ name: 'relay', cluster: 'relay', user: 'relay' }],
      currentContext: 'relay',
    });
    const transitions = { started: 0, stopped: 0 };
    const elector = new LeaderElector(throughRelay, {
      namespace,
      name,
      identity: 'replica-a',
      leaseDurationSeconds: 6,
      renewDeadlineSeconds: 3,
      retryPeriodSeconds: 1,
      log: createLogger('silent'),
      onStartedLeading: () => transitions.started++,
      onStoppedLeading: () => transitions.stopped++,
    });
    elector.start();
    await waitUntil(`replica-a leads ${name}`, () => elector.isLeader, 30_000);
    return { elector, relay, transitions };
  }

  test('a leader whose API server stops answering steps down within its renew deadline', async () => {
    const { elector, relay, transitions } = await leaderThroughRelay('freeze');
    try {
      relay.freeze();
      // Without a bound on each round, the hung request holds it for the HTTP client's timeout (minutes).
      await waitUntil('replica-a steps down', () => !elector.isLeader, 30_000);
      expect(transitions).toEqual({ started: 1, stopped: 1 });
    } finally {
      await relay.close();
      await elector.stop();
    }
  }, 90_000);

  test('a leader shutting down returns though its API server does not answer the lease release', async () => {
    const { elector, relay } = await leaderThroughRelay('shutdown');
    try {
      relay.freeze();
      let returned = false;
      void elector.stop().then(() => (returned = true));
      await waitUntil('stop() returns', () => returned, 30_000);
    } finally {
      await relay.close();
    }
  }, 90_000);
});
