// Results too large for status: their size, and cutting their JSON into pieces that each fit a
// ConfigMap value, laid out as the worker contract describes (result.json, or result.json.0,
// result.json.1, … when one key is not enough).

/** The key a result is stored under, as in the worker contract. */
export const RESULT_KEY = 'result.json';
/**
 * Largest chunk by default. A ConfigMap holds at most 1 MiB of data in total, so a chunk this
 * size leaves room for the object's metadata but not for a second chunk in the same ConfigMap.
 */
export const DEFAULT_MAX_CHUNK_BYTES = 900 * 1024;

/** Bytes of the UTF-8 JSON of `value`, as it would be stored; 0 for undefined (nothing stored). */
export function resultSizeBytes(value: unknown): number {
  const json = JSON.stringify(value) as string | undefined;
  return json === undefined ? 0 : Buffer.byteLength(json, 'utf8');
}

/**
 * Cuts `json` into pieces of at most `maxChunkBytes` UTF-8 bytes each, never inside a character,
 * so that joinChunks restores it exactly. Always at least one piece (an empty string gives one
 * empty piece).
 */
export function chunkForConfigMaps(json: string, maxChunkBytes: number = DEFAULT_MAX_CHUNK_BYTES): string[] {
  // Four bytes is the longest UTF-8 character; anything smaller could not always make progress.
  if (!Number.isInteger(maxChunkBytes) || maxChunkBytes < 4) throw new RangeError(`maxChunkBytes must be a whole number ≥ 4, not ${maxChunkBytes}`);
  const chunks: string[] = [];
  let start = 0;
  let bytes = 0;
  let i = 0;
  while (i < json.length) {
    const code = json.charCodeAt(i);
    const isPair = code >= 0xd800 && code <= 0xdbff && i + 1 < json.length && isLowSurrogate(json.charCodeAt(i + 1));
    const units = isPair ? 2 : 1;
    // A lone surrogate is encoded as U+FFFD, three bytes.
    const size = isPair ? 4 : code < 0x80 ? 1 : code < 0x800 ? 2 : 3;
    if (bytes + size > maxChunkBytes) {
      chunks.push(json.slice(start, i));
      start = i;
      bytes = 0;
    }
    bytes += size;
    i += units;
  }
  chunks.push(json.slice(start));
  return chunks;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

/** The inverse of chunkForConfigMaps. */
export function joinChunks(chunks: readonly string[]): string {
  return chunks.join('');
}

/** The keys `count` chunks are stored under: `key` alone for one chunk, else `key.0`, `key.1`, …. */
export function chunkKeys(count: number, key: string = RESULT_KEY): string[] {
  return count === 1 ? [key] : Array.from({ length: count }, (_, i) => `${key}.${i}`);
}

/** ConfigMap data holding `json` under `key`, cut as chunkForConfigMaps does. */
export function toChunkedData(json: string, maxChunkBytes: number = DEFAULT_MAX_CHUNK_BYTES, key: string = RESULT_KEY): Record<string, string> {
  const chunks = chunkForConfigMaps(json, maxChunkBytes);
  const keys = chunkKeys(chunks.length, key);
  return Object.fromEntries(keys.map((chunkKey, i) => [chunkKey, chunks[i]!]));
}

/**
 * The JSON stored under `key` in one ConfigMap's data (or merged data of several): `key` itself,
 * else `key.0`, `key.1`, … up to the first missing number. Undefined when neither is there.
 */
export function fromChunkedData(data: Readonly<Record<string, string>>, key: string = RESULT_KEY): string | undefined {
  if (Object.hasOwn(data, key)) return data[key];
  const chunks: string[] = [];
  for (let i = 0; Object.hasOwn(data, `${key}.${i}`); i++) chunks.push(data[`${key}.${i}`]!);
  return chunks.length > 0 ? joinChunks(chunks) : undefined;
}
