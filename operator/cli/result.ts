// `kubectl drm result`: the merged result, inline in status.result or, when too large, stored
// by the task controller in ConfigMaps <configMapName>, <configMapName>-1, … (each holding
// <key>.<chunk>, the first annotated with drm.dtf.io/result-chunks), joined back (pure).
import { fromChunkedData } from '../core/merge/chunks.js';

export const RESULT_CHUNKS_ANNOTATION = 'drm.dtf.io/result-chunks';

export interface ResultRef {
  configMapName: string;
  key?: string;
}

export interface ConfigMapLike {
  metadata?: { name?: string; annotations?: Record<string, string> };
  data?: Record<string, string>;
}

/** Name of the ConfigMap holding chunk `chunk` of the result the first one starts. */
export function chunkConfigMapName(first: string, chunk: number): string {
  return chunk === 0 ? first : `${first}-${chunk}`;
}

/** How many ConfigMaps the result spans, from the first one's annotation (1 when absent). */
export function chunkCount(first: ConfigMapLike): number {
  const raw = first.metadata?.annotations?.[RESULT_CHUNKS_ANNOTATION];
  if (raw === undefined) return 1;
  const count = Number(raw);
  if (!Number.isInteger(count) || count < 1) throw new Error(`ConfigMap ${first.metadata?.name} has an invalid ${RESULT_CHUNKS_ANNOTATION} annotation ${JSON.stringify(raw)}`);
  return count;
}

/** The result from its ConfigMaps, in chunk order (the first is the one resultRef names). */
export function reassembleResult(ref: ResultRef, configMaps: readonly ConfigMapLike[]): unknown {
  const key = ref.key ?? 'result.json';
  const data: Record<string, string> = {};
  for (const configMap of configMaps) Object.assign(data, configMap.data ?? {});
  const json = fromChunkedData(data, key);
  if (json === undefined) throw new Error(`ConfigMap ${ref.configMapName} has neither ${key} nor ${key}.0`);
  const expected = chunkCount(configMaps[0] ?? {});
  if (expected > 1) {
    for (let i = 0; i < expected; i++) if (!Object.hasOwn(data, `${key}.${i}`)) throw new Error(`chunk ${i} of ${expected} of the result is missing (${key}.${i})`);
  }
  try {
    return JSON.parse(json) as unknown;
  } catch (error) {
    throw new Error(`the stored result is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
}

/** Why there is no result to show yet (or at all), or undefined when there is one. */
export function notReadyReason(name: string, status: { phase?: string; message?: string; result?: unknown; resultRef?: ResultRef; subtasksSummary?: string } | undefined): string | undefined {
  const phase = status?.phase ?? 'Pending';
  if (phase === 'Completed' && (status?.result !== undefined || status?.resultRef !== undefined)) return undefined;
  if (phase === 'Completed') return `task ${name} completed but has no result`;
  if (phase === 'Failed' || phase === 'Cancelled') return `task ${name} ended ${phase}${status?.message ? `: ${status.message}` : ''}; it has no result`;
  return `task ${name} is not finished yet (phase ${phase}${status?.subtasksSummary ? `, ${status.subtasksSummary} subtasks completed` : ''}); try again when it is Completed`;
}
