/**
 * The typed environment table: the one place where an environment name becomes typed props. The cdk8s entry
 * and the Pulumi program both build their stacks from these objects.
 */
import { Duration } from 'cdk8s';
import { type BlastRadiusProps } from '../constructs/litmus/blast-radius';
import { JobCleanUpPolicy } from '../constructs/litmus/engine';
import { ContainerRuntime, FaultName, type FaultSpec } from '../constructs/litmus/faults';
import { type ClusterNetworkProps } from '../constructs/network-policy';
import { type LatencyObjective } from '../constructs/slo/slo';
import { type AutoscalingProps, ServiceType } from '../constructs/target-app';
import { assertKnownKeys, assertObject, assertOneOf, durationMillis, ValidationError } from '../lib/validation';

/** The environments the stack is deployed to, one Pulumi stack and one dist/ folder each. */
export enum Environment {
  DEV = 'dev',
  STAGING = 'staging',
  PROD = 'prod',
}

export const ENVIRONMENTS: readonly Environment[] = Object.values(Environment);

/** One experiment of an environment: a fault with its tunables, run against the app with the frontend probe. */
export interface ExperimentConfig {
  /** The fault and its tunables. `runtime` defaults to the environment's. */
  readonly fault: FaultSpec;
  /**
   * What happens to the experiment Job after the run.
   * @default JobCleanUpPolicy.DELETE
   */
  readonly jobCleanUpPolicy?: JobCleanUpPolicy;
  /**
   * Interval of the frontend probe.
   * @default Duration.seconds(5)
   */
  readonly probeInterval?: Duration;
}

/** A service level objective judged from a load test run beside every experiment of the environment. */
export interface SloConfig {
  /**
   * Highest acceptable share of failed requests, in percent (exclusive).
   * @default 2
   */
  readonly maxErrorPercent?: number;
  /**
   * Optional latency objective.
   * @default - none
   */
  readonly latency?: LatencyObjective;
  /**
   * Concurrent virtual users of the load test.
   * @default 200
   */
  readonly virtualUsers?: number;
}

/** The namespaces of an environment, by role. */
export interface EnvironmentNamespaces {
  /** The app under chaos (Pod Security `restricted`). */
  readonly app: string;
  /** The chaos machinery: Litmus operator, engines, experiments, load tests (`privileged`: Litmus helpers need it). */
  readonly chaos: string;
  /** Monitoring: Prometheus, Alertmanager, Grafana, prometheus-operator, kube-state-metrics (`restricted`). */
  readonly monitoring: string;
  /**
   * node-exporter alone (`privileged`: it reads the host's /proc, /sys and root filesystem on the host network).
   * @default - `<monitoring>-node`
   */
  readonly monitoringNode?: string;
}

/** Everything that differs between environments. */
export interface EnvironmentConfig {
  readonly environment: Environment;
  /** Namespace names: the app's, the chaos machinery's and monitoring's. */
  readonly namespaces: EnvironmentNamespaces;
  /** How the app Service is exposed. */
  readonly appServiceType: ServiceType;
  /**
   * The app's autoscaling bounds.
   * @default - 2 to 10 replicas at 50 % CPU
   */
  readonly appAutoscaling?: AutoscalingProps;
  /**
   * The app's liveness probe period.
   * @default Duration.seconds(5)
   */
  readonly appLivenessPeriod?: Duration;
  /** The nodes' container runtime, for faults that act through it. */
  readonly runtime: ContainerRuntime;
  /** The experiments run against the app. */
  readonly experiments: readonly ExperimentConfig[];
  /** Limits every engine is checked against. */
  readonly blastRadius: BlastRadiusProps;
  /**
   * Identifies one run of the chaos; engines are named `<app>-<fault>-<runId>` so a new id starts a new run.
   * @default - engines named `<app>-<fault>`
   */
  readonly runId?: string;
  /**
   * The SLO every experiment is judged by, with a load test beside it; its probe joins the engine's verdict.
   * @default - no SLO: verdicts come from the frontend probe and Litmus's checks alone
   */
  readonly slo?: SloConfig;
  /**
   * Where the API server and the nodes are, for the network policies (both are cluster-specific).
   * @default - any address, on the API server's ports (443, 6443) and the scraped node ports only
   */
  readonly network?: ClusterNetworkProps;
}

/** The keys of a config interface, each once: a compile error when a key is missing or unknown. */
type Keys<T> = { readonly [K in keyof Required<T>]: true };
const keys = <T>(k: Keys<T>): string[] => Object.keys(k);
const ENVIRONMENT_KEYS = keys<EnvironmentConfig>({
  environment: true, namespaces: true, appServiceType: true, appAutoscaling: true, appLivenessPeriod: true, runtime: true,
  experiments: true, blastRadius: true, runId: true, slo: true, network: true,
});
const NETWORK_KEYS = keys<ClusterNetworkProps>({ apiServerCidrs: true, apiServerPorts: true, nodeCidrs: true, dns: true });
const NAMESPACE_KEYS = keys<EnvironmentNamespaces>({ app: true, chaos: true, monitoring: true, monitoringNode: true });
const EXPERIMENT_KEYS = keys<ExperimentConfig>({ fault: true, jobCleanUpPolicy: true, probeInterval: true });
const SLO_KEYS = keys<SloConfig>({ maxErrorPercent: true, latency: true, virtualUsers: true });
const LATENCY_KEYS = keys<LatencyObjective>({ percentile: true, below: true });
const BLAST_RADIUS_KEYS = keys<BlastRadiusProps>({ allowedNamespaces: true, maxPodsAffectedPercent: true, allowNodeFaults: true });
const AUTOSCALING_KEYS = keys<AutoscalingProps>({ minReplicas: true, maxReplicas: true, targetCpuUtilizationPercent: true });

/**
 * Checks the shape of an environment config at run time: the table is plain data (and synth runs through tsx
 * without type checks), so an unknown or misspelt key, a missing experiment list or a value of the wrong kind is
 * rejected here, naming the field, instead of silently falling back to a default. The values themselves are
 * checked by the constructs they go to (faults by `Fault.of`, names by the namespaces, and so on).
 */
export function checkEnvironmentConfig(config: EnvironmentConfig): EnvironmentConfig {
  assertKnownKeys('environment config', config, ENVIRONMENT_KEYS, 'key of an environment config');
  assertOneOf('environment', config.environment, ENVIRONMENTS);
  assertKnownKeys('namespaces', config.namespaces, NAMESPACE_KEYS, 'namespace of an environment');
  assertOneOf('appServiceType', config.appServiceType, Object.values(ServiceType));
  assertOneOf('runtime', config.runtime, Object.values(ContainerRuntime));
  if (config.appAutoscaling !== undefined) assertKnownKeys('appAutoscaling', config.appAutoscaling, AUTOSCALING_KEYS, 'autoscaling setting');
  if (config.appLivenessPeriod !== undefined) durationMillis('appLivenessPeriod', config.appLivenessPeriod);
  assertKnownKeys('blastRadius', config.blastRadius, BLAST_RADIUS_KEYS, 'blast radius setting');
  if (config.network !== undefined) assertKnownKeys('network', config.network, NETWORK_KEYS, 'network setting');
  if (config.runId !== undefined && typeof config.runId !== 'string') {
    throw new ValidationError('runId', config.runId, 'must be a string (a DNS-1123 label)');
  }
  if (config.slo !== undefined) {
    assertKnownKeys('slo', config.slo, SLO_KEYS, 'setting of an SLO');
    if (config.slo.latency !== undefined) assertKnownKeys('slo.latency', config.slo.latency, LATENCY_KEYS, 'setting of a latency objective');
  }
  if (!Array.isArray(config.experiments as unknown) || config.experiments.length === 0) {
    throw new ValidationError('experiments', config.experiments, 'must list at least one experiment (a fault and its tunables)');
  }
  config.experiments.forEach((exp, i) => {
    assertKnownKeys(`experiments[${i}]`, exp, EXPERIMENT_KEYS, 'setting of an experiment');
    assertObject(`experiments[${i}].fault`, exp.fault);
    if (exp.jobCleanUpPolicy !== undefined) assertOneOf(`experiments[${i}].jobCleanUpPolicy`, exp.jobCleanUpPolicy, Object.values(JobCleanUpPolicy));
    if (exp.probeInterval !== undefined) durationMillis(`experiments[${i}].probeInterval`, exp.probeInterval);
  });
  return config;
}

const NAMESPACES = { app: 'testing', chaos: 'litmus', monitoring: 'monitoring' } as const;

/**
 * dev: the workshop's minikube (docker runtime and socket), its six experiments with its values, the app behind a
 * LoadBalancer. Node-level faults are allowed (the cluster is disposable) but none runs by default.
 */
const DEV: EnvironmentConfig = {
  environment: Environment.DEV,
  namespaces: NAMESPACES,
  appServiceType: ServiceType.LOAD_BALANCER,
  runtime: ContainerRuntime.DOCKER,
  blastRadius: { allowedNamespaces: [NAMESPACES.app], maxPodsAffectedPercent: 100, allowNodeFaults: true },
  // The workshop's load test: 200 users for the length of each experiment, under 2 % failed requests.
  slo: { maxErrorPercent: 2, virtualUsers: 200 },
  experiments: [
    {
      fault: { fault: FaultName.CONTAINER_KILL, chaosInterval: Duration.seconds(10), totalChaosDuration: Duration.seconds(20) },
      jobCleanUpPolicy: JobCleanUpPolicy.DELETE,
    },
    {
      fault: { fault: FaultName.POD_AUTOSCALER, totalChaosDuration: Duration.seconds(60), replicaCount: 10 },
      jobCleanUpPolicy: JobCleanUpPolicy.RETAIN,
    },
    {
      fault: { fault: FaultName.POD_CPU_HOG, cpuCores: 1, totalChaosDuration: Duration.seconds(60), podsAffectedPercent: 0 },
      jobCleanUpPolicy: JobCleanUpPolicy.RETAIN,
    },
    {
      fault: { fault: FaultName.POD_MEMORY_HOG, memoryConsumptionMegabytes: 500, totalChaosDuration: Duration.seconds(120) },
      jobCleanUpPolicy: JobCleanUpPolicy.RETAIN,
    },
    {
      fault: {
        fault: FaultName.POD_DELETE, totalChaosDuration: Duration.seconds(30), chaosInterval: Duration.seconds(5),
        force: false, podsAffectedPercent: 2,
      },
      jobCleanUpPolicy: JobCleanUpPolicy.DELETE,
    },
    {
      fault: {
        fault: FaultName.POD_NETWORK_LOSS, networkInterface: 'eth0', packetLossPercent: 100, totalChaosDuration: Duration.seconds(60),
      },
      jobCleanUpPolicy: JobCleanUpPolicy.DELETE,
      probeInterval: Duration.seconds(1),
    },
  ],
};

/** staging: containerd, ClusterIP, half of the pods at most, no node-level faults. */
const STAGING: EnvironmentConfig = {
  environment: Environment.STAGING,
  namespaces: NAMESPACES,
  appServiceType: ServiceType.CLUSTER_IP,
  appAutoscaling: { minReplicas: 3, maxReplicas: 10, targetCpuUtilizationPercent: 50 },
  runtime: ContainerRuntime.CONTAINERD,
  blastRadius: { allowedNamespaces: [NAMESPACES.app], maxPodsAffectedPercent: 50, allowNodeFaults: false },
  slo: { maxErrorPercent: 1, latency: { percentile: 95, below: Duration.millis(500) }, virtualUsers: 50 },
  experiments: [
    {
      fault: {
        fault: FaultName.POD_DELETE, totalChaosDuration: Duration.seconds(60), chaosInterval: Duration.seconds(10),
        force: false, podsAffectedPercent: 50,
      },
    },
    {
      fault: {
        fault: FaultName.CONTAINER_KILL, totalChaosDuration: Duration.seconds(30), chaosInterval: Duration.seconds(10), podsAffectedPercent: 50,
      },
    },
    { fault: { fault: FaultName.POD_CPU_HOG, totalChaosDuration: Duration.seconds(60), cpuCores: 1, podsAffectedPercent: 50 } },
    {
      fault: {
        fault: FaultName.POD_MEMORY_HOG, totalChaosDuration: Duration.seconds(60), memoryConsumptionMegabytes: 128, podsAffectedPercent: 50,
      },
    },
    {
      fault: {
        fault: FaultName.POD_NETWORK_LATENCY, totalChaosDuration: Duration.seconds(60), latency: Duration.millis(300),
        jitter: Duration.millis(50), podsAffectedPercent: 50,
      },
    },
  ],
};

/** prod: containerd, a quarter of the pods at most, two gentle faults, no node-level faults. */
const PROD: EnvironmentConfig = {
  environment: Environment.PROD,
  namespaces: NAMESPACES,
  appServiceType: ServiceType.CLUSTER_IP,
  appAutoscaling: { minReplicas: 4, maxReplicas: 10, targetCpuUtilizationPercent: 50 },
  appLivenessPeriod: Duration.seconds(2),
  runtime: ContainerRuntime.CONTAINERD,
  blastRadius: { allowedNamespaces: [NAMESPACES.app], maxPodsAffectedPercent: 25, allowNodeFaults: false },
  experiments: [
    {
      fault: {
        fault: FaultName.POD_DELETE, totalChaosDuration: Duration.seconds(30), chaosInterval: Duration.seconds(10),
        force: false, podsAffectedPercent: 25,
      },
    },
    {
      fault: {
        fault: FaultName.POD_NETWORK_LATENCY, totalChaosDuration: Duration.seconds(30), latency: Duration.millis(100), podsAffectedPercent: 25,
      },
    },
  ],
};

const TABLE: Readonly<Record<Environment, EnvironmentConfig>> = {
  [Environment.DEV]: DEV,
  [Environment.STAGING]: STAGING,
  [Environment.PROD]: PROD,
};

/** The config of an environment, by name; an unknown name is rejected with the allowed ones. */
export function environmentConfig(name: string): EnvironmentConfig {
  return TABLE[assertOneOf('environment', name as Environment, ENVIRONMENTS)];
}
