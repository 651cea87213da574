// Reading what finished subtasks produced: status.result inline, or the ConfigMap named in
// status.resultRef (one key, or chunks key.0, key.1, ... joined in order).
import type { CoreV1Api, V1ConfigMap } from '@kubernetes/client-node';
import type { Subtask } from '../api/subtask.js';
import { fromChunkedData } from '../core/merge/index.js';

export function parseConfigMapJson(configMap: V1ConfigMap, key: string): unknown {
  if (!configMap.data) throw new Error(`ConfigMap ${configMap.metadata?.name} has no data`);
  const json = fromChunkedData(configMap.data, key);
  if (json === undefined) throw new Error(`ConfigMap ${configMap.metadata?.name} has neither ${key} nor ${key}.0`);
  return JSON.parse(json);
}

export async function readSubtaskResult(core: CoreV1Api, subtask: Subtask): Promise<unknown> {
  const status = subtask.status;
  if (status?.resultRef) {
    const configMap = await core.readNamespacedConfigMap({ name: status.resultRef.configMapName, namespace: subtask.metadata.namespace! });
    return parseConfigMapJson(configMap, status.resultRef.key ?? 'result.json');
  }
  return status?.result;
}
