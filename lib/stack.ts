/**
 * What a deployable stack declares about itself, so that its consumers (the cdk8s entry, the Pulumi program, the
 * results CLI, the e2e) read it instead of re-deriving it from YAML: the layers in the order they are applied, the
 * third-party CRDs they need, the Secrets they expect from outside, and the engines whose verdicts are read back.
 */
import { type Chart } from 'cdk8s';
import { type PlanStep, type RunPlan } from './plan';
import { type EngineTarget } from './results/collect';
import { type CrdSource } from './versions';

/** What a key of an external Secret must hold, so that a deployment knows which of its own values fills it. */
export enum SecretContent {
  /** Grafana's admin user name. */
  GRAFANA_ADMIN_USER = 'grafana-admin-user',
  /** Grafana's admin password. */
  GRAFANA_ADMIN_PASSWORD = 'grafana-admin-password',
  /** The key Grafana encrypts datasource secrets with in its database. */
  GRAFANA_SECRET_KEY = 'grafana-secret-key',
}

/** One key of an external Secret. */
export interface ExternalSecretKey {
  readonly key: string;
  readonly holds: SecretContent;
  /** Whether the workload starts without it. */
  readonly optional: boolean;
}

/** A Secret that workloads of the stack read but that the manifests never define (no credential in the repository). */
export interface ExternalSecret {
  readonly namespace: string;
  readonly name: string;
  /** Who reads it, for messages and docs, e.g. "Grafana's admin credentials". */
  readonly purpose: string;
  readonly keys: readonly ExternalSecretKey[];
}

/** One layer of a stack: a chart applied after every layer before it (one file `<NNNN>-<name>.k8s.yaml` in dist/). */
export interface StackLayer {
  /** The file-name stem and the deployment's component name: a DNS label. */
  readonly name: string;
  readonly chart: Chart;
  /** Secrets the layer's workloads read, which must exist before the layer is applied. */
  readonly secrets: readonly ExternalSecret[];
}

/** A step of a stack's plan with the chart that starts it: its engines, load tests and SLO rules. */
export interface PlanStepLayer extends PlanStep {
  readonly layer: StackLayer;
}

/** A stack's plan: its steps with their layers. */
export interface StackPlan extends RunPlan {
  readonly steps: readonly PlanStepLayer[];
}

/** A stack as its deployers see it. */
export interface DeployableStack {
  /**
   * Every layer in apply order: those that prepare the chaos (namespaces, operators, workloads, experiments), then
   * one per plan step (one file each in dist/, for `kubectl apply` one step at a time).
   */
  readonly layers: readonly StackLayer[];
  /** The chaos itself: the steps in order, each with its layer; a step is applied once every verdict before it is final. */
  readonly plan: StackPlan;
  /** The third-party CRD sets the layers' objects need, installed before the first layer. */
  readonly crdSources: readonly CrdSource[];
  /** Every Secret the deployment must create (the union of the layers' `secrets`). */
  readonly externalSecrets: readonly ExternalSecret[];
  /** Every engine of the plan, in step order, with its default wait timeout (what `npm run results --env` reads). */
  readonly engineTargets: readonly EngineTarget[];
}

/** The layers that prepare the chaos: every layer that is not a plan step's, in apply order. */
export function preparingLayers(stack: Pick<DeployableStack, 'layers' | 'plan'>): StackLayer[] {
  const steps = new Set(stack.plan.steps.map((s) => s.layer));
  return stack.layers.filter((l) => !steps.has(l));
}

/**
 * Makes each layer's chart depend on the one before it, so that `app.synth()` orders the charts as the layers are
 * declared: the order is written once, in the list.
 */
export function orderLayers<T extends readonly StackLayer[]>(layers: T): T {
  layers.forEach((l, i) => {
    const before = layers[i - 1];
    if (before !== undefined) l.chart.addDependency(before.chart);
  });
  return layers;
}
