// The operator's entry point as one minified file (the last step of `npm run build`): it replaces
// tsc's dist/operator/main.js, so everything that starts the operator (the image's CMD, the chart,
// the tests, the benches) runs the bundle. Why: Node keeps the source text of every module it
// loads, and @kubernetes/client-node's generated API is ~25 MB of JavaScript, of which the
// operator uses a few classes. Tree-shaken and minified, an idle operator beside 1,000 nodes holds
// ~20 MiB less (docs/scale.md, Memory). The cloud SDKs stay outside, loaded from node_modules on a
// pool's first use, as before. The worker and kubectl-drm stay tsc's files.
//
// Source maps: for the operator's own code only, as operator/runtime/source-maps.ts wants. A map
// of the whole bundle, parsed at the first stack trace, held ~65 MiB; its node_modules entries are
// dropped here, so a frame in library code shows the bundle's line.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const sourceDir = path.join(root, 'operator');
const outfile = path.join(root, 'dist', 'operator', 'main.js');

/**
 * A module's import.meta.url in the bundle is the bundle's; each of ours gets the URL of its own
 * compiled file instead (the dashboard reads its page files beside dist/operator/dashboard/server.js).
 */
const ownImportMetaUrl = {
  name: 'own-import-meta-url',
  setup(builder) {
    builder.onLoad({ filter: /\.ts$/ }, async ({ path: file }) => {
      let contents = await readFile(file, 'utf8');
      if (file.startsWith(sourceDir + path.sep) && contents.includes('import.meta.url')) {
        const compiled = `./${path.relative(sourceDir, file).split(path.sep).join('/').replace(/\.ts$/, '.js')}`;
        contents = contents.replaceAll('import.meta.url', `new URL(${JSON.stringify(compiled)}, import.meta.url).href`);
      }
      return { contents, loader: 'ts' };
    });
  },
};

// --- source map filtering: base64 VLQ (https://tc39.es/ecma426/) ---

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const DIGIT = new Map([...BASE64].map((c, i) => [c, i]));

function decodeSegment(text) {
  const values = [];
  let value = 0;
  let shift = 0;
  for (const c of text) {
    const digit = DIGIT.get(c);
    value += (digit & 31) << shift;
    if (digit & 32) {
      shift += 5;
    } else {
      values.push(value & 1 ? -(value >>> 1) : value >>> 1);
      value = 0;
      shift = 0;
    }
  }
  return values;
}

function encodeSegment(values) {
  let out = '';
  for (const signed of values) {
    let value = signed < 0 ? (-signed << 1) | 1 : signed << 1;
    do {
      let digit = value & 31;
      value >>>= 5;
      if (value > 0) digit |= 32;
      out += BASE64[digit];
    } while (value > 0);
  }
  return out;
}

/** The map with only the segments whose source is ours (not under node_modules), one a source line, and only the sources and names they use. */
export function ownSourcesOnly(map) {
  const keep = map.sources.map((source) => !source.split('/').includes('node_modules'));
  const newIndex = [];
  const sources = [];
  map.sources.forEach((source, i) => {
    if (keep[i]) {
      newIndex[i] = sources.length;
      sources.push(source);
    }
  });
  // Absolute state across the whole map (source, original line/column, name); the generated
  // column restarts on each line.
  const state = { source: 0, line: 0, column: 0, name: 0 };
  const written = { source: 0, line: 0, column: 0, name: 0 };
  const names = [];
  const nameIndex = new Map();
  const lines = map.mappings.split(';').map((line) => {
    let column = 0;
    let writtenColumn = 0;
    const segments = [];
    for (const segment of line.split(',')) {
      if (segment === '') continue;
      const [dColumn, dSource, dLine, dOriginalColumn, dName] = decodeSegment(segment);
      column += dColumn;
      if (dSource === undefined) continue; // a segment without a source maps nothing
      state.source += dSource;
      state.line += dLine;
      state.column += dOriginalColumn;
      if (dName !== undefined) state.name += dName;
      if (!keep[state.source]) continue;
      // Same source and line as the segment kept before it: a stack frame there reads the same
      // line (its column is the line's first mapped token's); a fifth of the segments remain.
      if (segments.length > 0 && newIndex[state.source] === written.source && state.line === written.line) continue;
      const values = [column - writtenColumn, newIndex[state.source] - written.source, state.line - written.line, state.column - written.column];
      let name;
      if (dName !== undefined) {
        name = nameIndex.get(state.name) ?? nameIndex.set(state.name, names.push(map.names[state.name]) - 1).get(state.name);
        values.push(name - written.name);
      }
      segments.push(encodeSegment(values));
      writtenColumn = column;
      Object.assign(written, { source: newIndex[state.source], line: state.line, column: state.column }, name !== undefined ? { name } : {});
    }
    return segments.join(',');
  });
  return { ...map, sources, names, mappings: lines.join(';') };
}

/** Writes dist/operator/main.js and its map over tsc's. */
export async function bundleOperator() {
  await build({
    entryPoints: [path.join(sourceDir, 'main.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    minify: true,
    // Error and class names as written: logs and `err.name` checks read them.
    keepNames: true,
    sourcemap: 'linked',
    sourcesContent: false,
    // The libraries' license comments go to main.js.LEGAL.txt: one non-ASCII letter in the bundle
    // (a name in one of them) makes V8 hold its whole source as two bytes a character (+3.4 MB).
    legalComments: 'external',
    charset: 'ascii',
    // Loaded on demand (operator/providers): large, and needed only by clusters with cloud pools.
    external: ['@aws-sdk/*', '@google-cloud/*', 'google-auth-library'],
    // CommonJS dependencies require Node's built-ins; an ES module has no `require` of its own.
    banner: { js: "import { createRequire as __drmCreateRequire } from 'node:module'; const require = __drmCreateRequire(import.meta.url);" },
    plugins: [ownImportMetaUrl],
    logLevel: 'warning',
  });

  await writeFile(`${outfile}.map`, JSON.stringify(ownSourcesOnly(JSON.parse(await readFile(`${outfile}.map`, 'utf8')))));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await bundleOperator();
