import { App, Chart, Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { ChaosWorkflow, type ChaosWorkflowExperiment } from '../constructs/argo/chaos-workflow';
import { BlastRadius } from '../constructs/litmus/blast-radius';
import { ChaosEngine } from '../constructs/litmus/engine';
import { ChaosExperiment } from '../constructs/litmus/experiment';
import { Fault, type FaultName } from '../constructs/litmus/faults';
import { LitmusOperator } from '../constructs/litmus/operator';
import { Probe } from '../constructs/litmus/probes';
import { ExperimentRbac } from '../constructs/litmus/rbac';
import { AlertReceiver, GrafanaAdminCredentials, MonitoringStack, PrometheusOperator } from '../constructs/monitoring';
import { ChaosNamespace, PodSecurityLevel } from '../constructs/namespace';
import { LoadGenerator } from '../constructs/slo/load-generator';
import { ServiceLevelObjective } from '../constructs/slo/slo';
import { ExistingWorkload } from '../constructs/existing-workload';
import { type IServedTarget, ServiceType, TargetApplication } from '../constructs/target-app';
import { AddressBlock, ClusterNetwork, type NetworkFlow, NetworkPolicies } from '../constructs/network-policy';
import { type PrometheusServer } from '../constructs/monitoring/prometheus';
import { type EngineTarget } from '../lib/results/collect';
import { waitTimeoutSeconds } from '../lib/results/targets';
import {
  type DeployableStack, type ExternalSecret, orderLayers, type PlanStepLayer, type StackLayer, type StackPlan,
} from '../lib/stack';
import { validateApp } from '../lib/synth';
import { ValidationError } from '../lib/validation';
import { assertImageOverrides, type CrdSource, imageOf, type ImageName, type ImageOverrides } from '../lib/versions';
import {
  ChaosRunner, checkEnvironmentConfig, type EnvironmentConfig, monitoringNodeNamespace, type ResolvedStep, resolvePlan, SAMPLE_APP_TARGET,
} from './environments';

/** The layers of a ChaosStack, in the order they must be applied. */
export interface ChaosStackCharts {
  /** The app, chaos, monitoring and node-exporter namespaces. */
  readonly namespaces: Chart;
  /** The Litmus operator (its CRDs come first, from the pinned release). */
  readonly operators: Chart;
  /** The target application and the monitoring stack (prometheus-operator's CRDs come first). */
  readonly workloads: Chart;
  /** ChaosExperiments and each engine's ServiceAccount and RBAC. */
  readonly experiments: Chart;
}

export interface ChaosStackProps {
  /** The environment's typed config (stacks/environments.ts). */
  readonly config: EnvironmentConfig;
  /**
   * Replacement images by name (lib/versions.ts IMAGES), e.g. a registry mirror or local builds: the app's nginx,
   * the Litmus operator, runner and go-runner (the experiments' image and their LIB_IMAGE), k6, and the
   * monitoring images. Each must be pinned; an unknown name is rejected.
   * @default - the pins of lib/versions.ts
   */
  readonly images?: ImageOverrides;
}

/**
 * The whole chaos programme of one environment, as one chart per layer: namespaces, the Litmus operator, the
 * target app and monitoring, one ChaosExperiment per fault with a least-privilege ServiceAccount, and one
 * ChaosEngine per experiment carrying the frontend probe (and the SLO's, with its load test). Everything derives
 * from one typed EnvironmentConfig.
 *
 * The stack declares what its deployers need (DeployableStack): the layers in apply order, the CRD sources, the
 * Secrets it expects from outside and the engines to read back. The cdk8s entry, the Pulumi program, the results
 * CLI and the e2e read these instead of re-deriving them from the manifests.
 */
export class ChaosStack extends Construct implements DeployableStack {
  public readonly config: EnvironmentConfig;
  public readonly charts: ChaosStackCharts;
  public readonly layers: readonly StackLayer[];
  public readonly crdSources: readonly CrdSource[];
  public readonly externalSecrets: readonly ExternalSecret[];
  public readonly engineTargets: readonly EngineTarget[];
  public readonly plan: StackPlan;
  /** The chaos targets by name: `app-sample` and the environment's own workloads. */
  public readonly targets: ReadonlyMap<string, IServedTarget>;
  public readonly namespaces: {
    readonly app: ChaosNamespace; readonly chaos: ChaosNamespace; readonly monitoring: ChaosNamespace; readonly monitoringNode: ChaosNamespace;
  };
  public readonly app: TargetApplication;
  public readonly operator: LitmusOperator;
  public readonly monitoring: MonitoringStack;
  /** The SLO of each engine, by engine name, when the environment declares one. */
  public readonly slos: ReadonlyMap<string, ServiceLevelObjective>;
  public readonly engines: readonly ChaosEngine[];
  /** Every connection the stack needs; everything else is denied in the app, chaos and monitoring namespaces. */
  public readonly networkFlows: readonly NetworkFlow[];
  public readonly networkPolicies: NetworkPolicies;
  /**
   * With `runner: argo`, the Argo Workflow that runs the plan (its layer `workflow` holds it, the SLO rules and its
   * RBAC; the step layers hold nothing: the engines and load tests are the workflow's to create).
   * @default - none (`runner: pulumi`)
   */
  public readonly workflow?: ChaosWorkflow;

  public constructor(scope: Construct, id: string, props: ChaosStackProps) {
    super(scope, id);
    const config = checkEnvironmentConfig(props.config);
    this.config = config;
    const chart = (chartId: string): Chart => new Chart(this, chartId, { labels: { 'chaos-stack/environment': config.environment } });
    this.charts = {
      namespaces: chart('namespaces'),
      operators: chart('operators'),
      workloads: chart('workloads'),
      experiments: chart('experiments'),
    };
    const c = this.charts;
    const images = assertImageOverrides(props.images ?? {});
    const image = (name: ImageName): string => imageOf(name, images);

    this.namespaces = {
      app: new ChaosNamespace(c.namespaces, 'App', { name: config.namespaces.app, podSecurity: PodSecurityLevel.RESTRICTED }),
      // Litmus 3.x helper pods (hostPID, privileged, runtime socket) run in the engine's namespace.
      chaos: new ChaosNamespace(c.namespaces, 'Chaos', { name: config.namespaces.chaos, podSecurity: PodSecurityLevel.PRIVILEGED }),
      monitoring: new ChaosNamespace(c.namespaces, 'Monitoring', { name: config.namespaces.monitoring, podSecurity: PodSecurityLevel.RESTRICTED }),
      // node-exporter needs host access: the one documented exception, alone in its own namespace.
      monitoringNode: new ChaosNamespace(c.namespaces, 'MonitoringNode', {
        name: monitoringNodeNamespace(config.namespaces), podSecurity: PodSecurityLevel.PRIVILEGED,
      }),
    };

    this.operator = new LitmusOperator(c.operators, 'LitmusOperator', {
      namespace: this.namespaces.chaos, image: image('chaosOperator'), runnerImage: image('chaosRunner'),
    });

    this.app = new TargetApplication(c.workloads, 'App', {
      namespace: this.namespaces.app,
      serviceType: config.appServiceType,
      autoscaling: config.appAutoscaling,
      livenessPeriod: config.appLivenessPeriod,
      image: image('nginxUnprivileged'),
    });

    this.monitoring = new MonitoringStack(c.workloads, 'Monitoring', {
      monitoringNamespace: this.namespaces.monitoring,
      nodeExporterNamespace: this.namespaces.monitoringNode,
      chaosNamespace: this.namespaces.chaos,
      app: { service: this.app, deploymentName: this.app.name },
      // No password in the repository: the Secret is created by the deployment (Pulumi secret config, or by hand).
      grafanaAdmin: GrafanaAdminCredentials.fromExistingSecret(GRAFANA_ADMIN_SECRET),
      // Receivers carry URLs and tokens: they come from deployment config; synthesized YAML drops alerts.
      alertReceivers: [AlertReceiver.discard('none')],
      remoteWriteReceiver: config.slo !== undefined,
      images,
    });
    const prometheus = this.monitoring.prometheus;

    const blastRadius = new BlastRadius(config.blastRadius);
    const targets = new Map<string, IServedTarget>([[SAMPLE_APP_TARGET, this.app]]);
    for (const t of config.targets ?? []) {
      targets.set(t.name, new ExistingWorkload(c.workloads, `Target-${t.name}`, {
        name: t.name,
        // Not ours: the namespace's Pod Security level is whatever its owners set; assume the strictest.
        namespace: { name: t.namespace, podSecurity: PodSecurityLevel.RESTRICTED },
        kind: t.kind,
        selectorLabel: t.selector,
        service: t.service,
      }));
    }
    this.targets = targets;
    const resolved = resolvePlan(config);
    const planned = resolved.flatMap((step) => step.experiments.map((exp) => {
      const target = targets.get(exp.target);
      if (target === undefined) throw new ValidationError(`${exp.field}.target`, exp.target, 'must be a target of the environment');
      return { step, exp, target, fault: Fault.of(exp.config.fault, config.runtime) };
    }));
    if (config.runId !== undefined) {
      // The run id ends every engine's name and, with an SLO, every load Job's (`<engine>-load`): blame it, not them.
      ChaosEngine.checkRunId('runId', config.runId, planned.map(({ target, fault }) => {
        const engine = ChaosEngine.defaultName(target, fault, '<runId>');
        return config.slo === undefined ? engine : loadName(engine);
      }));
    }
    const slos = new Map<string, ServiceLevelObjective>();
    const experiments = new Map<FaultName, ChaosExperiment>();
    const engines: ChaosEngine[] = [];
    const loads: LoadGenerator[] = [];
    const stepCharts = new Map<number, Chart>();
    const stepEngines = new Map<number, ChaosEngine[]>();
    const argo = (config.runner ?? ChaosRunner.PULUMI) === ChaosRunner.ARGO;
    // With argo, one layer holds the workflow and the SLO rules; the engines and load tests are rendered only as the
    // manifests the workflow creates (a chart of the stack that is no layer: checked with the app, never applied).
    const workflowChart = argo ? chart('workflow') : undefined;
    const heldChart = argo ? chart('workflow-manifests') : undefined;
    const stepLoads = new Map<ChaosEngine, LoadGenerator>();
    for (const { step, exp, target, fault } of planned) {
      // Each step is its own chart: its engines, load tests and SLO rules are created with it, and only with it.
      let stepChart = heldChart ?? stepCharts.get(step.index);
      if (stepChart === undefined) {
        stepChart = chart(stepLayerName(step));
        stepCharts.set(step.index, stepChart);
      }
      const ruleChart = workflowChart ?? stepChart;
      let stepLoad: LoadGenerator | undefined;
      const id = `${target.name}-${fault.name}`;
      let experiment = experiments.get(fault.name);
      if (experiment === undefined) {
        experiment = new ChaosExperiment(c.experiments, `Experiment-${fault.name}`, {
          namespace: this.namespaces.chaos, fault: fault.name, image: image('goRunner'),
        });
        experiments.set(fault.name, experiment);
      }
      const probes = [Probe.frontendAccess(target.endpoint, { interval: exp.config.probeInterval })];
      if (config.slo) {
        const engineName = ChaosEngine.defaultName(target, fault, config.runId);
        // The load covers the step's whole run: ramp before and after, and the chaos itself; it starts with the step.
        const load = new LoadGenerator(stepChart, `Load-${id}`, {
          name: loadName(engineName),
          target: target.endpoint,
          namespace: this.namespaces.chaos,
          prometheus,
          virtualUsers: config.slo.virtualUsers,
          duration: Duration.seconds(fault.totalChaosDurationSeconds + 2 * fault.rampTimeSeconds),
          image: image('k6'),
        });
        loads.push(load);
        stepLoad = load;
        const slo = new ServiceLevelObjective(ruleChart, `Slo-${id}`, {
          name: id,
          load,
          prometheus,
          namespace: this.namespaces.chaos,
          maxErrorPercent: config.slo.maxErrorPercent,
          latency: config.slo.latency,
          ruleLabels: prometheus.ruleLabels,
        });
        probes.push(...slo.probes());
        slos.set(engineName, slo);
      }
      const serviceAccount = new ExperimentRbac(c.experiments, `Rbac-${id}`, {
        name: `${id}-sa`,
        chaosNamespace: this.namespaces.chaos,
        targetNamespace: target.namespace,
        fault: fault.definition,
        probes,
      });
      const engine = new ChaosEngine(stepChart, `Engine-${id}`, {
        experiment,
        fault,
        target,
        serviceAccount,
        probes,
        jobCleanUpPolicy: exp.config.jobCleanUpPolicy,
        runId: config.runId,
        context: config.environment,
        blastRadius,
      });
      engines.push(engine);
      if (stepLoad !== undefined) stepLoads.set(engine, stepLoad);
      stepEngines.set(step.index, [...(stepEngines.get(step.index) ?? []), engine]);
    }
    this.engines = engines;
    this.slos = slos;
    if (workflowChart !== undefined) {
      this.workflow = new ChaosWorkflow(workflowChart, 'Workflow', {
        namespace: this.namespaces.chaos,
        runId: config.runId,
        labels: { 'chaos-stack/environment': config.environment },
        steps: resolved.map((step) => ({
          name: step.name,
          stopOnFailure: step.stopOnFailure,
          experiments: (stepEngines.get(step.index) ?? []).map((e): ChaosWorkflowExperiment => ({
            engine: e, load: stepLoads.get(e), timeoutSeconds: waitTimeoutSeconds(e.expectedDurationSeconds),
          })),
        })),
      });
    }

    // Default-deny networking in the app, chaos and monitoring namespaces, then exactly the flows the stack needs.
    const cluster = new ClusterNetwork(config.network);
    this.networkFlows = [
      ...this.monitoring.networkFlows(cluster),
      ...litmusFlows(this.operator, [...experiments.values()], engines, cluster),
      ...loads.flatMap((load) => loadFlows(load, prometheus, cluster, [...targets.values()])),
      ...(slos.size > 0 ? [...experiments.values()].map((e) => ({
        from: e.pods, to: prometheus.pods, ports: [{ port: prometheus.webPort }], why: 'SLO promProbes query the load test\'s metrics',
      })) : []),
      ...exposedAppFlows(this.app),
      ...(this.workflow === undefined ? [] : [
        cluster.toApiServer(this.workflow.pods, 'the Argo executor creates the engines and load tests and reads their status and verdicts'),
      ]),
    ];
    this.networkPolicies = new NetworkPolicies(c.namespaces, 'NetworkPolicies', {
      namespaces: [this.namespaces.app, this.namespaces.chaos, this.namespaces.monitoring],
      flows: this.networkFlows,
    });

    const layer = (name: keyof ChaosStackCharts, secrets: readonly ExternalSecret[] = []): StackLayer => ({ name, chart: c[name], secrets });
    const preparing = [
      layer('namespaces'),
      layer('operators'),
      // Grafana reads its admin Secret: the deployment creates it once the namespaces exist, before Grafana starts.
      layer('workloads', this.monitoring.externalSecrets),
      layer('experiments'),
    ];
    const targetOf = (e: ChaosEngine): EngineTarget => ({
      target: e.target.name,
      namespace: e.namespace,
      engine: e.name,
      experiment: e.fault.name,
      resultName: e.resultName,
      timeoutSeconds: waitTimeoutSeconds(e.expectedDurationSeconds),
    });
    // With argo every step is run by the one workflow layer: applying it starts the plan.
    const workflowLayer: StackLayer | undefined = workflowChart === undefined ? undefined : { name: 'workflow', chart: workflowChart, secrets: [] };
    this.plan = {
      minResilienceScore: config.plan.minResilienceScore ?? 0,
      steps: resolved.map((step): PlanStepLayer => {
        const stepChart = workflowChart ?? stepCharts.get(step.index);
        if (stepChart === undefined) throw new ValidationError(`plan.steps[${step.index - 1}]`, step.name, 'must hold an experiment');
        return {
          name: step.name, index: step.index, weight: step.weight, stopOnFailure: step.stopOnFailure, group: step.group,
          engines: (stepEngines.get(step.index) ?? []).map(targetOf),
          layer: workflowLayer ?? { name: stepLayerName(step), chart: stepChart, secrets: [] },
        };
      }),
    };
    this.layers = orderLayers([...preparing, ...(workflowLayer === undefined ? this.plan.steps.map((st) => st.layer) : [workflowLayer])]);
    this.externalSecrets = this.layers.flatMap((l) => l.secrets);
    this.crdSources = [LitmusOperator.crdSource, PrometheusOperator.crdSource];
    this.engineTargets = this.plan.steps.flatMap((s) => s.engines);
  }
}

/**
 * The chaos machinery's connections: the operator, its runners and the experiment (and helper) pods call the API
 * server; experiment pods resolve names, and each engine's probes that address a Service reach its pods.
 */
function litmusFlows(
  operator: LitmusOperator, experiments: readonly ChaosExperiment[], engines: readonly ChaosEngine[], cluster: ClusterNetwork,
): NetworkFlow[] {
  const flows: NetworkFlow[] = [
    cluster.toApiServer(operator.pods, 'the operator reconciles ChaosEngines and starts their runners'),
    cluster.toApiServer(operator.runnerPods, 'runners create the experiment Job and update the engine'),
  ];
  for (const experiment of experiments) {
    flows.push(
      cluster.toApiServer(experiment.pods, 'experiments and their helpers act on the target and write the ChaosResult'),
      cluster.toDns(experiment.pods),
    );
  }
  for (const engine of engines) {
    const experimentPods = experiments.find((e) => e.name === engine.fault.name)?.pods;
    const target = engine.target as Partial<IServedTarget>;
    if (experimentPods === undefined || target.pods === undefined || target.containerPort === undefined) continue;
    for (const probe of engine.probes) {
      // An httpProbe addressing the target's own Service reaches the target's pods on their port.
      if (probe.service === undefined || probe.service.service !== target.endpoint) continue;
      flows.push({ from: experimentPods, to: target.pods, ports: [{ port: target.containerPort }], why: `httpProbe '${probe.name}'` });
    }
  }
  return flows;
}

/** A load test's connections: to the target it loads and to the Prometheus it writes its metrics to. */
function loadFlows(load: LoadGenerator, prometheus: PrometheusServer, cluster: ClusterNetwork, targets: readonly IServedTarget[]): NetworkFlow[] {
  const target = targets.find((t) => t.endpoint === load.target.service);
  return [
    cluster.toDns(load.pods),
    ...(target === undefined ? [] : [{ from: load.pods, to: target.pods, ports: [{ port: target.containerPort }], why: 'sends the load' }]),
    { from: load.pods, to: prometheus.pods, ports: [{ port: prometheus.webPort }], why: 'pushes its request metrics (remote write)' },
  ];
}

/** An app exposed outside the cluster (LoadBalancer, NodePort) accepts its port from any address. */
function exposedAppFlows(app: TargetApplication): NetworkFlow[] {
  if (app.serviceType === ServiceType.CLUSTER_IP) return [];
  return [{ from: AddressBlock.any('clients outside the cluster'), to: app.pods, ports: [{ port: app.containerPort }], why: `the ${app.serviceType} Service` }];
}

/** The layer (file stem and deployment component) of a plan step: `step-<n>-<name>`. */
function stepLayerName(step: ResolvedStep): string {
  return `step-${step.index}-${step.name}`;
}

/**
 * The ChaosStack of an environment in an App of its own, with every deferred construct validation run: what each
 * entry (the cdk8s synth, the Pulumi program, the program version) builds before it writes or deploys anything.
 */
export function buildChaosStack(props: ChaosStackProps): ChaosStack {
  const app = new App();
  const stack = new ChaosStack(app, props.config.environment, props);
  validateApp(app);
  return stack;
}

/** The load Job (and ConfigMap) of an engine: `<engine>-load`. */
function loadName(engine: string): string {
  return `${engine}-load`;
}

/** Name of the Secret holding Grafana's admin user and password, created by the deployment, never synthesized. */
export const GRAFANA_ADMIN_SECRET = 'grafana-admin';
