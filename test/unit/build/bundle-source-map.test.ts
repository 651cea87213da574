// The operator's bundle keeps a source map of its own code only (hack/bundle.mjs): a frame in
// our code reads the same file and line as with esbuild's whole map, library code maps to nothing.
import { describe, expect, test } from '@jest/globals';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { SourceMap, type SourceMapPayload } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { ownSourcesOnly } from '../../../hack/bundle.mjs';

/** A two-file program of ours that calls a library under node_modules, bundled as hack/bundle.mjs does. */
async function bundleFixture(): Promise<{ code: string; map: SourceMapPayload }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'drm-bundle-'));
  mkdirSync(path.join(dir, 'node_modules', 'lib'), { recursive: true });
  writeFileSync(path.join(dir, 'node_modules', 'lib', 'package.json'), '{"name":"lib","main":"index.js"}');
  // The library's lines run far past ours, so that a filter losing track of lines shows.
  writeFileSync(path.join(dir, 'node_modules', 'lib', 'index.js'), `${'// padding\n'.repeat(40)}exports.twice = function twice(f) {\n  const a = f(1);\n\n\n  const b = f(2);\n  return [a, b];\n};\n`);
  writeFileSync(path.join(dir, 'helper.ts'), 'export function square(x: number): number {\n  const y = x * x;\n  return y + 0;\n}\n');
  writeFileSync(path.join(dir, 'main.ts'), "import { twice } from 'lib';\nimport { square } from './helper.js';\n\nconst out = twice((n: number) => square(n) + 1);\nconsole.log(out.join(','));\n");
  const result = await build({ entryPoints: [path.join(dir, 'main.ts')], bundle: true, platform: 'node', format: 'esm', minify: true, keepNames: true, sourcemap: 'external', sourcesContent: false, write: false, outdir: path.join(dir, 'out') });
  const code = result.outputFiles.find((f) => f.path.endsWith('.js'))!.text;
  const map = JSON.parse(result.outputFiles.find((f) => f.path.endsWith('.map'))!.text) as SourceMapPayload;
  return { code, map };
}

describe('the bundle source map (hack/bundle.mjs)', () => {
  test('keeps our sources at line precision and drops the libraries', async () => {
    const { code, map } = await bundleFixture();
    expect(map.sources.some((s) => s.includes('node_modules'))).toBe(true);
    const filtered = ownSourcesOnly(map);
    expect(filtered.sources.map((s) => path.basename(s)).sort()).toEqual(['helper.ts', 'main.ts']);

    const whole = new SourceMap(map);
    const ours = new SourceMap(filtered);
    let checked = 0;
    let library = 0;
    code.split('\n').forEach((line, generatedLine) => {
      for (let column = 0; column < line.length; column++) {
        const before = whole.findEntry(generatedLine, column);
        if (!('originalSource' in before) || before.generatedColumn !== column) continue;
        const after = ours.findEntry(generatedLine, column);
        if (before.originalSource.includes('node_modules')) {
          library++;
          // Nothing of ours starts here: the position maps to the frame before it, never to the library.
          if ('originalSource' in after) expect(after.originalSource).not.toContain('node_modules');
          continue;
        }
        checked++;
        expect(after).toMatchObject({ originalSource: before.originalSource, originalLine: before.originalLine });
      }
    });
    expect(checked).toBeGreaterThan(5);
    expect(library).toBeGreaterThan(0);
    // One segment a source line: fewer than esbuild wrote for the same code.
    const segments = (m: SourceMapPayload) => m.mappings.split(/[;,]/).filter(Boolean).length;
    expect(segments(filtered)).toBeLessThan(segments(map));
  });
});
