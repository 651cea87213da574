// What a cloud VM does when it boots, for tests: its kubelet registers a Node. For each instance
// running in moto (EC2) or the GCP Compute fake, the harness creates a Node that kwok then plays
// the kubelet of, with the instance's providerID (aws:///ZONE/i-…, gce://PROJECT/ZONE/NAME), the
// capacity of its instance or machine type, the well-known labels a kubelet or cloud provider puts
// (hostname, instance type, zone), and no pool labels or taints: a stock node image knows nothing
// of pools, and the operator must do the rest. When the instance goes, its Node is deleted (as the
// cloud's node lifecycle controller does), unless told to leave it.
import { DescribeInstancesCommand, DescribeInstanceTypesCommand, type EC2Client, type _InstanceType } from '@aws-sdk/client-ec2';
import type { CoreV1Api, V1Node } from '@kubernetes/client-node';
import { setTimeout as sleep } from 'node:timers/promises';
import { MACHINE_TYPES, type GcpFake } from './gcp-fake.js';
import { coreClient } from './occupancy.js';

/** A machine that is up and whose kubelet would register now. */
export interface BootingInstance {
  id: string;
  nodeName: string;
  providerID: string;
  zone: string;
  instanceType: string;
  capacity: { cpu: number; memoryMiB: number; gpu: number };
}

export interface BootHarnessOptions {
  /** Instances whose kubelet never comes up (a broken image): never registered. */
  neverRegister?: (instanceId: string) => boolean;
  /** Leave the Node of an instance that went (no cloud node lifecycle controller). Default false. */
  keepNodesOfGoneInstances?: boolean;
  /** How often the cloud is looked at. Default 300 ms. */
  intervalMs?: number;
}

export interface BootHarness {
  /** Every Node the harness registered, as it created it (name → labels and taints at registration). */
  readonly registered: Map<string, { instanceId: string; labels: Record<string, string>; taints: unknown[] }>;
  /** Instances it saw running and, as told, did not register. */
  readonly ignored: Set<string>;
  /** Stops looking; deletes the Nodes it registered that are still there. */
  stop(): Promise<void>;
}

/** The Node a booting instance's kubelet registers: kwok plays it (annotation), nothing of pools. */
export function bootedNode(instance: BootingInstance): V1Node {
  const capacity: Record<string, string> = {
    cpu: String(instance.capacity.cpu),
    memory: `${instance.capacity.memoryMiB}Mi`,
    pods: '110',
    ...(instance.capacity.gpu > 0 ? { 'nvidia.com/gpu': String(instance.capacity.gpu) } : {}),
  };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: instance.nodeName,
      annotations: { 'kwok.x-k8s.io/node': 'fake' },
      labels: {
        'kubernetes.io/hostname': instance.nodeName,
        'kubernetes.io/os': 'linux',
        'node.kubernetes.io/instance-type': instance.instanceType,
        'topology.kubernetes.io/zone': instance.zone,
      },
    },
    spec: { providerID: instance.providerID },
    status: { capacity, allocatable: capacity },
  };
}

function startBootLoop(list: () => Promise<BootingInstance[]>, options: BootHarnessOptions, core: CoreV1Api = coreClient()): BootHarness {
  const registered: BootHarness['registered'] = new Map();
  const ignored = new Set<string>();
  let running = true;
  const tick = async () => {
    const up = await list();
    for (const instance of up) {
      if (registered.has(instance.nodeName)) continue;
      if (options.neverRegister?.(instance.id)) {
        ignored.add(instance.id);
        continue;
      }
      const node = bootedNode(instance);
      try {
        await core.createNode({ body: node });
      } catch (error) {
        if ((error as { code?: number }).code !== 409) throw error;
      }
      registered.set(instance.nodeName, { instanceId: instance.id, labels: { ...node.metadata!.labels! }, taints: [...(node.spec?.taints ?? [])] });
    }
    if (options.keepNodesOfGoneInstances) return;
    const live = new Set(up.map((i) => i.nodeName));
    for (const name of [...registered.keys()]) {
      if (live.has(name)) continue;
      await core.deleteNode({ name }).catch(() => undefined);
      registered.delete(name);
    }
  };
  const loop = (async () => {
    while (running) {
      // A failed look (the cloud or the API server briefly away) is tried again next round.
      await tick().catch(() => undefined);
      await sleep(options.intervalMs ?? 300);
    }
  })();
  return {
    registered,
    ignored,
    async stop() {
      running = false;
      await loop;
      for (const name of registered.keys()) await core.deleteNode({ name }).catch(() => undefined);
      registered.clear();
    },
  };
}

/** Boots the running EC2 instances of moto tagged drm.dtf.io/pool with one of `pools`. */
export function bootEc2Instances(ec2: EC2Client, pools: string[], options: BootHarnessOptions = {}): BootHarness {
  const types = new Map<string, BootingInstance['capacity']>();
  const capacityOf = async (type: string) => {
    if (!types.has(type)) {
      const answer = await ec2.send(new DescribeInstanceTypesCommand({ InstanceTypes: [type as _InstanceType] }));
      const info = answer.InstanceTypes?.[0];
      types.set(type, {
        cpu: info?.VCpuInfo?.DefaultVCpus ?? 0,
        memoryMiB: info?.MemoryInfo?.SizeInMiB ?? 0,
        gpu: (info?.GpuInfo?.Gpus ?? []).reduce((sum, g) => sum + (g.Count ?? 0), 0),
      });
    }
    return types.get(type)!;
  };
  const region = async () => (await ec2.config.region()) ?? 'us-west-2';
  return startBootLoop(async () => {
    const answer = await ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'tag:drm.dtf.io/pool', Values: pools }, { Name: 'instance-state-name', Values: ['running'] }] }));
    const instances = (answer.Reservations ?? []).flatMap((r) => r.Instances ?? []);
    const booted: BootingInstance[] = [];
    for (const instance of instances) {
      const zone = instance.Placement?.AvailabilityZone ?? `${await region()}a`;
      const type = instance.InstanceType ?? 'm5.large';
      booted.push({
        id: instance.InstanceId!,
        // EC2's resource-name hostname: unique per instance (IP names repeat across moto runs).
        nodeName: `${instance.InstanceId}.${await region()}.compute.internal`,
        providerID: `aws:///${zone}/${instance.InstanceId}`,
        zone,
        instanceType: type,
        capacity: await capacityOf(type),
      });
    }
    return booted;
  }, options);
}

/** Boots the RUNNING instances of a managed instance group of the GCP fake. */
export function bootGceInstances(fake: GcpFake, where: { project: string; zone: string; group: string }, options: BootHarnessOptions = {}): BootHarness {
  return startBootLoop(async () => {
    const group = fake.group(where.project, where.zone, where.group);
    const machine = MACHINE_TYPES[group.machineType];
    if (!machine) throw new Error(`the fake knows no machine type ${group.machineType}`);
    const capacity = { cpu: machine.guestCpus, memoryMiB: machine.memoryMb, gpu: (machine.accelerators ?? []).reduce((sum, a) => sum + a.guestAcceleratorCount, 0) };
    return group.instances
      .filter((i) => i.instanceStatus === 'RUNNING' && i.currentAction === 'NONE')
      .map((i) => ({ id: i.name, nodeName: i.name, providerID: `gce://${where.project}/${where.zone}/${i.name}`, zone: where.zone, instanceType: group.machineType, capacity }));
  }, options);
}
