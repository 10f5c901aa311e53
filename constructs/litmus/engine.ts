import { type Duration } from 'cdk8s';
import { Construct, type IConstruct } from 'constructs';
import * as litmus from '../../lib/imports/litmus-litmuschaos.io';
import { assertDnsLabel, assertLabelValue, ValidationError, wholeSeconds } from '../../lib/validation';
import { type IChaosTarget } from '../target-app';
import { BlastRadius } from './blast-radius';
import { type ChaosExperiment } from './experiment';
import { type Fault } from './faults';
import { type Probe } from './probes';
import { ExperimentRbac } from './rbac';

/** `spec.engineState`: `active` runs the chaos; the operator rewrites it to `stop` when a run completes. */
export enum EngineState {
  ACTIVE = 'active',
  STOP = 'stop',
}

/** What happens to the experiment Job when the run ends. */
export enum JobCleanUpPolicy {
  DELETE = 'delete',
  RETAIN = 'retain',
}

/** How long the runner waits for the experiment pod (`statusCheckTimeouts`, whole seconds). */
export interface StatusCheckTimeouts {
  /** Delay between two checks. */
  readonly delay: Duration;
  /** Total time before the runner gives up. */
  readonly timeout: Duration;
}

/** What a ChaosEngine and a ChaosSchedule's engine template share. */
export interface ChaosEngineTemplateProps {
  /** The experiment to run; the engine lives in its namespace. */
  readonly experiment: ChaosExperiment;
  /** The fault's tunables; must be the experiment's fault. */
  readonly fault: Fault;
  /** The workload the chaos is aimed at; appinfo is derived from it. */
  readonly target: IChaosTarget;
  /** The ServiceAccount the chaos runs as (see ExperimentRbac). */
  readonly serviceAccount: ExperimentRbac;
  /**
   * Probes that decide the verdict together with the built-in checks.
   * @default - none
   */
  readonly probes?: readonly Probe[];
  /**
   * What happens to the experiment Job when the run ends.
   * @default JobCleanUpPolicy.DELETE
   */
  readonly jobCleanUpPolicy?: JobCleanUpPolicy;
  /**
   * How long the runner waits for the experiment pod.
   * @default - the runner's defaults (2 s delay, 180 s timeout)
   */
  readonly statusCheckTimeouts?: StatusCheckTimeouts;
  /**
   * Limits the target and the fault must stay within.
   * @default BlastRadius.DEFAULT
   */
  readonly blastRadius?: BlastRadius;
}

export interface ChaosEngineProps extends Omit<ChaosEngineTemplateProps, 'serviceAccount'> {
  /**
   * The engine's name (a DNS-1123 label). Its ChaosResult is `<name>-<fault>`.
   * @default - `<target>-<fault>`, plus `-<runId>` when a run id is given
   */
  readonly name?: string;
  /**
   * Identifies one run of the chaos: engines of a new run get new names, so a new id starts a new run while an
   * unchanged id changes nothing.
   * @default - no run id in the name
   */
  readonly runId?: string;
  /**
   * The ServiceAccount the chaos runs as.
   * @default - a new ExperimentRbac with exactly the fault's permissions, named `<target>-<fault>-sa`
   */
  readonly serviceAccount?: ExperimentRbac;
  /**
   * `spec.engineState`.
   * @default EngineState.ACTIVE
   */
  readonly engineState?: EngineState;
  /**
   * The chaos-exporter's `context` label (shown as `chaosengine_context` in metrics).
   * @default - none
   */
  readonly context?: string;
}

/**
 * Validates a template and renders the ChaosEngine spec. Shared by ChaosEngine and ChaosSchedule so that both
 * agree on appinfo, env and probes. `field` prefixes error messages.
 */
export function renderEngineSpec(field: string, props: ChaosEngineTemplateProps, engineState: EngineState): litmus.ChaosEngineSpec {
  const { experiment, fault, target } = props;
  if (fault.name !== experiment.name) {
    throw new ValidationError(`${field}.fault`, fault.name, `must be the experiment's fault ('${experiment.name}')`);
  }
  if (props.serviceAccount.namespace.name !== experiment.namespace.name) {
    throw new ValidationError(`${field}.serviceAccount`, `${props.serviceAccount.namespace.name}/${props.serviceAccount.name}`,
      `must live in the engine's namespace '${experiment.namespace.name}'`);
  }
  (props.blastRadius ?? BlastRadius.DEFAULT).check(field, target.namespace.name, experiment.namespace, fault);
  const probes = props.probes ?? [];
  const seen = new Set<string>();
  for (const probe of probes) {
    if (seen.has(probe.name)) throw new ValidationError(`${field}.probes`, probe.name, 'probe names must be unique within an engine');
    seen.add(probe.name);
  }
  const timeouts = props.statusCheckTimeouts;
  return {
    engineState,
    appinfo: { appns: target.namespace.name, applabel: `${target.selectorLabel.key}=${target.selectorLabel.value}`, appkind: target.kind },
    chaosServiceAccount: props.serviceAccount.name,
    jobCleanUpPolicy: props.jobCleanUpPolicy ?? JobCleanUpPolicy.DELETE,
    experiments: [{
      name: experiment.name,
      spec: {
        components: {
          env: fault.envVars(),
          statusCheckTimeouts: timeouts && {
            delay: wholeSeconds(`${field}.statusCheckTimeouts.delay`, timeouts.delay),
            timeout: wholeSeconds(`${field}.statusCheckTimeouts.timeout`, timeouts.timeout),
          },
        },
        probe: probes.length > 0 ? probes.map((p) => p.render()) : undefined,
      },
    }],
  };
}

/**
 * A Litmus ChaosEngine: runs one fault against one target, in the chaos namespace, as a least-privilege
 * ServiceAccount, with typed probes. Its appinfo is derived from the target object so that namespace, label and
 * kind cannot disagree; its name is unique per target and fault (two engines with one name are rejected).
 *
 * @example
 * new ChaosEngine(this, 'PodDelete', {
 *   experiment, target: app, fault: Fault.podDelete({ totalChaosDuration: Duration.seconds(30) }),
 *   probes: [Probe.frontendAccess(app)],
 * });
 */
export class ChaosEngine extends Construct {
  /**
   * Longest engine name: the operator labels the runner pod `app=<engine>`, and a label value has at most 63
   * characters (the ChaosResult `<engine>-<fault>`, at most 253, is never the tighter bound).
   */
  public static readonly MAX_NAME_LENGTH = 63;

  /** The name an engine gets unless one is given: `<target>-<fault>`, plus `-<runId>` for a run. */
  public static defaultName(target: IChaosTarget, fault: Fault, runId?: string): string {
    const base = `${target.name}-${fault.name}`;
    return runId === undefined ? base : `${base}-${runId}`;
  }

  /**
   * Checks a run id against the names it goes into: `names` are templates with `<runId>` (the engine's own,
   * `<target>-<fault>-<runId>`, and any derived from it, such as a load Job's `<engine>-load`), each limited to
   * `MAX_NAME_LENGTH` characters. Throws naming `field`, so the run id is blamed rather than a name derived from it.
   */
  public static checkRunId(field: string, runId: string, names: readonly string[]): string {
    assertDnsLabel(field, runId);
    const longest = [...names].sort((a, b) => b.length - a.length)[0] ?? '<runId>';
    const max = ChaosEngine.MAX_NAME_LENGTH - (longest.length - '<runId>'.length);
    if (runId.length > max) {
      throw new ValidationError(field, runId, `must be at most ${Math.max(max, 0)} characters: it goes into the name '${longest}', which may have at `
        + `most ${ChaosEngine.MAX_NAME_LENGTH} (a label value)`);
    }
    return runId;
  }

  public readonly name: string;
  public readonly namespace: string;
  public readonly fault: Fault;
  public readonly target: IChaosTarget;
  public readonly serviceAccount: ExperimentRbac;
  public readonly probes: readonly Probe[];
  public readonly apiObject: litmus.ChaosEngine;

  public constructor(scope: Construct, id: string, props: ChaosEngineProps) {
    super(scope, id);
    const base = `${props.target.name}-${props.fault.name}`;
    const runId = props.runId === undefined ? undefined : ChaosEngine.checkRunId('ChaosEngine.runId', props.runId, [`${base}-<runId>`]);
    const context = props.context === undefined ? undefined : assertLabelValue('ChaosEngine.context', props.context);
    this.name = assertDnsLabel('ChaosEngine.name', props.name ?? ChaosEngine.defaultName(props.target, props.fault, runId));
    this.namespace = props.experiment.namespace.name;
    this.fault = props.fault;
    this.target = props.target;
    this.probes = props.probes ?? [];
    const field = `ChaosEngine '${this.name}'`;
    assertUniqueEngine(this, field);
    this.serviceAccount = props.serviceAccount ?? new ExperimentRbac(this, 'Rbac', {
      name: `${base}-sa`,
      chaosNamespace: props.experiment.namespace,
      targetNamespace: props.target.namespace,
      fault: props.fault.definition,
      probes: this.probes,
    });
    const spec = renderEngineSpec(field, { ...props, serviceAccount: this.serviceAccount }, props.engineState ?? EngineState.ACTIVE);
    this.node.addValidation({ validate: () => this.probesAddressThisStack(field) });
    this.apiObject = new litmus.ChaosEngine(this, 'Resource', {
      metadata: {
        name: this.name,
        namespace: this.namespace,
        labels: {
          'app.kubernetes.io/part-of': 'chaos-stack',
          'litmuschaos.io/fault': this.fault.name,
          ...(context === undefined ? {} : { context }),
          ...(runId === undefined ? {} : { 'chaos-stack/run-id': runId }),
        },
      },
      spec,
    });
  }

  /** Name of the ChaosResult the run writes (`<engine>-<experiment>`). */
  public get resultName(): string {
    return `${this.name}-${this.fault.name}`;
  }

  /** A probe built from a Service must address a Service synthesized in the same app, not one of another stack. */
  private probesAddressThisStack(field: string): string[] {
    return this.probes.flatMap((p) => {
      const service = p.service?.service;
      if (!(service instanceof Construct) || service.node.root === this.node.root) return [];
      return [`Invalid ${field}.probes['${p.name}']: Service '${service.namespace.name}/${service.name}' is not part of this stack; `
        + 'probes built from a Service must address one the stack deploys.'];
    });
  }

  /** Upper bound of one run, in seconds: ramp before and after, the chaos, and the runner's status checks. */
  public get expectedDurationSeconds(): number {
    return this.fault.totalChaosDurationSeconds + 2 * this.fault.rampTimeSeconds;
  }
}

/**
 * The engines of each app by `<namespace>/<name>`: one lookup per engine instead of a walk of the whole tree, which
 * made a stack of n engines cost n^2 (100 targets x 10 faults: 2 s of 5).
 */
const ENGINES = new WeakMap<IConstruct, Map<string, ChaosEngine>>();

function assertUniqueEngine(engine: ChaosEngine, field: string): void {
  const root = engine.node.root;
  const engines = ENGINES.get(root) ?? new Map<string, ChaosEngine>();
  ENGINES.set(root, engines);
  const key = `${engine.namespace}/${engine.name}`;
  const clash = engines.get(key);
  if (clash) {
    throw new ValidationError(`${field}.name`, engine.name,
      `another ChaosEngine (${clash.node.path}) already has this name in namespace '${engine.namespace}'; names must be unique`);
  }
  engines.set(key, engine);
}
