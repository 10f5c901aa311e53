import { Duration } from 'cdk8s';
import { IMAGES } from '../../lib/versions';
import {
  assertDnsLabel, assertDnsSubdomain, assertIntegerInRange, assertIpOrCidr, assertKnownKeys, assertObject, assertOneOf, assertPercentage,
  durationMillis, ValidationError, wholeSeconds,
} from '../../lib/validation';

/** The faults of the catalogue (names of the Litmus ChaosExperiments). */
export enum FaultName {
  POD_DELETE = 'pod-delete',
  CONTAINER_KILL = 'container-kill',
  POD_CPU_HOG = 'pod-cpu-hog',
  POD_MEMORY_HOG = 'pod-memory-hog',
  POD_NETWORK_LATENCY = 'pod-network-latency',
  POD_NETWORK_LOSS = 'pod-network-loss',
  POD_AUTOSCALER = 'pod-autoscaler',
  DISK_FILL = 'disk-fill',
  NODE_DRAIN = 'node-drain',
  NODE_CPU_HOG = 'node-cpu-hog',
}

/** Every fault name, for messages and config validation. */
export const FAULT_NAMES: readonly FaultName[] = Object.values(FaultName);

/** What a fault hits: pods of the target, or the nodes under them. Node-level faults need an environment's consent. */
export enum FaultLevel {
  POD = 'pod',
  NODE = 'node',
}

/** `spec.definition.scope` of the ChaosExperiment, as upstream declares it. */
export enum FaultScope {
  NAMESPACED = 'Namespaced',
  CLUSTER = 'Cluster',
}

/** Container runtimes Litmus helpers can talk to, each with its usual socket. */
export enum ContainerRuntime {
  DOCKER = 'docker',
  CONTAINERD = 'containerd',
  CRIO = 'crio',
}

/** The runtime socket each runtime listens on by default. */
export const DEFAULT_SOCKET_PATHS: Readonly<Record<ContainerRuntime, string>> = {
  [ContainerRuntime.DOCKER]: '/var/run/docker.sock',
  [ContainerRuntime.CONTAINERD]: '/run/containerd/containerd.sock',
  [ContainerRuntime.CRIO]: '/var/run/crio/crio.sock',
};

/** Order in which several targets are hit. */
export enum Sequence {
  PARALLEL = 'parallel',
  SERIAL = 'serial',
}

/**
 * Where a permission is granted. Engines, experiments and their ServiceAccounts live in the chaos namespace;
 * targets live elsewhere.
 */
export enum Placement {
  /** In the target's namespace (RoleBinding there, subject the SA in the chaos namespace): acting on the target. */
  TARGET = 'target',
  /** In the chaos namespace: the fault's own jobs, helper pods, events, ChaosResults. */
  CHAOS = 'chaos',
  /** Cluster-wide (ClusterRole): cluster-scoped resources, or pods on a node in any namespace. */
  CLUSTER = 'cluster',
}

/** One RBAC rule a fault needs, and where it is granted. */
export interface Permission {
  readonly apiGroups: readonly string[];
  readonly resources: readonly string[];
  readonly verbs: readonly string[];
  readonly placement: readonly Placement[];
}

/** Static facts about a fault (Litmus chaos-charts 3.28.0 fault.yaml, images bumped to 3.31.0). */
export interface FaultDefinition {
  readonly name: FaultName;
  readonly description: string;
  readonly scope: FaultScope;
  readonly level: FaultLevel;
  /** The RBAC rules the fault's ServiceAccount needs (upstream `spec.definition.permissions`), placed. */
  readonly permissions: readonly Permission[];
  /** Env defaults the ChaosExperiment carries (the engine overrides the tunables it sets). */
  readonly defaults: Readonly<Record<string, string>>;
}

const { TARGET, CHAOS, CLUSTER } = Placement;

/*
 * The rules below are what the code that runs as the engine's ServiceAccount really calls: the runner the operator
 * starts (chaos-runner 3.18.0), the experiment pod (litmus-go 3.31.0, `experiments -name <fault>`) and its helper
 * pods (`helpers -name ...`), with the engines this stack renders (appinfo by label, no TARGET_PODS, NODE_LABEL or
 * DEFAULT_HEALTH_CHECK, httpProbe and promProbe only). README "Experiment ServiceAccounts" cites each call site.
 */

/** The chaos namespace, for every fault: the runner's Job and the experiment's own pod, events, engine and result. */
function chaosNamespaceRules(helperPods: boolean): Permission[] {
  return [
    // runner: lists the experiment pod (job-name=...); experiment: reads its own pod (labels, ServiceAccount).
    // helpers: created, listed until done and deleted with deletecollection by the experiment.
    { apiGroups: [''], resources: ['pods'], verbs: helperPods ? ['get', 'list', 'create', 'deletecollection'] : ['get', 'list'], placement: [CHAOS] },
    // runner and litmus-go pkg/events: Get, then Create or Update (the count) of the engine's events.
    { apiGroups: [''], resources: ['events'], verbs: ['create', 'get', 'update'], placement: [CHAOS] },
    // runner: creates the experiment Job and deletes it with jobCleanUpPolicy delete.
    { apiGroups: ['batch'], resources: ['jobs'], verbs: ['create', 'delete'], placement: [CHAOS] },
    // runner: reads and updates the engine's status; experiment: reads it, and a probe with stopOnFailure stops it.
    { apiGroups: ['litmuschaos.io'], resources: ['chaosengines'], verbs: ['get', 'update'], placement: [CHAOS] },
    // runner: reads the experiment's definition.
    { apiGroups: ['litmuschaos.io'], resources: ['chaosexperiments'], verbs: ['get'], placement: [CHAOS] },
    // experiment and helpers: create, read and update the ChaosResult; runner: reads it.
    { apiGroups: ['litmuschaos.io'], resources: ['chaosresults'], verbs: ['create', 'get', 'update'], placement: [CHAOS] },
  ];
}

/** Target selection by label: list the pods, read them (helpers: container ids), and read a ReplicaSet owner's owner. */
function targetPodRules(podVerbs: readonly string[] = ['get', 'list']): Permission[] {
  return [
    { apiGroups: [''], resources: ['pods'], verbs: [...podVerbs], placement: [TARGET] },
    { apiGroups: ['apps'], resources: ['replicasets'], verbs: ['get'], placement: [TARGET] },
  ];
}

/**
 * Network faults resolve DESTINATION_HOSTS given as `<svc>.<ns>.svc.cluster.local` to the Service's pods
 * (network-chaos lib getPodIPFromService). A forbidden read is only logged and leaves the fault on every destination,
 * so the Service read is granted, in the target's namespace.
 */
const SERVICES_FOR_HOSTS: Permission = { apiGroups: [''], resources: ['services'], verbs: ['get'], placement: [TARGET] };

/** A pod-level fault: its rules in the chaos namespace and on the target's pods (`extra` for what only it does). */
function podFault(name: FaultName, description: string, opts: {
  readonly helperPods: boolean; readonly targetPodVerbs?: readonly string[]; readonly extra?: readonly Permission[];
}, defaults: Record<string, string>): FaultDefinition {
  return {
    name, description, scope: FaultScope.NAMESPACED, level: FaultLevel.POD, defaults,
    permissions: [...chaosNamespaceRules(opts.helperPods), ...targetPodRules(opts.targetPodVerbs), ...(opts.extra ?? [])],
  };
}

const RUNTIME_DEFAULTS = {
  CONTAINER_RUNTIME: ContainerRuntime.CONTAINERD,
  SOCKET_PATH: DEFAULT_SOCKET_PATHS[ContainerRuntime.CONTAINERD],
  LIB_IMAGE: IMAGES.goRunner,
};
const TARGETING_DEFAULTS = { PODS_AFFECTED_PERC: '', TARGET_PODS: '', NODE_LABEL: '', SEQUENCE: Sequence.PARALLEL, DEFAULT_HEALTH_CHECK: 'false' };

/** The catalogue: facts about each supported fault. */
export const FAULT_DEFINITIONS: Readonly<Record<FaultName, FaultDefinition>> = {
  [FaultName.POD_DELETE]: podFault(FaultName.POD_DELETE, 'Deletes pods of the target workload.', { helperPods: false, targetPodVerbs: ['get', 'list', 'delete'] }, {
    TOTAL_CHAOS_DURATION: '15', RAMP_TIME: '', FORCE: 'true', CHAOS_INTERVAL: '5', TARGET_CONTAINER: '', ...TARGETING_DEFAULTS,
  }),
  [FaultName.CONTAINER_KILL]: podFault(FaultName.CONTAINER_KILL, 'Kills a container of the target pods through the container runtime.', { helperPods: true }, {
    TARGET_CONTAINER: '', RAMP_TIME: '', CHAOS_INTERVAL: '10', SIGNAL: 'SIGKILL', TOTAL_CHAOS_DURATION: '20',
    ...RUNTIME_DEFAULTS, ...TARGETING_DEFAULTS,
  }),
  [FaultName.POD_CPU_HOG]: podFault(FaultName.POD_CPU_HOG, 'Consumes CPU in the target pods (stress-ng in a helper attached through the runtime).', {
    helperPods: true,
  }, {
    TOTAL_CHAOS_DURATION: '60', CPU_CORES: '1', CPU_LOAD: '100', RAMP_TIME: '', TARGET_CONTAINER: '', ...RUNTIME_DEFAULTS, ...TARGETING_DEFAULTS,
  }),
  [FaultName.POD_MEMORY_HOG]: podFault(FaultName.POD_MEMORY_HOG, 'Consumes memory in the target pods (stress-ng in a helper attached through the runtime).', {
    helperPods: true,
  }, {
    TOTAL_CHAOS_DURATION: '60', MEMORY_CONSUMPTION: '500', NUMBER_OF_WORKERS: '1', RAMP_TIME: '', TARGET_CONTAINER: '',
    ...RUNTIME_DEFAULTS, ...TARGETING_DEFAULTS,
  }),
  [FaultName.POD_NETWORK_LATENCY]: podFault(FaultName.POD_NETWORK_LATENCY, 'Delays the network traffic of the target pods (tc netem).', {
    helperPods: true, extra: [SERVICES_FOR_HOSTS],
  }, {
    TARGET_CONTAINER: '', NETWORK_INTERFACE: 'eth0', NETWORK_LATENCY: '2000', JITTER: '0', TOTAL_CHAOS_DURATION: '60', RAMP_TIME: '',
    DESTINATION_IPS: '', DESTINATION_HOSTS: '', ...RUNTIME_DEFAULTS, ...TARGETING_DEFAULTS,
  }),
  [FaultName.POD_NETWORK_LOSS]: podFault(FaultName.POD_NETWORK_LOSS, 'Drops a share of the network packets of the target pods (tc netem).', {
    helperPods: true, extra: [SERVICES_FOR_HOSTS],
  }, {
    TARGET_CONTAINER: '', NETWORK_INTERFACE: 'eth0', NETWORK_PACKET_LOSS_PERCENTAGE: '100', TOTAL_CHAOS_DURATION: '60', RAMP_TIME: '',
    DESTINATION_IPS: '', DESTINATION_HOSTS: '', ...RUNTIME_DEFAULTS, ...TARGETING_DEFAULTS,
  }),
  [FaultName.POD_AUTOSCALER]: {
    name: FaultName.POD_AUTOSCALER,
    description: 'Scales the target workload to a replica count and checks that every replica becomes ready.',
    scope: FaultScope.CLUSTER,
    level: FaultLevel.POD,
    permissions: [
      ...chaosNamespaceRules(false),
      // pod-autoscaler lib: lists the Deployments (or StatefulSets) by the app label, scales them with Update, reads
      // them until every replica is ready, and restores the count.
      { apiGroups: ['apps'], resources: ['deployments', 'statefulsets'], verbs: ['get', 'list', 'update'], placement: [TARGET] },
    ],
    defaults: { TOTAL_CHAOS_DURATION: '60', RAMP_TIME: '', REPLICA_COUNT: '5', DEFAULT_HEALTH_CHECK: 'false' },
  },
  [FaultName.DISK_FILL]: podFault(FaultName.DISK_FILL, 'Fills the ephemeral storage of the target pods.', {
    // the disk-fill helper deletes a target pod whose filled storage it cannot remove (revertDiskFill)
    helperPods: true, targetPodVerbs: ['get', 'list', 'delete'],
  }, {
    TARGET_CONTAINER: '', FILL_PERCENTAGE: '80', TOTAL_CHAOS_DURATION: '60', RAMP_TIME: '', DATA_BLOCK_SIZE: '256',
    EPHEMERAL_STORAGE_MEBIBYTES: '', ...RUNTIME_DEFAULTS, ...TARGETING_DEFAULTS,
  }),
  [FaultName.NODE_DRAIN]: {
    name: FaultName.NODE_DRAIN,
    description: 'Cordons and drains the node the target runs on, evicting its pods.',
    scope: FaultScope.CLUSTER,
    level: FaultLevel.NODE,
    permissions: [
      ...chaosNamespaceRules(false),
      // node-drain lib: checks the app by its label after the drain (status.AUTStatusCheck).
      { apiGroups: [''], resources: ['pods'], verbs: ['list'], placement: [TARGET] },
      // node-drain lib reads the node; `kubectl drain` / `kubectl uncordon` (run in the experiment pod) get and patch it.
      { apiGroups: [''], resources: ['nodes'], verbs: ['get', 'patch'], placement: [CLUSTER] },
      // `kubectl drain --ignore-daemonsets`: lists the node's pods in every namespace, evicts them, waits for each to go
      // (get), and reads the DaemonSet that owns a pod it skips.
      { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'], placement: [CLUSTER] },
      { apiGroups: [''], resources: ['pods/eviction'], verbs: ['create'], placement: [CLUSTER] },
      { apiGroups: ['apps'], resources: ['daemonsets'], verbs: ['get'], placement: [CLUSTER] },
    ],
    defaults: { TARGET_NODE: '', NODE_LABEL: '', TOTAL_CHAOS_DURATION: '60', RAMP_TIME: '', DEFAULT_HEALTH_CHECK: 'false' },
  },
  [FaultName.NODE_CPU_HOG]: {
    name: FaultName.NODE_CPU_HOG,
    description: 'Consumes CPU on nodes through a helper pod scheduled on them.',
    scope: FaultScope.CLUSTER,
    level: FaultLevel.NODE,
    permissions: [
      // node-cpu-hog lib: stress helper pods on the nodes, created and cleaned up in the chaos namespace.
      ...chaosNamespaceRules(true),
      // reads the TARGET_NODES (GetNode), or lists every node to pick by NODES_AFFECTED_PERC (GetAllNode).
      { apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list'], placement: [CLUSTER] },
    ],
    defaults: {
      TOTAL_CHAOS_DURATION: '60', RAMP_TIME: '', NODE_CPU_CORE: '', CPU_LOAD: '100', TARGET_NODES: '', NODE_LABEL: '',
      LIB_IMAGE: IMAGES.goRunner, NODES_AFFECTED_PERC: '', DEFAULT_HEALTH_CHECK: 'false', SEQUENCE: Sequence.PARALLEL,
    },
  },
};

// ---------------------------------------------------------------------------------------------------------------
// Tunables

/** Tunables every fault has. */
export interface CommonFaultProps {
  /**
   * How long the chaos lasts (`TOTAL_CHAOS_DURATION`, whole seconds).
   * @default - the fault's upstream default (see FAULT_DEFINITIONS)
   */
  readonly totalChaosDuration?: Duration;
  /**
   * Wait before and after the injection (`RAMP_TIME`, whole seconds).
   * @default - no ramp
   */
  readonly rampTime?: Duration;
}

/** Tunables of faults that pick a share of the target's pods. */
export interface PodTargetingProps {
  /**
   * Percentage of the target's pods to affect (`PODS_AFFECTED_PERC`). 0 means one pod. Limited by the environment's
   * blast radius.
   * @default - one pod
   */
  readonly podsAffectedPercent?: number;
  /**
   * Whether several target pods are hit one after another or at once.
   * @default Sequence.PARALLEL
   */
  readonly sequence?: Sequence;
}

/** Tunables of faults that act through the node's container runtime. */
export interface RuntimeProps {
  /**
   * The nodes' container runtime.
   * @default ContainerRuntime.CONTAINERD
   */
  readonly runtime?: ContainerRuntime;
  /**
   * Path of the runtime's socket on the node.
   * @default - the runtime's usual socket (DEFAULT_SOCKET_PATHS)
   */
  readonly socketPath?: string;
}

export interface PodDeleteProps extends CommonFaultProps, PodTargetingProps {
  /**
   * Time between two deletions (`CHAOS_INTERVAL`).
   * @default Duration.seconds(5)
   */
  readonly chaosInterval?: Duration;
  /**
   * Delete with grace period 0 (`FORCE`).
   * @default true
   */
  readonly force?: boolean;
}

export interface ContainerKillProps extends CommonFaultProps, PodTargetingProps, RuntimeProps {
  /**
   * Time between two kills (`CHAOS_INTERVAL`).
   * @default Duration.seconds(10)
   */
  readonly chaosInterval?: Duration;
  /**
   * Signal sent to the container.
   * @default 'SIGKILL'
   */
  readonly signal?: 'SIGKILL' | 'SIGTERM';
  /**
   * Container to kill.
   * @default - the pod's first container
   */
  readonly targetContainer?: string;
}

export interface PodCpuHogProps extends CommonFaultProps, PodTargetingProps, RuntimeProps {
  /**
   * CPU cores to load in each target pod (`CPU_CORES`).
   * @default 1
   */
  readonly cpuCores?: number;
  /**
   * Load per core, in percent (`CPU_LOAD`).
   * @default 100
   */
  readonly cpuLoadPercent?: number;
}

export interface PodMemoryHogProps extends CommonFaultProps, PodTargetingProps, RuntimeProps {
  /**
   * Memory to consume, in megabytes (`MEMORY_CONSUMPTION`).
   * @default 500
   */
  readonly memoryConsumptionMegabytes?: number;
  /**
   * Stress workers (`NUMBER_OF_WORKERS`).
   * @default 1
   */
  readonly workers?: number;
}

export interface NetworkFaultProps extends CommonFaultProps, PodTargetingProps, RuntimeProps {
  /**
   * Network interface of the target pods.
   * @default 'eth0'
   */
  readonly networkInterface?: string;
  /**
   * Only traffic to these IPs or CIDRs is affected (`DESTINATION_IPS`).
   * @default - all destinations
   */
  readonly destinationIps?: readonly string[];
  /**
   * Only traffic to these hosts is affected (`DESTINATION_HOSTS`).
   * @default - all destinations
   */
  readonly destinationHosts?: readonly string[];
}

export interface PodNetworkLatencyProps extends NetworkFaultProps {
  /**
   * Added delay (`NETWORK_LATENCY`, whole milliseconds).
   * @default Duration.millis(2000)
   */
  readonly latency?: Duration;
  /**
   * Jitter on the delay (`JITTER`, whole milliseconds).
   * @default - none
   */
  readonly jitter?: Duration;
}

export interface PodNetworkLossProps extends NetworkFaultProps {
  /**
   * Share of packets dropped (`NETWORK_PACKET_LOSS_PERCENTAGE`).
   * @default 100
   */
  readonly packetLossPercent?: number;
}

export interface PodAutoscalerProps extends CommonFaultProps {
  /**
   * Replica count the workload is scaled to (`REPLICA_COUNT`).
   * @default 5
   */
  readonly replicaCount?: number;
}

export interface DiskFillProps extends CommonFaultProps, PodTargetingProps, RuntimeProps {
  /**
   * Share of the container's ephemeral-storage limit to fill (`FILL_PERCENTAGE`).
   * @default 80
   */
  readonly fillPercent?: number;
  /**
   * Size of each write, in kilobytes (`DATA_BLOCK_SIZE`).
   * @default 256
   */
  readonly dataBlockSizeKilobytes?: number;
}

export interface NodeDrainProps extends CommonFaultProps {
  /** The node to drain (`TARGET_NODE`); required by the fault. */
  readonly targetNode: string;
}

export interface NodeCpuHogProps extends CommonFaultProps {
  /**
   * Nodes to load (`TARGET_NODES`).
   * @default - nodes picked by `nodesAffectedPercent`
   */
  readonly targetNodes?: readonly string[];
  /**
   * Percentage of nodes to load (`NODES_AFFECTED_PERC`). 0 means one node.
   * @default - one node
   */
  readonly nodesAffectedPercent?: number;
  /**
   * Cores to load on each node (`NODE_CPU_CORE`).
   * @default - all cores
   */
  readonly cpuCores?: number;
  /**
   * Load per core, in percent (`CPU_LOAD`).
   * @default 100
   */
  readonly cpuLoadPercent?: number;
}

/** A fault with its tunables as a plain, serialisable object (for environment config). */
export type FaultSpec =
  | ({ readonly fault: FaultName.POD_DELETE } & PodDeleteProps)
  | ({ readonly fault: FaultName.CONTAINER_KILL } & ContainerKillProps)
  | ({ readonly fault: FaultName.POD_CPU_HOG } & PodCpuHogProps)
  | ({ readonly fault: FaultName.POD_MEMORY_HOG } & PodMemoryHogProps)
  | ({ readonly fault: FaultName.POD_NETWORK_LATENCY } & PodNetworkLatencyProps)
  | ({ readonly fault: FaultName.POD_NETWORK_LOSS } & PodNetworkLossProps)
  | ({ readonly fault: FaultName.POD_AUTOSCALER } & PodAutoscalerProps)
  | ({ readonly fault: FaultName.DISK_FILL } & DiskFillProps)
  | ({ readonly fault: FaultName.NODE_DRAIN } & NodeDrainProps)
  | ({ readonly fault: FaultName.NODE_CPU_HOG } & NodeCpuHogProps);

/** The keys of a props interface, each once: a compile error when a key is missing or unknown. */
type Keys<T> = { readonly [K in keyof Required<T>]: true };
const COMMON_KEYS: Keys<CommonFaultProps> = { totalChaosDuration: true, rampTime: true };
const TARGETING_KEYS: Keys<PodTargetingProps> = { podsAffectedPercent: true, sequence: true };
const RUNTIME_KEYS: Keys<RuntimeProps> = { runtime: true, socketPath: true };
const NETWORK_KEYS: Keys<NetworkFaultProps> = {
  ...COMMON_KEYS, ...TARGETING_KEYS, ...RUNTIME_KEYS, networkInterface: true, destinationIps: true, destinationHosts: true,
};

/**
 * The tunables each fault takes (its props' keys), checked at run time too: config written as plain data (the
 * environment table, JSON) is not type-checked, and a misspelt or foreign key would otherwise be silently ignored
 * (`forse: false` would leave FORCE=true).
 */
export const FAULT_TUNABLES: Readonly<Record<FaultName, readonly string[]>> = {
  [FaultName.POD_DELETE]: Object.keys({ ...COMMON_KEYS, ...TARGETING_KEYS, chaosInterval: true, force: true } satisfies Keys<PodDeleteProps>),
  [FaultName.CONTAINER_KILL]: Object.keys({
    ...COMMON_KEYS, ...TARGETING_KEYS, ...RUNTIME_KEYS, chaosInterval: true, signal: true, targetContainer: true,
  } satisfies Keys<ContainerKillProps>),
  [FaultName.POD_CPU_HOG]: Object.keys({
    ...COMMON_KEYS, ...TARGETING_KEYS, ...RUNTIME_KEYS, cpuCores: true, cpuLoadPercent: true,
  } satisfies Keys<PodCpuHogProps>),
  [FaultName.POD_MEMORY_HOG]: Object.keys({
    ...COMMON_KEYS, ...TARGETING_KEYS, ...RUNTIME_KEYS, memoryConsumptionMegabytes: true, workers: true,
  } satisfies Keys<PodMemoryHogProps>),
  [FaultName.POD_NETWORK_LATENCY]: Object.keys({ ...NETWORK_KEYS, latency: true, jitter: true } satisfies Keys<PodNetworkLatencyProps>),
  [FaultName.POD_NETWORK_LOSS]: Object.keys({ ...NETWORK_KEYS, packetLossPercent: true } satisfies Keys<PodNetworkLossProps>),
  [FaultName.POD_AUTOSCALER]: Object.keys({ ...COMMON_KEYS, replicaCount: true } satisfies Keys<PodAutoscalerProps>),
  [FaultName.DISK_FILL]: Object.keys({
    ...COMMON_KEYS, ...TARGETING_KEYS, ...RUNTIME_KEYS, fillPercent: true, dataBlockSizeKilobytes: true,
  } satisfies Keys<DiskFillProps>),
  [FaultName.NODE_DRAIN]: Object.keys({ ...COMMON_KEYS, targetNode: true } satisfies Keys<NodeDrainProps>),
  [FaultName.NODE_CPU_HOG]: Object.keys({
    ...COMMON_KEYS, targetNodes: true, nodesAffectedPercent: true, cpuCores: true, cpuLoadPercent: true,
  } satisfies Keys<NodeCpuHogProps>),
};

/** Where a key that `fault` does not take does belong, for the error message. */
function foreignKeyHint(fault: FaultName): (key: string) => string | undefined {
  return (key) => {
    const owners = FAULT_NAMES.filter((n) => n !== fault && FAULT_TUNABLES[n].includes(key));
    return owners.length === 0 ? undefined : `a tunable of ${owners.join(', ')}, not of ${fault}`;
  };
}

/** Throws unless `value` is a list; returns it. */
function assertList<T>(field: string, value: readonly T[]): readonly T[] {
  if (!Array.isArray(value as unknown)) throw new ValidationError(field, value, 'must be a list');
  return value;
}

/**
 * A fault from the catalogue with validated tunables: what a ChaosEngine runs. Build one with the static
 * factories (`Fault.podDelete({...})`) or from a plain spec (`Fault.of({ fault: 'pod-delete', ... })`).
 */
export class Fault {
  public static podDelete(props: PodDeleteProps = {}): Fault {
    const f = new Fault(FaultName.POD_DELETE, props);
    f.setSeconds('chaosInterval', 'CHAOS_INTERVAL', props.chaosInterval);
    f.setBool('force', 'FORCE', props.force);
    return f.finish();
  }

  public static containerKill(props: ContainerKillProps = {}): Fault {
    const f = new Fault(FaultName.CONTAINER_KILL, props);
    f.setSeconds('chaosInterval', 'CHAOS_INTERVAL', props.chaosInterval);
    if (props.signal !== undefined) f.env.SIGNAL = assertOneOf(f.field('signal'), props.signal, ['SIGKILL', 'SIGTERM']);
    if (props.targetContainer !== undefined) {
      // A container name is a DNS-1123 label.
      f.env.TARGET_CONTAINER = assertDnsLabel(f.field('targetContainer'), props.targetContainer);
    }
    return f.finish();
  }

  public static podCpuHog(props: PodCpuHogProps = {}): Fault {
    const f = new Fault(FaultName.POD_CPU_HOG, props);
    f.setInt('cpuCores', 'CPU_CORES', props.cpuCores, 1, 64, 'cores');
    f.setPercent('cpuLoadPercent', 'CPU_LOAD', props.cpuLoadPercent);
    return f.finish();
  }

  public static podMemoryHog(props: PodMemoryHogProps = {}): Fault {
    const f = new Fault(FaultName.POD_MEMORY_HOG, props);
    f.setInt('memoryConsumptionMegabytes', 'MEMORY_CONSUMPTION', props.memoryConsumptionMegabytes, 1, 1_000_000, 'megabytes');
    f.setInt('workers', 'NUMBER_OF_WORKERS', props.workers, 1, 64);
    return f.finish();
  }

  public static podNetworkLatency(props: PodNetworkLatencyProps = {}): Fault {
    const f = new Fault(FaultName.POD_NETWORK_LATENCY, props);
    f.setNetwork(props);
    f.setMillis('latency', 'NETWORK_LATENCY', props.latency);
    f.setMillis('jitter', 'JITTER', props.jitter, true);
    return f.finish();
  }

  public static podNetworkLoss(props: PodNetworkLossProps = {}): Fault {
    const f = new Fault(FaultName.POD_NETWORK_LOSS, props);
    f.setNetwork(props);
    f.setPercent('packetLossPercent', 'NETWORK_PACKET_LOSS_PERCENTAGE', props.packetLossPercent);
    return f.finish();
  }

  public static podAutoscaler(props: PodAutoscalerProps = {}): Fault {
    const f = new Fault(FaultName.POD_AUTOSCALER, props);
    f.setInt('replicaCount', 'REPLICA_COUNT', props.replicaCount, 1, 1000, 'replicas');
    return f.finish();
  }

  public static diskFill(props: DiskFillProps = {}): Fault {
    const f = new Fault(FaultName.DISK_FILL, props);
    f.setPercent('fillPercent', 'FILL_PERCENTAGE', props.fillPercent);
    f.setInt('dataBlockSizeKilobytes', 'DATA_BLOCK_SIZE', props.dataBlockSizeKilobytes, 1, 1_048_576, 'kilobytes');
    return f.finish();
  }

  public static nodeDrain(props: NodeDrainProps): Fault {
    const f = new Fault(FaultName.NODE_DRAIN, props);
    if (props.targetNode === undefined || props.targetNode === '') {
      throw new ValidationError(f.field('targetNode'), props.targetNode, 'must name the node to drain');
    }
    // Node names are DNS-1123 subdomains.
    f.env.TARGET_NODE = assertDnsSubdomain(f.field('targetNode'), props.targetNode);
    return f.finish();
  }

  public static nodeCpuHog(props: NodeCpuHogProps = {}): Fault {
    const f = new Fault(FaultName.NODE_CPU_HOG, props);
    if (props.targetNodes !== undefined) {
      const nodes = assertList(f.field('targetNodes'), props.targetNodes);
      if (nodes.length === 0) throw new ValidationError(f.field('targetNodes'), nodes, 'must name at least one node (or leave it out)');
      nodes.forEach((n, i) => assertDnsSubdomain(f.field(`targetNodes[${i}]`), n));
      if (new Set(nodes).size !== nodes.length) throw new ValidationError(f.field('targetNodes'), nodes, 'must not repeat a node');
      f.env.TARGET_NODES = nodes.join(',');
    }
    if (props.nodesAffectedPercent !== undefined) {
      f.env.NODES_AFFECTED_PERC = String(assertPercentage(f.field('nodesAffectedPercent'), props.nodesAffectedPercent));
    }
    f.setInt('cpuCores', 'NODE_CPU_CORE', props.cpuCores, 1, 256, 'cores');
    f.setPercent('cpuLoadPercent', 'CPU_LOAD', props.cpuLoadPercent);
    return f.finish();
  }

  /**
   * Builds a fault from a plain spec, e.g. from environment config; an unknown fault name is rejected.
   * `defaultRuntime` applies to faults that act through the container runtime and name none themselves.
   */
  public static of(given: FaultSpec, defaultRuntime?: ContainerRuntime): Fault {
    const name = assertOneOf('fault', assertObject('fault', given).fault as FaultName, FAULT_NAMES);
    // Only faults that act through the container runtime take one; others would reject it as a foreign key.
    const runtime = FAULT_TUNABLES[name].includes('runtime') ? (given as RuntimeProps).runtime ?? defaultRuntime : undefined;
    const spec = (runtime === undefined ? given : { ...given, runtime }) as FaultSpec;
    switch (spec.fault) {
      case FaultName.POD_DELETE: return Fault.podDelete(spec);
      case FaultName.CONTAINER_KILL: return Fault.containerKill(spec);
      case FaultName.POD_CPU_HOG: return Fault.podCpuHog(spec);
      case FaultName.POD_MEMORY_HOG: return Fault.podMemoryHog(spec);
      case FaultName.POD_NETWORK_LATENCY: return Fault.podNetworkLatency(spec);
      case FaultName.POD_NETWORK_LOSS: return Fault.podNetworkLoss(spec);
      case FaultName.POD_AUTOSCALER: return Fault.podAutoscaler(spec);
      case FaultName.DISK_FILL: return Fault.diskFill(spec);
      case FaultName.NODE_DRAIN: return Fault.nodeDrain(spec);
      case FaultName.NODE_CPU_HOG: return Fault.nodeCpuHog(spec);
    }
    throw new ValidationError('fault', name, `must be one of ${FAULT_NAMES.join(', ')}`);
  }

  /** The fault's static facts. */
  public readonly definition: FaultDefinition;
  /** Env values the engine sets (tunables given, with defaults filled in for durations), in a stable order. */
  private readonly env: Record<string, string> = {};
  private readonly common: CommonFaultProps & PodTargetingProps & RuntimeProps;

  private constructor(public readonly name: FaultName, props: (CommonFaultProps & PodTargetingProps & RuntimeProps) | FaultSpec) {
    this.definition = FAULT_DEFINITIONS[name];
    const { fault, ...tunables } = props as Partial<FaultSpec>;
    if (fault !== undefined && fault !== name) throw new ValidationError(`${name}.fault`, fault, `must be '${name}' (or left out)`);
    assertKnownKeys(name, tunables, FAULT_TUNABLES[name], `tunable of ${name}`, foreignKeyHint(name));
    this.common = tunables;
  }

  /** Whether the fault hits pods or nodes. */
  public get level(): FaultLevel {
    return this.definition.level;
  }

  /** The chaos duration in seconds (the engine's explicit value, or the upstream default). */
  public get totalChaosDurationSeconds(): number {
    return Number(this.env.TOTAL_CHAOS_DURATION);
  }

  /** The ramp time in seconds (0 when none). */
  public get rampTimeSeconds(): number {
    return Number(this.env.RAMP_TIME ?? '0');
  }

  /**
   * The share of target pods affected, for blast-radius checks: `undefined` means the fault's built-in choice
   * (one pod) or that it does not pick pods by share.
   */
  public get podsAffectedPercent(): number | undefined {
    return this.common.podsAffectedPercent;
  }

  /** The env the engine passes to the experiment (`experiments[].spec.components.env`). */
  public envVars(): { name: string; value: string }[] {
    return Object.entries(this.env).map(([name, value]) => ({ name, value }));
  }

  private field(prop: string): string {
    return `${this.name}.${prop}`;
  }

  private finish(): Fault {
    const p = this.common;
    const seconds = wholeSeconds(this.field('totalChaosDuration'), p.totalChaosDuration
      ?? Duration.seconds(Number(this.definition.defaults.TOTAL_CHAOS_DURATION)));
    this.env.TOTAL_CHAOS_DURATION = String(seconds);
    if (p.rampTime !== undefined) this.env.RAMP_TIME = String(wholeSeconds(this.field('rampTime'), p.rampTime, { allowZero: true }));
    const interval = this.env.CHAOS_INTERVAL;
    if (interval !== undefined && Number(interval) > seconds) {
      throw new ValidationError(this.field('chaosInterval'), Duration.seconds(Number(interval)),
        `must not exceed totalChaosDuration (${seconds}s)`);
    }
    if ('PODS_AFFECTED_PERC' in this.definition.defaults) {
      if (p.podsAffectedPercent !== undefined) {
        this.env.PODS_AFFECTED_PERC = String(assertPercentage(this.field('podsAffectedPercent'), p.podsAffectedPercent));
      }
      if (p.sequence !== undefined) this.env.SEQUENCE = assertOneOf(this.field('sequence'), p.sequence, Object.values(Sequence));
    }
    if ('CONTAINER_RUNTIME' in this.definition.defaults) {
      const runtime = assertOneOf(this.field('runtime'), p.runtime ?? ContainerRuntime.CONTAINERD, Object.values(ContainerRuntime));
      const socket = p.socketPath ?? DEFAULT_SOCKET_PATHS[runtime];
      if (typeof socket !== 'string' || !socket.startsWith('/')) throw new ValidationError(this.field('socketPath'), socket, 'must be an absolute path on the node');
      this.env.CONTAINER_RUNTIME = runtime;
      this.env.SOCKET_PATH = socket;
    }
    return this;
  }

  private setSeconds(prop: string, env: string, value: Duration | undefined): void {
    const d = value ?? Duration.seconds(Number(this.definition.defaults[env]));
    this.env[env] = String(wholeSeconds(this.field(prop), d));
  }

  private setMillis(prop: string, env: string, value: Duration | undefined, allowZero = false): void {
    if (value === undefined) return;
    const ms = durationMillis(this.field(prop), value, { allowZero });
    if (!Number.isInteger(ms)) {
      throw new ValidationError(this.field(prop), value, `must be a whole number of milliseconds${allowZero ? ', 0 or more' : ' greater than zero'}`);
    }
    this.env[env] = String(ms);
  }

  private setInt(prop: string, env: string, value: number | undefined, min: number, max: number, unit = ''): void {
    if (value !== undefined) this.env[env] = String(assertIntegerInRange(this.field(prop), value, min, max, unit));
  }

  private setPercent(prop: string, env: string, value: number | undefined): void {
    if (value !== undefined) this.env[env] = String(assertPercentage(this.field(prop), value));
  }

  private setBool(prop: string, env: string, value: boolean | undefined): void {
    if (value === undefined) return;
    if (typeof value !== 'boolean') throw new ValidationError(this.field(prop), value, 'must be true or false');
    this.env[env] = String(value);
  }

  private setNetwork(props: NetworkFaultProps): void {
    if (props.networkInterface !== undefined) {
      if (typeof props.networkInterface !== 'string' || !/^[a-zA-Z0-9._-]{1,15}$/.test(props.networkInterface)) {
        throw new ValidationError(this.field('networkInterface'), props.networkInterface, 'must be a Linux interface name (1 to 15 characters)');
      }
      this.env.NETWORK_INTERFACE = props.networkInterface;
    }
    if (props.destinationIps !== undefined) {
      const ips = assertList(this.field('destinationIps'), props.destinationIps);
      ips.forEach((ip, i) => assertIpOrCidr(this.field(`destinationIps[${i}]`), ip));
      this.env.DESTINATION_IPS = ips.join(',');
    }
    if (props.destinationHosts !== undefined) {
      const hosts = assertList(this.field('destinationHosts'), props.destinationHosts);
      hosts.forEach((h, i) => assertDnsSubdomain(this.field(`destinationHosts[${i}]`), h));
      this.env.DESTINATION_HOSTS = hosts.join(',');
    }
  }
}
