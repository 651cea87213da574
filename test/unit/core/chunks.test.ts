import { describe, expect, test } from '@jest/globals';
import { chunkForConfigMaps, chunkKeys, fromChunkedData, joinChunks, resultSizeBytes, toChunkedData } from '../../../operator/core/merge/index.js';

const utf8Bytes = (text: string) => Buffer.byteLength(text, 'utf8');

describe('resultSizeBytes', () => {
  test('UTF-8 bytes of the JSON', () => {
    expect(resultSizeBytes([1, 2, 3])).toBe(7);
    expect(resultSizeBytes('é')).toBe(4);
    expect(resultSizeBytes({ emoji: '😀' })).toBe(utf8Bytes('{"emoji":"😀"}'));
    expect(resultSizeBytes(null)).toBe(4);
    expect(resultSizeBytes(undefined)).toBe(0);
  });
});

describe('chunkForConfigMaps', () => {
  test('ASCII is cut into pieces of exactly the bound, the rest last', () => {
    expect(chunkForConfigMaps('abcdefghij', 4)).toEqual(['abcd', 'efgh', 'ij']);
    expect(chunkForConfigMaps('abcd', 4)).toEqual(['abcd']);
    expect(chunkForConfigMaps('', 4)).toEqual(['']);
  });

  test('multi-byte characters and surrogate pairs are never split, and every piece fits', () => {
    const json = JSON.stringify({ text: 'aé€😀'.repeat(50), more: ['ü', '𝄞', 'x'] });
    for (let bound = 4; bound <= 40; bound++) {
      const chunks = chunkForConfigMaps(json, bound);
      expect(joinChunks(chunks)).toBe(json);
      for (const chunk of chunks) {
        expect(utf8Bytes(chunk)).toBeLessThanOrEqual(bound);
        expect(chunk.length).toBeGreaterThan(0);
        // No piece ends with the first half of a surrogate pair.
        expect(/[\ud800-\udbff]$/.test(chunk)).toBe(false);
      }
      // Each piece encoded and decoded on its own gives the text back: no character was cut.
      expect(chunks.map((chunk) => Buffer.from(chunk, 'utf8').toString('utf8')).join('')).toBe(json);
    }
  });

  test('a lone surrogate (three bytes once encoded) does not stop the cut', () => {
    const text = 'ab\ud800cd\udc00e';
    const chunks = chunkForConfigMaps(text, 4);
    expect(joinChunks(chunks)).toBe(text);
    for (const chunk of chunks) expect(utf8Bytes(chunk)).toBeLessThanOrEqual(4);
  });

  test('a bound below one character is refused', () => {
    expect(() => chunkForConfigMaps('x', 3)).toThrow(RangeError);
  });
});

describe('ConfigMap data layout (worker contract)', () => {
  test('one chunk under result.json, several under result.json.0, .1, …', () => {
    expect(chunkKeys(1)).toEqual(['result.json']);
    expect(chunkKeys(3)).toEqual(['result.json.0', 'result.json.1', 'result.json.2']);
    expect(toChunkedData('[1,2]')).toEqual({ 'result.json': '[1,2]' });
    expect(toChunkedData('[1,2,3]', 4)).toEqual({ 'result.json.0': '[1,2', 'result.json.1': ',3]' });
  });

  test('fromChunkedData reads either form back, and undefined when the key is absent', () => {
    const json = JSON.stringify({ values: Array.from({ length: 500 }, (_, i) => i) });
    for (const bound of [16, 100, 5000]) expect(fromChunkedData(toChunkedData(json, bound))).toBe(json);
    expect(fromChunkedData(toChunkedData(json, 16, 'other.json'), 'other.json')).toBe(json);
    expect(fromChunkedData({ 'unrelated.json': '1' })).toBeUndefined();
    expect(JSON.parse(fromChunkedData(toChunkedData(json, 7))!)).toEqual(JSON.parse(json));
  });
});
