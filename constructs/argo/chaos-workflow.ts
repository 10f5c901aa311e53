import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { assertDnsLabel, assertIntegerInRange, ValidationError } from '../../lib/validation';
import { type ChaosEngine } from '../litmus/engine';
import { type INamespaceRef } from '../namespace';
import { type IPodGroup } from '../network-policy';
import { type PolicyRule, RoleGrants } from '../rbac';
import { restrictedPod } from '../security';
import { type LoadGenerator } from '../slo/load-generator';

/** The API version of Argo Workflows' kinds (v4.1.2 serves only this one). */
export const ARGO_API_VERSION = 'argoproj.io/v1alpha1';

/**
 * How long the verdict may take to leave `Awaited` once the engine completed: the executor re-reads the ChaosResult
 * until a condition holds, so without a deadline a verdict never written would hold the plan forever.
 */
export const VERDICT_TIMEOUT_SECONDS = 120;

/** The uid of the Argo executor image (argoexec), which runs every pod of a workflow. */
const EXECUTOR_UID = 8737;

/** One experiment of a workflow step: the engine it creates, its load test if any, and how long it may take. */
export interface ChaosWorkflowExperiment {
  /** The engine the workflow creates; its manifest is the same object the engine renders. */
  readonly engine: ChaosEngine;
  /**
   * The load test created when the step starts, before the engine.
   * @default - no load test
   */
  readonly load?: LoadGenerator;
  /** How long the engine may take to complete, in seconds (lib/results/targets.ts `waitTimeoutSeconds`). */
  readonly timeoutSeconds: number;
}

/** One step of the plan: its experiments run together, and whether its failure stops the steps after it. */
export interface ChaosWorkflowStep {
  /** The step's name (a DNS label), e.g. `app-sample-pod-delete` or a group's name. */
  readonly name: string;
  readonly stopOnFailure: boolean;
  readonly experiments: readonly ChaosWorkflowExperiment[];
}

export interface ChaosWorkflowProps {
  /** The chaos namespace: the workflow, its ServiceAccount and every object it creates live there. */
  readonly namespace: INamespaceRef;
  /** The plan's steps, in order. */
  readonly steps: readonly ChaosWorkflowStep[];
  /**
   * Name of the WorkflowTemplate (and prefix of its ServiceAccount and Role).
   * @default 'chaos-plan'
   */
  readonly name?: string;
  /**
   * The run this workflow starts: the Workflow is `<name>-<runId>`, so applying the same run again changes nothing
   * and a new run id starts the plan again (as the engines' names do).
   * @default - the Workflow is `<name>-run`
   */
  readonly runId?: string;
  /**
   * Labels on every object.
   * @default {}
   */
  readonly labels?: Readonly<Record<string, string>>;
}

/** A resource template's action and conditions (Argo's ResourceTemplate fields). */
interface ResourceAction {
  readonly action: 'create' | 'get';
  readonly manifest: unknown;
  readonly successCondition?: string;
  readonly failureCondition?: string;
}

/**
 * The plan as an Argo WorkflowTemplate, and the Workflow that runs it: Argo's resource templates create each engine
 * and wait for `status.engineStatus == completed`, then read its ChaosResult and pass only on a `Pass` verdict. The
 * entry template's outer list is the plan's steps in order, its inner list the step's experiments (run together, as
 * a group's are); a failed step stops the rest unless its `stopOnFailure` is off (`continueOn.failed`). The load test
 * of an experiment is created when its step starts, before its engine.
 *
 * The workflow's ServiceAccount may do exactly what its templates do: create and read the engines, read the
 * results, create the load tests' ConfigMaps and Jobs, and report the step outputs (WorkflowTaskResults), in the
 * chaos namespace only. The Argo controller is the user's to install (lib/versions.ts `ARGO_WORKFLOWS_INSTALL`).
 */
export class ChaosWorkflow extends Construct {
  public readonly name: string;
  public readonly namespace: string;
  /** Name of the Workflow that runs the template (what `kubectl apply` starts). */
  public readonly workflowName: string;
  public readonly serviceAccount: k8s.KubeServiceAccount;
  /** The rules the ServiceAccount is granted in the chaos namespace. */
  public readonly rules: readonly PolicyRule[];
  /** The workflow's pods (Argo's executor), which call the API server. */
  public readonly pods: IPodGroup;
  public readonly template: ApiObject;
  public readonly workflow: ApiObject;

  public constructor(scope: Construct, id: string, props: ChaosWorkflowProps) {
    super(scope, id);
    this.name = assertDnsLabel('ChaosWorkflow.name', props.name ?? 'chaos-plan');
    this.namespace = props.namespace.name;
    this.workflowName = assertDnsLabel('ChaosWorkflow.runId', `${this.name}-${props.runId ?? 'run'}`);
    if (props.steps.length === 0) throw new ValidationError('ChaosWorkflow.steps', props.steps, 'must list at least one step');
    const labels = { 'app.kubernetes.io/part-of': 'chaos-stack', 'app.kubernetes.io/component': 'chaos-workflow', ...props.labels };
    const podLabels = { 'app.kubernetes.io/component': 'chaos-workflow' };
    this.pods = { name: 'chaos-workflow', namespace: props.namespace, podLabels };

    const templates: unknown[] = [];
    const resource = (name: string, r: ResourceAction, timeoutSeconds?: number): string => {
      templates.push({
        name,
        ...(timeoutSeconds === undefined ? {} : { activeDeadlineSeconds: timeoutSeconds }),
        resource: {
          action: r.action,
          // JSON is YAML: the manifest is the rendered object itself, nothing re-typed.
          manifest: JSON.stringify(r.manifest),
          ...(r.successCondition === undefined ? {} : { successCondition: r.successCondition }),
          ...(r.failureCondition === undefined ? {} : { failureCondition: r.failureCondition }),
        },
      });
      return name;
    };
    const seen = new Set<string>();
    const experimentTemplate = (field: string, exp: ChaosWorkflowExperiment): string => {
      const engine = exp.engine;
      if (seen.has(engine.name)) throw new ValidationError(`${field}.engine`, engine.name, 'is already run by an earlier step; each engine runs once');
      seen.add(engine.name);
      const timeout = assertIntegerInRange(`${field}.timeoutSeconds`, exp.timeoutSeconds, 1, 7 * 24 * 3600, ' s');
      const sequence: string[] = [];
      if (exp.load !== undefined) {
        for (const obj of loadObjects(exp.load)) sequence.push(resource(`${engine.name}-${obj.kind.toLowerCase()}`, { action: 'create', manifest: obj.toJson() }));
      }
      sequence.push(resource(`${engine.name}-engine`, {
        action: 'create',
        manifest: engine.apiObject.toJson(),
        successCondition: 'status.engineStatus == completed',
        failureCondition: 'status.engineStatus == stopped',
      }, timeout));
      sequence.push(resource(`${engine.name}-verdict`, {
        action: 'get',
        manifest: { apiVersion: 'litmuschaos.io/v1alpha1', kind: 'ChaosResult', metadata: { name: engine.resultName, namespace: engine.namespace } },
        successCondition: 'status.experimentStatus.verdict == Pass',
        failureCondition: 'status.experimentStatus.verdict in (Fail,Error,Stopped)',
      }, VERDICT_TIMEOUT_SECONDS));
      templates.push({ name: engine.name, steps: sequence.map((t) => [{ name: t.slice(engine.name.length + 1), template: t }]) });
      return engine.name;
    };
    const plan = props.steps.map((step, i) => {
      const field = `ChaosWorkflow.steps[${i}]`;
      assertDnsLabel(`${field}.name`, step.name);
      if (step.experiments.length === 0) throw new ValidationError(`${field}.experiments`, step.experiments, 'must list at least one experiment');
      return step.experiments.map((exp, j) => ({
        name: exp.engine.name,
        template: experimentTemplate(`${field}.experiments[${j}]`, exp),
        // A step that does not stop the plan: its failure lets the next step start.
        ...(step.stopOnFailure ? {} : { continueOn: { failed: true } }),
      }));
    });
    const loads = props.steps.some((s) => s.experiments.some((e) => e.load !== undefined));

    this.rules = [
      { apiGroups: ['litmuschaos.io'], resources: ['chaosengines'], verbs: ['create', 'get'] },
      { apiGroups: ['litmuschaos.io'], resources: ['chaosresults'], verbs: ['get'] },
      ...(loads ? [
        { apiGroups: [''], resources: ['configmaps'], verbs: ['create'] },
        { apiGroups: ['batch'], resources: ['jobs'], verbs: ['create'] },
      ] : []),
      // Argo's executor reports each step's outputs through a WorkflowTaskResult.
      { apiGroups: ['argoproj.io'], resources: ['workflowtaskresults'], verbs: ['create', 'patch'] },
    ];
    this.serviceAccount = new k8s.KubeServiceAccount(this, 'ServiceAccount', {
      metadata: { name: `${this.name}-workflow`, namespace: this.namespace, labels },
    });
    new RoleGrants(this, 'Rbac', {
      serviceAccount: { name: this.serviceAccount.name, namespace: this.namespace },
      roleName: `${this.name}-workflow`,
      clusterRoleName: `${this.name}-workflow`,
      labels,
      scopes: [{ namespace: this.namespace, rules: this.rules }],
    });

    this.template = new ApiObject(this, 'Template', {
      apiVersion: ARGO_API_VERSION,
      kind: 'WorkflowTemplate',
      metadata: { name: this.name, namespace: this.namespace, labels },
      spec: {
        entrypoint: 'plan',
        serviceAccountName: this.serviceAccount.name,
        podMetadata: { labels: podLabels },
        securityContext: restrictedPod(EXECUTOR_UID),
        templates: [{ name: 'plan', steps: plan }, ...templates],
      },
    });
    this.workflow = new ApiObject(this, 'Workflow', {
      apiVersion: ARGO_API_VERSION,
      kind: 'Workflow',
      metadata: { name: this.workflowName, namespace: this.namespace, labels },
      spec: { workflowTemplateRef: { name: this.name } },
    });
  }
}

/** The objects a load test renders (its ConfigMap, then its Job), in that order. */
function loadObjects(load: LoadGenerator): ApiObject[] {
  const objs = load.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject);
  const order = ['ConfigMap', 'Job'];
  return objs.filter((o) => order.includes(o.kind)).sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind));
}
