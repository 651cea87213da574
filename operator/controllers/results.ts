// Reading what finished subtasks produced: status.result inline, or the ConfigMap named in
// status.resultRef (one key, or chunks key.0, key.1, ... joined in order).
import type { CoreV1Api, V1ConfigMap } from '@kubernetes/client-node';
import type { Subtask } from '../api/subtask.js';

export function joinChunkedData(data: Record<string, string> | undefined, key: string): string {
  if (!data) throw new Error('the result ConfigMap has no data');
  if (data[key] !== undefined) return data[key];
  const chunks: string[] = [];
  for (let i = 0; data[`${key}.${i}`] !== undefined; i++) chunks.push(data[`${key}.${i}`]!);
  if (chunks.length === 0) throw new Error(`the result ConfigMap has neither ${key} nor ${key}.0`);
  return chunks.join('');
}

export function parseConfigMapJson(configMap: V1ConfigMap, key: string): unknown {
  return JSON.parse(joinChunkedData(configMap.data, key));
}

export async function readSubtaskResult(core: CoreV1Api, subtask: Subtask): Promise<unknown> {
  const status = subtask.status;
  if (status?.resultRef) {
    const configMap = await core.readNamespacedConfigMap({ name: status.resultRef.configMapName, namespace: subtask.metadata.namespace! });
    return parseConfigMapJson(configMap, status.resultRef.key ?? 'result.json');
  }
  return status?.result;
}
