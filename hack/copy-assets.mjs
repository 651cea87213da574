// tsc compiles only TypeScript: the dashboard's page files are copied beside its compiled server,
// where it reads them (new URL('./assets/', import.meta.url)).
import { cpSync, rmSync } from 'node:fs';
import { URL } from 'node:url';

const from = new URL('../operator/dashboard/assets/', import.meta.url);
const to = new URL('../dist/operator/dashboard/assets/', import.meta.url);
rmSync(to, { recursive: true, force: true });
cpSync(from, to, { recursive: true });
