/**
 * The scaled workload of `npm run bench`: N targets x the ten faults, each target/fault pair with its least-privilege
 * identity, probes, k6 load test and SLO rules, in one ChaosStack.
 *
 * `scaledConfig(n)` is the environment: the sample app plus n - 1 workloads of your own (`targets`, in namespace
 * `shop`), and a plan of one step per target and fault. `buildScaledStack` is the one adapter from that config to a
 * stack: `new ChaosStack(app, id, { config })`. The stack creates no objects for workloads of your own (other
 * pipelines deploy them), so per target it adds the experiments' identities, engines, load tests and rules.
 */
import { type App, Duration } from 'cdk8s';
import { ContainerRuntime, FaultName, type FaultSpec } from '../../constructs/litmus/faults';
import { AppKind, ServiceType } from '../../constructs/target-app';
import { type StackLayer } from '../../lib/stack';
import { ChaosStack } from '../../stacks/chaos-stack';
import { Environment, type EnvironmentConfig, SAMPLE_APP_TARGET, type WorkloadTargetConfig } from '../../stacks/environments';

/** The ten faults, each with the tunables it needs and short durations. */
export const BENCH_FAULTS: readonly FaultSpec[] = [
  { fault: FaultName.POD_DELETE, totalChaosDuration: Duration.seconds(30) },
  { fault: FaultName.CONTAINER_KILL, totalChaosDuration: Duration.seconds(20) },
  { fault: FaultName.POD_CPU_HOG, cpuCores: 1, totalChaosDuration: Duration.seconds(60) },
  { fault: FaultName.POD_MEMORY_HOG, memoryConsumptionMegabytes: 200, totalChaosDuration: Duration.seconds(60) },
  { fault: FaultName.POD_NETWORK_LATENCY, totalChaosDuration: Duration.seconds(60) },
  { fault: FaultName.POD_NETWORK_LOSS, totalChaosDuration: Duration.seconds(60) },
  { fault: FaultName.POD_AUTOSCALER, replicaCount: 4, totalChaosDuration: Duration.seconds(60) },
  { fault: FaultName.DISK_FILL, totalChaosDuration: Duration.seconds(60) },
  { fault: FaultName.NODE_DRAIN, targetNode: 'worker-1', totalChaosDuration: Duration.seconds(60) },
  { fault: FaultName.NODE_CPU_HOG, totalChaosDuration: Duration.seconds(60) },
];

/** The namespace of the workloads of your own. */
const WORKLOADS = 'shop';

/** What the bench synthesizes: an environment whose plan runs every fault against each of its targets. */
export interface ScaledConfig {
  readonly environment: EnvironmentConfig;
  /** Targets: the sample app and `app-1` .. `app-<n-1>`. */
  readonly targets: number;
}

/** N targets x the ten faults, with an SLO (so every engine has its load test and rules). */
export function scaledConfig(targets: number): ScaledConfig {
  if (!Number.isInteger(targets) || targets < 1) throw new Error(`targets must be a whole number of at least 1, got ${targets}`);
  const namespaces = { app: 'testing', chaos: 'litmus', monitoring: 'monitoring' };
  const workloads: WorkloadTargetConfig[] = Array.from({ length: targets - 1 }, (_, i) => ({
    name: `app-${i + 1}`, namespace: WORKLOADS, kind: AppKind.DEPLOYMENT,
    selector: { key: 'app', value: `app-${i + 1}` }, service: { name: `app-${i + 1}`, port: 80 },
  }));
  const names = [SAMPLE_APP_TARGET, ...workloads.map((w) => w.name)];
  return {
    targets,
    environment: {
      environment: Environment.DEV,
      namespaces,
      appServiceType: ServiceType.CLUSTER_IP,
      runtime: ContainerRuntime.CONTAINERD,
      blastRadius: { allowedNamespaces: [namespaces.app, WORKLOADS], maxPodsAffectedPercent: 100, allowNodeFaults: true },
      slo: { maxErrorPercent: 2, virtualUsers: 50 },
      ...(workloads.length > 0 ? { targets: workloads } : {}),
      plan: { steps: names.flatMap((target) => BENCH_FAULTS.map((fault) => ({ experiment: { target, fault } }))) },
    },
  };
}

/** ADAPTER (config in, stack out): the only function that knows how the scaled config becomes a stack. */
export function buildScaledStack(app: App, config: ScaledConfig): { readonly layers: readonly StackLayer[] } {
  return new ChaosStack(app, 'bench', { config: config.environment });
}
