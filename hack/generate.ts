// `npm run generate`: writes the CRDs generated from the zod schemas into crds/ and the Helm
// chart. `npm run generate:check` (--check) writes nothing and fails listing every file that
// differs from what would be generated, is missing, or should not be there.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generatedCrdFiles } from '../operator/api/crd/render.js';

const rootDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const targetDirs = ['crds', path.join('charts', 'drm-operator', 'crds')];
const check = process.argv.includes('--check');

const files = generatedCrdFiles();
const wanted = new Set(files.map((file) => file.fileName));
const problems: string[] = [];

for (const relativeDir of targetDirs) {
  const dir = path.join(rootDir, relativeDir);
  if (!check) mkdirSync(dir, { recursive: true });

  for (const file of files) {
    const target = path.join(dir, file.fileName);
    const current = existsSync(target) ? readFileSync(target, 'utf8') : undefined;
    if (current === file.content) continue;
    if (check) problems.push(`${path.join(relativeDir, file.fileName)}: ${current === undefined ? 'missing' : 'differs from the generated version'}`);
    else writeFileSync(target, file.content);
  }

  // These directories hold generated CRDs only: any other YAML there is stale.
  const present = existsSync(dir) ? readdirSync(dir) : [];
  for (const name of present.filter((entry) => /\.ya?ml$/.test(entry) && !wanted.has(entry))) {
    if (check) problems.push(`${path.join(relativeDir, name)}: not generated (stale)`);
    else rmSync(path.join(dir, name));
  }
}

if (check) {
  if (problems.length > 0) {
    console.error(`generated CRDs are out of date; run \`npm run generate\`:\n  ${problems.join('\n  ')}`);
    process.exit(1);
  }
  console.log(`generated CRDs are up to date (${files.length} kinds in ${targetDirs.join(' and ')})`);
} else {
  console.log(`wrote ${files.length} CRDs to ${targetDirs.join(' and ')}`);
}
