/**
 * The scaled workload of `npm run bench`: N targets x the ten faults, each target/fault pair with its least-privilege
 * identity, probes, k6 load test and SLO rules, in one stack of five layers.
 *
 * `scaledConfig(n)` is the config; `buildScaledStack` is the one adapter from config to stack. Until the environment
 * config has `targets` and a `plan` (issue 14), the adapter builds a ChaosStack for the first target (namespaces,
 * operator, monitoring, network policies and its ten engines) and adds every further target with the same
 * constructs ChaosStack uses (TargetApplication, ExperimentRbac, ChaosEngine, LoadGenerator, ServiceLevelObjective,
 * the frontend probe), sharing the stack's ChaosExperiments. What it does not add for the further targets: their
 * network flows. When the new config lands, the adapter becomes `new ChaosStack(app, id, { config })`.
 */
import { type App, Duration } from 'cdk8s';
import { ChaosEngine } from '../../constructs/litmus/engine';
import { ChaosExperiment } from '../../constructs/litmus/experiment';
import { ContainerRuntime, Fault, FaultName, type FaultSpec } from '../../constructs/litmus/faults';
import { Probe } from '../../constructs/litmus/probes';
import { ExperimentRbac } from '../../constructs/litmus/rbac';
import { LoadGenerator } from '../../constructs/slo/load-generator';
import { ServiceLevelObjective } from '../../constructs/slo/slo';
import { ServiceType, TargetApplication } from '../../constructs/target-app';
import { BlastRadius } from '../../constructs/litmus/blast-radius';
import { type StackLayer } from '../../lib/stack';
import { ChaosStack } from '../../stacks/chaos-stack';
import { Environment, type EnvironmentConfig } from '../../stacks/environments';

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

/** What the bench synthesizes: an environment and how many targets each fault runs against. */
export interface ScaledConfig {
  /** The environment: namespaces, runtime, blast radius, SLO and the ten experiments. */
  readonly environment: EnvironmentConfig;
  /** Targets, each a TargetApplication named `app-sample` (the first) or `app-<i>`. */
  readonly targets: number;
}

/** N targets x the ten faults, with an SLO (so every engine has its load test and rules). */
export function scaledConfig(targets: number): ScaledConfig {
  if (!Number.isInteger(targets) || targets < 1) throw new Error(`targets must be a whole number of at least 1, got ${targets}`);
  const namespaces = { app: 'testing', chaos: 'litmus', monitoring: 'monitoring' };
  return {
    targets,
    environment: {
      environment: Environment.DEV,
      namespaces,
      appServiceType: ServiceType.CLUSTER_IP,
      runtime: ContainerRuntime.CONTAINERD,
      blastRadius: { allowedNamespaces: [namespaces.app], maxPodsAffectedPercent: 100, allowNodeFaults: true },
      slo: { maxErrorPercent: 2, virtualUsers: 50 },
      experiments: BENCH_FAULTS.map((fault) => ({ fault })),
    },
  };
}

/**
 * ADAPTER (config in, stack out): the only function that knows how the scaled config becomes a stack. Switch it to
 * `new ChaosStack(app, 'bench', { config })` once the environment config declares targets and a plan (issue 14).
 */
export function buildScaledStack(app: App, config: ScaledConfig): { readonly layers: readonly StackLayer[] } {
  const stack = new ChaosStack(app, 'bench', { config: config.environment });
  const c = stack.charts;
  const env = config.environment;
  const experiments = new Map(c.experiments.node.findAll()
    .filter((x): x is ChaosExperiment => x instanceof ChaosExperiment).map((e) => [e.name, e]));
  const prometheus = stack.monitoring.prometheus;
  const blastRadius = new BlastRadius(env.blastRadius);
  for (let i = 1; i < config.targets; i++) {
    const target = new TargetApplication(c.workloads, `App-${i}`, {
      namespace: stack.namespaces.app, name: `app-${i}`, serviceType: env.appServiceType,
    });
    for (const spec of env.experiments) {
      const fault = Fault.of(spec.fault, env.runtime);
      const id = `${i}-${fault.name}`;
      const engineName = ChaosEngine.defaultName(target, fault);
      const probes = [Probe.frontendAccess(target)];
      if (env.slo !== undefined) {
        const load = new LoadGenerator(c.engines, `Load-${id}`, {
          name: `${engineName}-load`, target, namespace: stack.namespaces.chaos, prometheus,
          virtualUsers: env.slo.virtualUsers,
          duration: Duration.seconds(fault.totalChaosDurationSeconds + 2 * fault.rampTimeSeconds),
        });
        const slo = new ServiceLevelObjective(c.engines, `Slo-${id}`, {
          name: `${target.name}-${fault.name}`, load, prometheus, namespace: stack.namespaces.chaos,
          maxErrorPercent: env.slo.maxErrorPercent, ruleLabels: prometheus.ruleLabels,
        });
        probes.push(...slo.probes());
      }
      const serviceAccount = new ExperimentRbac(c.experiments, `Rbac-${id}`, {
        name: `${target.name}-${fault.name}-sa`, chaosNamespace: stack.namespaces.chaos, targetNamespace: stack.namespaces.app,
        fault: fault.definition, probes,
      });
      const experiment = experiments.get(fault.name);
      if (experiment === undefined) throw new Error(`the stack has no ChaosExperiment for ${fault.name}`);
      new ChaosEngine(c.engines, `Engine-${id}`, {
        experiment, fault, target, serviceAccount, probes, context: env.environment, blastRadius,
      });
    }
  }
  return stack;
}
