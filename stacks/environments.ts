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
import { AppKind, type AutoscalingProps, ServiceType } from '../constructs/target-app';
import { DEFAULT_WEIGHT, MAX_WEIGHT, MIN_WEIGHT } from '../lib/plan';
import {
  assertDnsLabel, assertIntegerInRange, assertKnownKeys, assertObject, assertOneOf, durationMillis, ValidationError,
} from '../lib/validation';

/** The environments the stack is deployed to, one Pulumi stack and one dist/ folder each. */
export enum Environment {
  DEV = 'dev',
  STAGING = 'staging',
  PROD = 'prod',
}

export const ENVIRONMENTS: readonly Environment[] = Object.values(Environment);

/** The built-in target: the sample app (nginx, its Service and HPA) the stack deploys itself. */
export const SAMPLE_APP_TARGET = 'app-sample';

/** The Service in front of a workload of your own: what probes and load tests address. */
export interface TargetServiceConfig {
  /** The Service's name. */
  readonly name: string;
  /** The Service port probes and load tests send to. */
  readonly port: number;
  /**
   * The port the pods listen on (the Service's `targetPort`), which the network policies open.
   * @default - `port`
   */
  readonly targetPort?: number;
}

/**
 * A workload other pipelines deploy, as a chaos target: found by namespace, kind and one selector label, reached
 * through its Service. The stack creates none of its objects (only the experiments' Role in its namespace).
 */
export interface WorkloadTargetConfig {
  /** The target's name in the plan (`experiment.target`) and in engine names (`<name>-<fault>`): a DNS-1123 label. */
  readonly name: string;
  /** Its namespace: inside the blast radius, and not one of the namespaces the stack creates. */
  readonly namespace: string;
  readonly kind: AppKind;
  /** The label that selects its pods (Litmus `appinfo.applabel`). */
  readonly selector: { readonly key: string; readonly value: string };
  readonly service: TargetServiceConfig;
}

/** One experiment of a plan: a fault with its tunables, aimed at a target, with the frontend probe on its Service. */
export interface ExperimentConfig {
  /**
   * The target's name: `app-sample` or one of the environment's `targets`.
   * @default SAMPLE_APP_TARGET
   */
  readonly target?: string;
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

/** What every step of a plan may set. */
export interface StepSettings {
  /**
   * How much the step's experiments count in the resilience score: 1 to 10.
   * @default 10
   */
  readonly weight?: number;
  /**
   * Whether a failure of this step leaves the later steps not run.
   * @default - the plan's `stopOnFailure`
   */
  readonly stopOnFailure?: boolean;
}

/** A step of one experiment, named `<target>-<fault>`. */
export interface ExperimentStepConfig extends StepSettings {
  readonly experiment: ExperimentConfig;
}

/** A named group of experiments that run at the same time, as one step. */
export interface GroupStepConfig extends StepSettings {
  /** The step's name (a DNS-1123 label). */
  readonly group: string;
  /** At least one experiment. */
  readonly experiments: readonly ExperimentConfig[];
}

export type PlanStepConfig = ExperimentStepConfig | GroupStepConfig;

/** The order of an environment's chaos: one step at a time, each step's load test with it. */
export interface PlanConfig {
  /** The steps, in order; at least one. */
  readonly steps: readonly PlanStepConfig[];
  /**
   * Whether a failed step stops the rest, for every step that does not say.
   * @default true
   */
  readonly stopOnFailure?: boolean;
  /**
   * The lowest resilience score (0 to 100) the gate accepts.
   * @default 0
   */
  readonly minResilienceScore?: number;
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

/** What runs an environment's plan, step by step. */
export enum ChaosRunner {
  /** The Pulumi program creates each step's engines once the step before has its verdicts (lib/plan.ts). */
  PULUMI = 'pulumi',
  /**
   * An Argo Workflow in the chaos namespace creates the engines and waits on their verdicts: the step layers start
   * nothing, the workflow layer starts the chaos (for kubectl and GitOps; Argo Workflows is the user's to install).
   */
  ARGO = 'argo',
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
  /**
   * Workloads of your own to aim chaos at, beside the built-in `app-sample`.
   * @default - none
   */
  readonly targets?: readonly WorkloadTargetConfig[];
  /** The experiments, in the order they run. */
  readonly plan: PlanConfig;
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
  /**
   * What runs the plan: the Pulumi program, or an Argo Workflow that `kubectl apply` (or a GitOps tool) starts.
   * @default ChaosRunner.PULUMI
   */
  readonly runner?: ChaosRunner;
}

/** The keys of a config interface, each once: a compile error when a key is missing or unknown. */
type Keys<T> = { readonly [K in keyof Required<T>]: true };
const keys = <T>(k: Keys<T>): string[] => Object.keys(k);
const ENVIRONMENT_KEYS = keys<EnvironmentConfig>({
  environment: true, namespaces: true, appServiceType: true, appAutoscaling: true, appLivenessPeriod: true, runtime: true,
  targets: true, plan: true, blastRadius: true, runId: true, slo: true, network: true,
  runner: true,
});
const NETWORK_KEYS = keys<ClusterNetworkProps>({ apiServerCidrs: true, apiServerPorts: true, nodeCidrs: true, dns: true });
const NAMESPACE_KEYS = keys<EnvironmentNamespaces>({ app: true, chaos: true, monitoring: true, monitoringNode: true });
const EXPERIMENT_KEYS = keys<ExperimentConfig>({ target: true, fault: true, jobCleanUpPolicy: true, probeInterval: true });
const PLAN_KEYS = keys<PlanConfig>({ steps: true, stopOnFailure: true, minResilienceScore: true });
const EXPERIMENT_STEP_KEYS = keys<ExperimentStepConfig>({ experiment: true, weight: true, stopOnFailure: true });
const GROUP_STEP_KEYS = keys<GroupStepConfig>({ group: true, experiments: true, weight: true, stopOnFailure: true });
const TARGET_KEYS = keys<WorkloadTargetConfig>({ name: true, namespace: true, kind: true, selector: true, service: true });
const SELECTOR_KEYS = keys<WorkloadTargetConfig['selector']>({ key: true, value: true });
const SERVICE_KEYS = keys<TargetServiceConfig>({ name: true, port: true, targetPort: true });
const SLO_KEYS = keys<SloConfig>({ maxErrorPercent: true, latency: true, virtualUsers: true });
const LATENCY_KEYS = keys<LatencyObjective>({ percentile: true, below: true });
const BLAST_RADIUS_KEYS = keys<BlastRadiusProps>({ allowedNamespaces: true, maxPodsAffectedPercent: true, allowNodeFaults: true });
const AUTOSCALING_KEYS = keys<AutoscalingProps>({ minReplicas: true, maxReplicas: true, targetCpuUtilizationPercent: true });

/** The namespaces the stack creates (and guards with default-deny networking): none of them holds a target of yours. */
export function stackNamespaces(config: EnvironmentConfig): string[] {
  const ns = config.namespaces;
  return [ns.app, ns.chaos, ns.monitoring, monitoringNodeNamespace(ns)];
}

/** The namespace of node-exporter: `monitoringNode`, by default `<monitoring>-node`. */
export function monitoringNodeNamespace(ns: EnvironmentNamespaces): string {
  return ns.monitoringNode ?? `${ns.monitoring}-node`;
}

function checkBoolean(field: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'boolean') throw new ValidationError(field, value, 'must be true or false');
}

function checkTargets(config: EnvironmentConfig): void {
  if (config.targets === undefined) return;
  if (!Array.isArray(config.targets as unknown)) {
    throw new ValidationError('targets', config.targets, 'must be a list of workloads (name, namespace, kind, selector, service)');
  }
  const own = stackNamespaces(config);
  const allowed = config.blastRadius.allowedNamespaces;
  const names = new Set<string>([SAMPLE_APP_TARGET]);
  config.targets.forEach((t, i) => {
    const f = `targets[${i}]`;
    assertKnownKeys(f, t, TARGET_KEYS, 'setting of a target');
    if (typeof t.name !== 'string') throw new ValidationError(`${f}.name`, t.name, 'must be a DNS-1123 label');
    assertDnsLabel(`${f}.name`, t.name);
    if (names.has(t.name)) {
      throw new ValidationError(`${f}.name`, t.name, t.name === SAMPLE_APP_TARGET
        ? 'is the built-in sample app\'s name; give your workload another'
        : 'is already the name of another target; each target needs its own');
    }
    names.add(t.name);
    if (typeof t.namespace !== 'string') throw new ValidationError(`${f}.namespace`, t.namespace, 'must be a DNS-1123 label');
    assertDnsLabel(`${f}.namespace`, t.namespace);
    if (own.includes(t.namespace)) {
      throw new ValidationError(`${f}.namespace`, t.namespace,
        `must not be a namespace the stack creates and guards with default-deny networking (${own.join(', ')}): `
        + 'a workload of yours lives in a namespace of its own');
    }
    if (allowed !== undefined && !allowed.includes(t.namespace)) {
      throw new ValidationError(`${f}.namespace`, t.namespace,
        `must be inside the environment's blast radius (blastRadius.allowedNamespaces: ${allowed.map((n) => `'${n}'`).join(', ')})`);
    }
    assertOneOf(`${f}.kind`, t.kind, Object.values(AppKind));
    assertKnownKeys(`${f}.selector`, t.selector, SELECTOR_KEYS, 'part of a selector label');
    assertKnownKeys(`${f}.service`, t.service, SERVICE_KEYS, 'setting of a target Service');
  });
}

/** One experiment of a resolved plan: its target's name, its config and the field it came from (for messages). */
export interface ResolvedExperiment {
  readonly target: string;
  readonly config: ExperimentConfig;
  readonly field: string;
}

/** One step of a resolved plan, defaults applied. */
export interface ResolvedStep {
  readonly name: string;
  /** From 1. */
  readonly index: number;
  readonly weight: number;
  readonly stopOnFailure: boolean;
  readonly group: boolean;
  readonly experiments: readonly ResolvedExperiment[];
}

const isGroup = (step: PlanStepConfig): step is GroupStepConfig => 'group' in step;

/**
 * The plan with its defaults applied, checked: a step is one experiment or a non-empty named group; every target is
 * known; no experiment (target and fault) runs twice; step names are distinct DNS labels; weights are 1 to 10.
 */
export function resolvePlan(config: EnvironmentConfig): ResolvedStep[] {
  const plan = config.plan;
  const targets = [SAMPLE_APP_TARGET, ...(config.targets ?? []).map((t) => t.name)];
  const stopDefault = plan.stopOnFailure ?? true;
  const seen = new Map<string, string>();
  const stepNames = new Map<string, number>();
  return plan.steps.map((step, i): ResolvedStep => {
    const f = `plan.steps[${i}]`;
    const group = isGroup(step);
    const list: readonly ExperimentConfig[] = group ? step.experiments : [step.experiment];
    const experiments = list.map((exp, j): ResolvedExperiment => {
      const ef = group ? `${f}.experiments[${j}]` : `${f}.experiment`;
      const target = exp.target ?? SAMPLE_APP_TARGET;
      if (!targets.includes(target)) {
        throw new ValidationError(`${ef}.target`, target, `must be a target of the environment: ${targets.map((t) => `'${t}'`).join(', ')}`);
      }
      const id = `${target}/${String(exp.fault.fault)}`;
      const earlier = seen.get(id);
      if (earlier !== undefined) {
        throw new ValidationError(ef, id, `runs an experiment (target and fault) that ${earlier} already runs; each runs once per plan`);
      }
      seen.set(id, ef);
      return { target, config: exp, field: ef };
    });
    const first = experiments[0];
    const name = group ? step.group : `${first?.target ?? ''}-${String(first?.config.fault.fault ?? '')}`;
    assertDnsLabel(group ? `${f}.group` : `${f} name (<target>-<fault>)`, name);
    const before = stepNames.get(name);
    if (before !== undefined) {
      throw new ValidationError(group ? `${f}.group` : f, name, `is already the name of step ${before + 1}; step names must be distinct`);
    }
    stepNames.set(name, i);
    return { name, index: i + 1, weight: step.weight ?? DEFAULT_WEIGHT, stopOnFailure: step.stopOnFailure ?? stopDefault, group, experiments };
  });
}

function checkPlan(config: EnvironmentConfig): void {
  const plan = config.plan;
  assertKnownKeys('plan', plan, PLAN_KEYS, 'setting of a plan');
  checkBoolean('plan.stopOnFailure', plan.stopOnFailure);
  if (plan.minResilienceScore !== undefined) {
    if (typeof plan.minResilienceScore !== 'number' || !(plan.minResilienceScore >= 0 && plan.minResilienceScore <= 100)) {
      throw new ValidationError('plan.minResilienceScore', plan.minResilienceScore, 'must be a number from 0 to 100');
    }
  }
  if (!Array.isArray(plan.steps as unknown) || plan.steps.length === 0) {
    throw new ValidationError('plan.steps', plan.steps, 'must list at least one step (an experiment, or a named group of them)');
  }
  const checkExperiment = (f: string, exp: ExperimentConfig): void => {
    assertKnownKeys(f, exp, EXPERIMENT_KEYS, 'setting of an experiment');
    if (exp.target !== undefined && typeof exp.target !== 'string') throw new ValidationError(`${f}.target`, exp.target, 'must be a target name');
    assertObject(`${f}.fault`, exp.fault);
    if (exp.jobCleanUpPolicy !== undefined) assertOneOf(`${f}.jobCleanUpPolicy`, exp.jobCleanUpPolicy, Object.values(JobCleanUpPolicy));
    if (exp.probeInterval !== undefined) durationMillis(`${f}.probeInterval`, exp.probeInterval);
  };
  plan.steps.forEach((step, i) => {
    const f = `plan.steps[${i}]`;
    assertObject(f, step);
    const hasGroup = 'group' in step;
    if (hasGroup === ('experiment' in step)) {
      throw new ValidationError(f, Object.keys(step), "must have either 'experiment' (one experiment) or 'group' and 'experiments' (a named group)");
    }
    if (isGroup(step)) {
      assertKnownKeys(f, step, GROUP_STEP_KEYS, 'setting of a group step');
      if (typeof step.group !== 'string') throw new ValidationError(`${f}.group`, step.group, 'must be a DNS-1123 label');
      if (!Array.isArray(step.experiments as unknown) || step.experiments.length === 0) {
        throw new ValidationError(`${f}.experiments`, step.experiments, `must list at least one experiment: group '${step.group}' is empty`);
      }
      step.experiments.forEach((exp, j) => checkExperiment(`${f}.experiments[${j}]`, exp));
    } else {
      assertKnownKeys(f, step, EXPERIMENT_STEP_KEYS, 'setting of an experiment step');
      checkExperiment(`${f}.experiment`, step.experiment);
    }
    if (step.weight !== undefined) {
      if (typeof step.weight !== 'number') throw new ValidationError(`${f}.weight`, step.weight, `must be a whole number from ${MIN_WEIGHT} to ${MAX_WEIGHT}`);
      assertIntegerInRange(`${f}.weight`, step.weight, MIN_WEIGHT, MAX_WEIGHT);
    }
    checkBoolean(`${f}.stopOnFailure`, step.stopOnFailure);
  });
  resolvePlan(config);
}

/**
 * Checks the shape of an environment config at run time: the table is plain data (and synth runs through tsx
 * without type checks), so an unknown or misspelt key, a missing plan or a value of the wrong kind is rejected here,
 * naming the field, instead of silently falling back to a default. The plan is checked whole (targets known, no
 * experiment twice, no empty group, weights in range). The values themselves are checked by the constructs they go
 * to (faults by `Fault.of`, names by the namespaces, and so on).
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
  if (config.runner !== undefined) assertOneOf('runner', config.runner, Object.values(ChaosRunner));
  checkTargets(config);
  checkPlan(config);
  return config;
}

/** Every experiment of the plan, in step order. */
export function planExperiments(config: EnvironmentConfig): ExperimentConfig[] {
  return config.plan.steps.flatMap((s) => (isGroup(s) ? s.experiments : [s.experiment]));
}

/**
 * The config with only the given experiments of its plan (`<target>/<fault>`, or a fault alone for the sample
 * app's), in plan order; steps left empty are dropped. An id the plan does not run is rejected with the ones it does.
 */
export function selectExperiments(config: EnvironmentConfig, field: string, ids: readonly string[]): EnvironmentConfig {
  const steps = resolvePlan(config);
  const available = steps.flatMap((s) => s.experiments.map((e) => `${e.target}/${String(e.config.fault.fault)}`));
  const wanted = new Set(ids.map((id, i) => {
    const full = id.includes('/') ? id : `${SAMPLE_APP_TARGET}/${id}`;
    if (!available.includes(full)) {
      throw new ValidationError(`${field}[${i}]`, id, `must be an experiment of this environment's plan: ${available.map((a) => `'${a}'`).join(', ')}`);
    }
    return full;
  }));
  const keep = (e: ExperimentConfig): boolean => wanted.has(`${e.target ?? SAMPLE_APP_TARGET}/${String(e.fault.fault)}`);
  const kept = config.plan.steps.flatMap((step): PlanStepConfig[] => {
    if (!isGroup(step)) return keep(step.experiment) ? [step] : [];
    const experiments = step.experiments.filter(keep);
    return experiments.length === 0 ? [] : [{ ...step, experiments }];
  });
  return { ...config, plan: { ...config.plan, steps: kept } };
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
  plan: {
    // dev is for trying things out: a failed step does not stop the others.
    stopOnFailure: false,
    steps: [
      { experiment: {
        fault: { fault: FaultName.CONTAINER_KILL, chaosInterval: Duration.seconds(10), totalChaosDuration: Duration.seconds(20) },
        jobCleanUpPolicy: JobCleanUpPolicy.DELETE,
      } },
      { experiment: {
        fault: { fault: FaultName.POD_AUTOSCALER, totalChaosDuration: Duration.seconds(60), replicaCount: 10 },
        jobCleanUpPolicy: JobCleanUpPolicy.RETAIN,
      } },
      { experiment: {
        fault: { fault: FaultName.POD_CPU_HOG, cpuCores: 1, totalChaosDuration: Duration.seconds(60), podsAffectedPercent: 0 },
        jobCleanUpPolicy: JobCleanUpPolicy.RETAIN,
      } },
      { experiment: {
        fault: { fault: FaultName.POD_MEMORY_HOG, memoryConsumptionMegabytes: 500, totalChaosDuration: Duration.seconds(120) },
        jobCleanUpPolicy: JobCleanUpPolicy.RETAIN,
      } },
      { experiment: {
        fault: {
          fault: FaultName.POD_DELETE, totalChaosDuration: Duration.seconds(30), chaosInterval: Duration.seconds(5),
          force: false, podsAffectedPercent: 2,
        },
        jobCleanUpPolicy: JobCleanUpPolicy.DELETE,
      } },
      { experiment: {
        fault: {
          fault: FaultName.POD_NETWORK_LOSS, networkInterface: 'eth0', packetLossPercent: 100, totalChaosDuration: Duration.seconds(60),
        },
        jobCleanUpPolicy: JobCleanUpPolicy.DELETE,
        probeInterval: Duration.seconds(1),
      } },
    ],
  },
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
  plan: {
    stopOnFailure: true,
    // A staging release must hold this score; every step passing gives 100.
    minResilienceScore: 90,
    steps: [
      {
        experiment: {
          fault: {
            fault: FaultName.POD_DELETE, totalChaosDuration: Duration.seconds(60), chaosInterval: Duration.seconds(10),
            force: false, podsAffectedPercent: 50,
          },
        },
      },
      {
        experiment: {
          fault: {
            fault: FaultName.CONTAINER_KILL, totalChaosDuration: Duration.seconds(30), chaosInterval: Duration.seconds(10), podsAffectedPercent: 50,
          },
        },
      },
      {
        // CPU and memory pressure together, as a node under load sees them.
        group: 'resource-pressure',
        weight: 5,
        experiments: [
          { fault: { fault: FaultName.POD_CPU_HOG, totalChaosDuration: Duration.seconds(60), cpuCores: 1, podsAffectedPercent: 50 } },
          {
            fault: {
              fault: FaultName.POD_MEMORY_HOG, totalChaosDuration: Duration.seconds(60), memoryConsumptionMegabytes: 128, podsAffectedPercent: 50,
            },
          },
        ],
      },
      {
        experiment: {
          fault: {
            fault: FaultName.POD_NETWORK_LATENCY, totalChaosDuration: Duration.seconds(60), latency: Duration.millis(300),
            jitter: Duration.millis(50), podsAffectedPercent: 50,
          },
        },
      },
    ],
  },
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
  plan: {
    stopOnFailure: true,
    // Both faults are gentle: prod ships only when each passed in full.
    minResilienceScore: 100,
    steps: [
      { experiment: {
        fault: {
          fault: FaultName.POD_DELETE, totalChaosDuration: Duration.seconds(30), chaosInterval: Duration.seconds(10),
          force: false, podsAffectedPercent: 25,
        },
      } },
      { experiment: {
        fault: {
          fault: FaultName.POD_NETWORK_LATENCY, totalChaosDuration: Duration.seconds(30), latency: Duration.millis(100), podsAffectedPercent: 25,
        },
      } },
    ],
  },
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
