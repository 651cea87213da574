// The operator process: flags, the client (with its rate limiter), the manager, and a graceful
// shutdown on SIGTERM/SIGINT.
import { parseArgs } from 'node:util';
import { PLACEMENT_POLICIES, type PlacementPolicy } from './api/workerpool.js';
import { AwsProvider } from './providers/aws.js';
import { GcpProvider, type GcpProviderOptions } from './providers/gcp.js';
import { loadKubeConfig, loadUnlimitedKubeConfig } from './kube/client.js';
import { DEFAULT_RESYNC_SECONDS, Manager } from './manager.js';
import { createLogger } from './runtime/logger.js';

const HELP = `drm-operator: runs the OrchestratedTask and Subtask controllers.

Options:
  --kubeconfig PATH          kubeconfig (default: $KUBECONFIG, ~/.kube/config, then in-cluster)
  --qps N                    client-side request rate limit, requests per second (default 200; a subtask costs ~4)
  --burst N                  requests allowed at once above the rate (default 400)
  --workers N                concurrent reconciles per controller (default 16)
  --worker-image IMAGE       image of the built-in worker (default drm-operator:0.1.0)
  --scheduler-name NAME      schedulerName of worker pods, which the operator binds itself (default drm-scheduler)
  --scheduler-qps N          request rate of the scheduler's own client, which only binds and reports (default 50)
  --scheduler-burst N        its burst (default 100)
  --predictor-namespace NS   namespace of the predictor's training ConfigMaps (default: the lease namespace)
  --credentials-namespace NS namespace of the Secrets WorkerPools name for cloud credentials (default: the lease namespace)
  --watch-namespaces NS,...  run only the tasks of these namespaces (default: every namespace)
  --max-subtasks-per-namespace N  most subtasks one namespace may hold; a split over it waits (default 0: no limit)
  --test-fault-injection     for tests: kwok pools annotated drm.dtf.io/kwok-fail-launches=N fail their next N launches
  --aws-endpoint URL         EC2 endpoint (default: the region's; e.g. a local moto server)
  --gcp-endpoint URL         Compute API endpoint, e.g. http://127.0.0.1:8089 for a local fake (default: compute.googleapis.com)
  --placement-policy POLICY  binpack | spread, for nodes whose WorkerPool sets none (default binpack)
  --health-port N            port of /healthz and /readyz (default 8081; 0 picks a free one)
  --health-host HOST         address to bind them to (default 0.0.0.0)
  --dashboard-interval-ms N  how often open dashboards (/dashboard/ on the health port) get new data (default 2000)
  --no-dashboard             do not serve the dashboard
  --leader-elect             elect a leader through a Lease before reconciling (default on in-cluster)
  --no-leader-elect          do not (a single local process)
  --lease-namespace NS       namespace of the Lease (default: $POD_NAMESPACE or default)
  --lease-duration-seconds N how long a leader's lease lasts unrenewed (default 15)
  --renew-deadline-seconds N a leader that cannot renew for this long stops (default 10)
  --retry-period-seconds N   how often candidates try the lease (default 2)
  --resync-period-seconds N  reconcile every task, subtask and pool again this often, to recover anything missed (default 600; 0: never)
  --log-level LEVEL          trace | debug | info | warn | error (default info)
  -h, --help                 this text
`;

function parseFlags() {
  try {
    return parseArgs({
  options: {
    kubeconfig: { type: 'string' },
    qps: { type: 'string', default: '200' },
    burst: { type: 'string', default: '400' },
    workers: { type: 'string', default: '16' },
    'worker-image': { type: 'string', default: 'drm-operator:0.1.0' },
    'scheduler-name': { type: 'string', default: 'drm-scheduler' },
    'placement-policy': { type: 'string', default: 'binpack' },
    'predictor-namespace': { type: 'string' },
    'credentials-namespace': { type: 'string' },
    'watch-namespaces': { type: 'string' },
    'max-subtasks-per-namespace': { type: 'string', default: '0' },
    'test-fault-injection': { type: 'boolean' },
    'aws-endpoint': { type: 'string' },
    'gcp-endpoint': { type: 'string' },
    'scheduler-qps': { type: 'string', default: '50' },
    'scheduler-burst': { type: 'string', default: '100' },
    'health-port': { type: 'string', default: '8081' },
    'health-host': { type: 'string', default: '0.0.0.0' },
    'dashboard-interval-ms': { type: 'string', default: '2000' },
    'no-dashboard': { type: 'boolean' },
    'leader-elect': { type: 'boolean' },
    'no-leader-elect': { type: 'boolean' },
    'lease-namespace': { type: 'string', default: process.env.POD_NAMESPACE ?? 'default' },
    'lease-duration-seconds': { type: 'string', default: '15' },
    'renew-deadline-seconds': { type: 'string', default: '10' },
    'retry-period-seconds': { type: 'string', default: '2' },
    'resync-period-seconds': { type: 'string', default: String(DEFAULT_RESYNC_SECONDS) },
    'log-level': { type: 'string', default: process.env.LOG_LEVEL ?? 'info' },
    help: { type: 'boolean', short: 'h' },
  },
});
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\nRun with --help for the options.\n`);
    process.exit(2);
  }
}

const { values } = parseFlags();

if (values.help) {
  process.stdout.write(HELP);
  process.exit(0);
}

function positiveNumber(flag: string, raw: string | undefined): number {
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) {
    process.stderr.write(`--${flag} must be a positive number, got ${JSON.stringify(raw)}\n`);
    process.exit(2);
  }
  return value;
}

function nonNegativeNumber(flag: string, raw: string | undefined): number {
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) {
    process.stderr.write(`--${flag} must be a number of at least 0, got ${JSON.stringify(raw)}\n`);
    process.exit(2);
  }
  return value;
}

function port(flag: string, raw: string | undefined): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 65535) {
    process.stderr.write(`--${flag} must be a port number from 0 to 65535, got ${JSON.stringify(raw)}\n`);
    process.exit(2);
  }
  return value;
}

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];
if (!LOG_LEVELS.includes(values['log-level']!)) {
  process.stderr.write(`--log-level must be one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(values['log-level'])}\n`);
  process.exit(2);
}
if (!PLACEMENT_POLICIES.includes(values['placement-policy'] as PlacementPolicy)) {
  process.stderr.write(`--placement-policy must be one of ${PLACEMENT_POLICIES.join(', ')}, got ${JSON.stringify(values['placement-policy'])}\n`);
  process.exit(2);
}
if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(values['scheduler-name']!)) {
  process.stderr.write(`--scheduler-name must be a DNS subdomain such as drm-scheduler, got ${JSON.stringify(values['scheduler-name'])}\n`);
  process.exit(2);
}
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
for (const flag of ['predictor-namespace', 'credentials-namespace', 'lease-namespace'] as const) {
  const value = values[flag];
  if (value !== undefined && !DNS_LABEL.test(value)) {
    process.stderr.write(`--${flag} must be a namespace name (a DNS label such as drm-system), got ${JSON.stringify(value)}\n`);
    process.exit(2);
  }
}
const watchNamespaces = values['watch-namespaces']?.split(',').map((name) => name.trim()).filter(Boolean) ?? [];
for (const name of watchNamespaces) {
  if (!DNS_LABEL.test(name)) {
    process.stderr.write(`--watch-namespaces must be namespace names separated by commas, got ${JSON.stringify(name)}\n`);
    process.exit(2);
  }
}
for (const flag of ['aws-endpoint', 'gcp-endpoint'] as const) {
  const value = values[flag];
  if (value !== undefined && !URL.canParse(value)) {
    process.stderr.write(`--${flag} must be a URL such as http://127.0.0.1:5000, got ${JSON.stringify(value)}\n`);
    process.exit(2);
  }
}
async function gcpOptions(raw: string | undefined): Promise<GcpProviderOptions> {
  if (!raw) return {};
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    process.stderr.write(`--gcp-endpoint must be a URL such as http://127.0.0.1:8089, got ${JSON.stringify(raw)}\n`);
    process.exit(2);
  }
  const protocol = url.protocol === 'http:' ? 'http' : 'https';
  return {
    apiEndpoint: url.hostname,
    protocol,
    ...(url.port ? { port: Number(url.port) } : {}),
    // A plain-http endpoint is a local fake: it takes no credentials. google-auth-library is
    // loaded only then (~4 MiB resident), as the GCP provider loads it on a pool's first use.
    ...(protocol === 'http' ? { authClient: new (await import('google-auth-library')).PassThroughClient() } : {}),
  };
}
const log = createLogger(values['log-level']);
const kubeConfig = loadKubeConfig({
  qps: positiveNumber('qps', values.qps),
  burst: positiveNumber('burst', values.burst),
  ...(values.kubeconfig ? { kubeconfig: values.kubeconfig } : {}),
});
const inCluster = Boolean(process.env.KUBERNETES_SERVICE_HOST);
const manager = new Manager(kubeConfig, log, {
  builtinWorkerImage: values['worker-image']!,
  schedulerName: values['scheduler-name']!,
  placementPolicy: values['placement-policy'] as PlacementPolicy,
  workers: Math.floor(positiveNumber('workers', values.workers)),
  healthPort: port('health-port', values['health-port']),
  healthHost: values['health-host']!,
  dashboard: values['no-dashboard'] ? false : { intervalMs: positiveNumber('dashboard-interval-ms', values['dashboard-interval-ms']) },
  leaderElection: values['no-leader-elect'] ? false : (values['leader-elect'] ?? inCluster),
  leaseNamespace: values['lease-namespace']!,
  ...(values['predictor-namespace'] ? { predictorNamespace: values['predictor-namespace'] } : {}),
  ...(values['credentials-namespace'] ? { credentialsNamespace: values['credentials-namespace'] } : {}),
  ...(watchNamespaces.length > 0 ? { watchNamespaces } : {}),
  maxSubtasksPerNamespace: Math.floor(nonNegativeNumber('max-subtasks-per-namespace', values['max-subtasks-per-namespace'])),
  ...(values['test-fault-injection'] ? { testFaultInjection: true } : {}),
  cloudProviders: {
    aws: new AwsProvider(values['aws-endpoint'] ? { endpoint: values['aws-endpoint'] } : {}),
    gcp: new GcpProvider(await gcpOptions(values['gcp-endpoint'])),
  },
  leaseName: 'drm-operator-leader',
  resyncPeriodSeconds: nonNegativeNumber('resync-period-seconds', values['resync-period-seconds']),
  leaseDurationSeconds: positiveNumber('lease-duration-seconds', values['lease-duration-seconds']),
  renewDeadlineSeconds: positiveNumber('renew-deadline-seconds', values['renew-deadline-seconds']),
  retryPeriodSeconds: positiveNumber('retry-period-seconds', values['retry-period-seconds']),
}, {
  election: loadUnlimitedKubeConfig(values.kubeconfig ? { kubeconfig: values.kubeconfig } : {}),
  // Bindings have their own budget, as kube-scheduler has its own client: reconcile traffic
  // (status writes of every subtask) must not starve placement, nor placement the reconcilers.
  scheduler: loadKubeConfig({
    qps: positiveNumber('scheduler-qps', values['scheduler-qps']),
    burst: positiveNumber('scheduler-burst', values['scheduler-burst']),
    ...(values.kubeconfig ? { kubeconfig: values.kubeconfig } : {}),
  }),
});

// A client library's stray promise (the cloud SDKs start some in the background) must not take
// down the controllers of every other task: it is logged and counted, and reconciles go on.
process.on('unhandledRejection', (reason: unknown) => {
  manager.metrics.unhandledRejections.inc();
  log.error({ err: reason instanceof Error ? { message: reason.message, stack: reason.stack } : String(reason) }, 'unhandled promise rejection (ignored; please report it)');
});

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping');
    void manager.stop().then(() => process.exit(0));
  });
}

manager.start().catch((error: unknown) => {
  log.fatal({ err: error instanceof Error ? error.message : String(error) }, 'operator failed to start');
  process.exit(1);
});
