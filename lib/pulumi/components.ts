/**
 * Pulumi ComponentResources that deploy the cdk8s charts of a ChaosStack, layer by layer, through an explicit
 * Kubernetes provider. Order across layers is expressed with `dependsOn` only: `yaml/v2.ConfigGroup` orders objects
 * within one group, never across groups (pulumi/pulumi-kubernetes#2904), and a kind whose CRD is created in the same
 * group may not be resolvable (pulumi/pulumi-kubernetes#3176), so CRDs get their own, earlier component.
 */
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { type KubeObject } from './crds';

/**
 * Options of a component's children: its provider and the component's own `dependsOn`, repeated on each child so
 * that the dependency is recorded on the objects themselves and `pulumi destroy` deletes in reverse order (e.g. the
 * ChaosEngines, whose finalizer needs the operator, before the operator).
 */
export function childOptions(parent: pulumi.Resource, provider: k8s.Provider, opts?: pulumi.ComponentResourceOptions): pulumi.CustomResourceOptions {
  return { parent, provider, ...(opts?.dependsOn === undefined ? {} : { dependsOn: opts.dependsOn }) };
}

/** A deployed layer: what later layers depend on. */
export interface DeployedLayer extends pulumi.Resource {
  /**
   * The Kubernetes objects the layer created. Later layers depend on these as well as on the layer, because a
   * dependency on a remote component (`yaml/v2.ConfigGroup`) does not reach its children in the state.
   */
  readonly resources: pulumi.Output<pulumi.Resource[]>;
}

/**
 * What a layer depends on: each earlier layer and its objects, as one `Output<Resource[]>` (the form `dependsOn`
 * accepts for a list known only once the earlier groups have registered their children).
 */
export function after(layers: readonly DeployedLayer[]): pulumi.Output<pulumi.Resource[]> {
  return pulumi.all(layers.map((l) => l.resources)).apply((children) => children.flat());
}

/** Seconds the provider waits for a CRD to be Established before failing the update. */
export const CRD_ESTABLISHED_TIMEOUT_SECONDS = 60;

/**
 * The deploy-time await policy, as the Kubernetes provider's annotations on a copy of each object (the manifests
 * themselves are not changed, so `kubectl apply` users see the same YAML):
 * - a Service is not awaited (`pulumi.com/skipAwait`): the provider would wait for endpoints (about 10 s each on
 *   the local control plane) and, for a LoadBalancer, up to 10 minutes for an external address that a cluster
 *   without a load-balancer controller (minikube without `minikube tunnel`, kind, the local control plane) never
 *   assigns; the Deployments behind the Services are awaited, and probes and load tests use the cluster IP;
 * - a CustomResourceDefinition is awaited until its Established condition is true (`pulumi.com/waitFor`), for at most
 *   `crdTimeoutSeconds` (`pulumi.com/timeoutSeconds`): a CRD whose names conflict never establishes.
 * Everything else keeps the provider's await logic (a Deployment is awaited until it is available, so the chaos
 * never starts against an app that is not serving yet).
 */
export function withAwaitPolicy(objs: readonly KubeObject[], crdTimeoutSeconds = CRD_ESTABLISHED_TIMEOUT_SECONDS): KubeObject[] {
  return objs.map((o) => {
    const annotation: Record<string, string> | undefined = o.kind === 'Service' ? { 'pulumi.com/skipAwait': 'true' }
      : o.kind === 'CustomResourceDefinition'
        ? { 'pulumi.com/waitFor': 'condition=Established', 'pulumi.com/timeoutSeconds': String(crdTimeoutSeconds) } : undefined;
    if (annotation === undefined) return o;
    const metadata = o.metadata ?? {};
    const annotations = { ...(metadata.annotations as Record<string, string> | undefined), ...annotation };
    return { ...o, metadata: { ...metadata, annotations } };
  });
}

/** What every layer takes. */
export interface LayerArgs {
  /** The objects to deploy, as `chart.toJson()` returns them. */
  readonly objs: readonly KubeObject[];
  /** The provider of the target cluster; every child is created through it. */
  readonly provider: k8s.Provider;
}

/** Third-party CustomResourceDefinitions (Litmus, prometheus-operator), installed before any object of theirs. */
export class CrdInstall extends pulumi.ComponentResource implements DeployedLayer {
  public static readonly TYPE = 'chaos-stack:k8s:CrdInstall';
  public readonly group: k8s.yaml.v2.ConfigGroup;
  public readonly resources: pulumi.Output<pulumi.Resource[]>;

  public constructor(name: string, args: LayerArgs, opts?: pulumi.ComponentResourceOptions) {
    super(CrdInstall.TYPE, name, {}, opts);
    const notCrd = args.objs.find((o) => o.kind !== 'CustomResourceDefinition');
    if (notCrd) throw new Error(`CrdInstall '${name}' takes only CustomResourceDefinitions, got ${notCrd.kind ?? '(no kind)'} ${notCrd.metadata?.name ?? ''}`);
    this.group = new k8s.yaml.v2.ConfigGroup(`${name}-crds`, { objs: withAwaitPolicy(args.objs) }, childOptions(this, args.provider, opts));
    this.resources = groupResources(this.group);
    this.registerOutputs({ crds: args.objs.map((o) => o.metadata?.name ?? '') });
  }
}

/** One layer of the stack (a cdk8s chart: namespaces, operators, workloads, experiments...) as one ConfigGroup. */
export class Layer extends pulumi.ComponentResource implements DeployedLayer {
  public static readonly TYPE = 'chaos-stack:k8s:Layer';
  public readonly group: k8s.yaml.v2.ConfigGroup;
  public readonly resources: pulumi.Output<pulumi.Resource[]>;

  public constructor(name: string, args: LayerArgs, opts?: pulumi.ComponentResourceOptions) {
    super(Layer.TYPE, name, {}, opts);
    this.group = new k8s.yaml.v2.ConfigGroup(`${name}-objs`, { objs: withAwaitPolicy(args.objs) }, childOptions(this, args.provider, opts));
    this.resources = groupResources(this.group);
    this.registerOutputs({ objects: args.objs.length });
  }
}

/**
 * A ConfigGroup and its children, as Resources `dependsOn` accepts. Depending on the remote component waits for
 * every child; the children that come back as Resources are added so the state records them too. Objects of a kind
 * the Node.js SDK has no class for (a custom resource such as a ServiceMonitor) come back as their ID only: they
 * are covered by the dependency on the group.
 */
export function groupResources(group: k8s.yaml.v2.ConfigGroup): pulumi.Output<pulumi.Resource[]> {
  return group.resources.apply((rs) => [group, ...((rs ?? []) as unknown[]).filter((r): r is pulumi.Resource => pulumi.Resource.isInstance(r))]);
}

/** Resource options of a ChaosEngine: the operator's rewrite of `spec.engineState` to `stop` is not drift. */
export function engineResourceOptions(
  parent: pulumi.Resource, provider: k8s.Provider, opts?: pulumi.ComponentResourceOptions,
): pulumi.CustomResourceOptions {
  // Re-applying `engineState: active` on a completed engine would re-run the chaos (notes/litmus.md §1.4).
  return { ...childOptions(parent, provider, opts), ignoreChanges: ['spec.engineState'] };
}

/**
 * The ChaosEngines of a run, last: one `CustomResource` per engine (not a ConfigGroup, whose children cannot take
 * `ignoreChanges`), named after the engine, which carries the run id. An unchanged run id is no change; a new one
 * registers new engines (a new run) and deletes the previous run's engines (their ChaosResults stay).
 */
export class ChaosEngines extends pulumi.ComponentResource implements DeployedLayer {
  public static readonly TYPE = 'chaos-stack:k8s:ChaosEngines';
  public readonly engines: readonly k8s.apiextensions.CustomResource[];
  public readonly resources: pulumi.Output<pulumi.Resource[]>;
  /** Objects of the chart that are not ChaosEngines, if any. */
  public readonly others?: k8s.yaml.v2.ConfigGroup;

  public constructor(name: string, args: LayerArgs, opts?: pulumi.ComponentResourceOptions) {
    super(ChaosEngines.TYPE, name, {}, opts);
    const engines = args.objs.filter((o) => o.kind === 'ChaosEngine');
    const others = args.objs.filter((o) => o.kind !== 'ChaosEngine');
    this.engines = engines.map((o) => {
      const { apiVersion, kind, metadata, ...rest } = o;
      if (apiVersion === undefined || kind === undefined || metadata?.name === undefined) {
        throw new Error(`ChaosEngines '${name}': an object has no apiVersion, kind or metadata.name`);
      }
      const engineArgs = { apiVersion, kind, metadata, ...rest };
      return new k8s.apiextensions.CustomResource(metadata.name, engineArgs, engineResourceOptions(this, args.provider, opts));
    });
    if (others.length > 0) {
      this.others = new k8s.yaml.v2.ConfigGroup(`${name}-objs`, { objs: withAwaitPolicy(others) }, childOptions(this, args.provider, opts));
    }
    this.resources = pulumi.all([this.others ? groupResources(this.others) : []])
      .apply(([rs]) => [...this.engines, ...rs] as pulumi.Resource[]);
    this.registerOutputs({ engines: engines.map((o) => o.metadata?.name ?? '') });
  }
}
