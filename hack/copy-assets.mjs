// tsc compiles only TypeScript: the dashboard's page files are copied beside its compiled server,
// where it reads them (new URL('./assets/', import.meta.url)), and the kubectl-drm launcher (plain
// CommonJS, so that old Node versions can load it) beside the plugin it starts.
import { chmodSync, cpSync, rmSync } from 'node:fs';
import { URL } from 'node:url';

const from = new URL('../operator/dashboard/assets/', import.meta.url);
const to = new URL('../dist/operator/dashboard/assets/', import.meta.url);
rmSync(to, { recursive: true, force: true });
cpSync(from, to, { recursive: true });

const launcher = new URL('../dist/operator/cli/kubectl-drm-launcher.cjs', import.meta.url);
cpSync(new URL('../operator/cli/kubectl-drm-launcher.cjs', import.meta.url), launcher);
chmodSync(launcher, 0o755);
