// A merged result over 1 MiB: it merges like any other, and spreads over ConfigMap-sized chunks
// (no chunk over the bound) that join back to exactly the same JSON.
import { describe, expect, test } from '@jest/globals';
import { chunkForConfigMaps, DEFAULT_MAX_CHUNK_BYTES, joinChunks, mergeResults, resultSizeBytes } from '../../../operator/core/merge/index.js';
import { INLINE_RESULT_LIMIT_BYTES, resultConfigMapName } from '../../../operator/controllers/task/reconciler.js';

describe('a 1 MiB result', () => {
  const partitions = 8;
  // Each partition returns 2,000 strings of 80 characters: about 1.3 MB of JSON in all.
  const results = Array.from({ length: partitions }, (_, index) => ({
    name: `p${index}`,
    role: 'partition' as const,
    index,
    succeeded: true,
    result: Array.from({ length: 2000 }, (_, i) => `${index}:${i}:`.padEnd(80, 'x')),
  }));

  test('merges in order, is too large to keep inline, and chunks and joins back exactly', () => {
    const merged = mergeResults('DataParallel', 'concat', [...results].reverse()) as string[];
    expect(merged).toHaveLength(partitions * 2000);
    expect(merged[0]).toMatch(/^0:0:/);
    expect(merged.at(-1)).toMatch(/^7:1999:/);
    const bytes = resultSizeBytes(merged);
    expect(bytes).toBeGreaterThan(1024 * 1024);
    expect(bytes).toBeGreaterThan(INLINE_RESULT_LIMIT_BYTES);

    const json = JSON.stringify(merged);
    const chunks = chunkForConfigMaps(json);
    expect(chunks.length).toBe(Math.ceil(bytes / DEFAULT_MAX_CHUNK_BYTES));
    for (const chunk of chunks) expect(Buffer.byteLength(chunk)).toBeLessThanOrEqual(DEFAULT_MAX_CHUNK_BYTES);
    expect(joinChunks(chunks)).toBe(json);
  });

  test('each chunk gets its own ConfigMap name, the first the one status.resultRef names', () => {
    expect([0, 1, 2].map((i) => resultConfigMapName('big', i))).toEqual(['big-result', 'big-result-1', 'big-result-2']);
  });
});
