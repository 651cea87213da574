#!/usr/bin/env node
// The package registry this project is built against serves the linux builds of some native
// packages but not their other-platform siblings (e.g. @unrs/resolver-binding-darwin-arm64, an
// optional dependency of jest's resolver). `npm install` then leaves those out of
// package-lock.json, and `npm ci` refuses the lock as out of sync. This adds, for every optional
// dependency missing from the lock whose name says its platform, the entry npm would have
// written: version, os and cpu, optional — so `npm ci` skips it on this platform as intended.
// Run after `npm install` changes the lock: node hack/lockfile-platform-stubs.mjs
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const lockPath = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'package-lock.json');
const lock = JSON.parse(readFileSync(lockPath, 'utf8'));
const PLATFORM = /-(android|darwin|freebsd|linux|openharmony|win32)-(arm64|arm|x64|ia32|loong64|ppc64|riscv64|s390x)(?:-[a-z0-9]+)?$/;

let added = 0;
for (const [where, entry] of Object.entries(lock.packages)) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const base = where === '' ? 'node_modules' : `${where}/node_modules`;
    if (lock.packages[`${base}/${name}`] || lock.packages[`node_modules/${name}`]) continue;
    const platform = PLATFORM.exec(name);
    if (!platform) continue;
    lock.packages[`node_modules/${name}`] = {
      version,
      cpu: [platform[2]],
      ...(entry.dev ? { dev: true } : {}),
      optional: true,
      os: [platform[1]],
    };
    added++;
  }
}
lock.packages = Object.fromEntries(Object.entries(lock.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))));
writeFileSync(lockPath, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`package-lock.json: ${added} platform stub entr${added === 1 ? 'y' : 'ies'} added`);
