/**
 * A typed model of a Chaos Toolkit experiment (the open experiment format read by `chaos run`, chaostoolkit-lib
 * 1.44): title, description, tags, configuration, secrets, steady-state hypothesis with probes and tolerances,
 * method, rollbacks and `runtime` strategies. `Experiment.toJson()` renders the JSON document `chaos` reads.
 *
 * Activities carry, next to their JSON, the Kubernetes permissions they need (`permissions`), so that the
 * in-cluster runner can grant exactly those (see constructs/chaostoolkit/runner.ts). They are never rendered.
 */
import { ValidationError } from '../validation';

export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };
export type JsonObject = { readonly [key: string]: JsonValue };

/** When `chaos run` plays the rollbacks (`runtime.rollbacks.strategy`). */
export enum RollbackStrategy {
  /** Only when the run did not fail nor was interrupted: a raising probe after the method skips them (the talk's defect). */
  DEFAULT = 'default',
  /** Always, whatever happened: the only strategy that guarantees cleanup. */
  ALWAYS = 'always',
  NEVER = 'never',
  /** Only when the hypothesis deviated. */
  DEVIATED = 'deviated',
}

/** When the steady-state hypothesis is checked (`runtime.hypothesis.strategy`). */
export enum HypothesisStrategy {
  DEFAULT = 'default',
  BEFORE_METHOD_ONLY = 'before-method-only',
  AFTER_METHOD_ONLY = 'after-method-only',
  DURING_METHOD_ONLY = 'during-method-only',
  CONTINUOUSLY = 'continuously',
}

/** A Kubernetes permission an activity needs; `namespace` undefined means cluster-wide. */
export interface PermissionNeed {
  readonly apiGroup: string;
  readonly resource: string;
  readonly verbs: readonly string[];
  readonly namespace?: string;
}

export interface PythonProvider {
  readonly type: 'python';
  readonly module: string;
  readonly func: string;
  readonly arguments?: JsonObject;
  /** Names of top-level `secrets` scopes passed to the function. */
  readonly secrets?: readonly string[];
}

export interface ProcessProvider {
  readonly type: 'process';
  readonly path: string;
  readonly arguments?: string | readonly string[];
  readonly timeout?: number;
}

export interface HttpProvider {
  readonly type: 'http';
  readonly url: string;
  readonly method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD';
  readonly headers?: { readonly [key: string]: string };
  readonly arguments?: JsonObject;
  /** Seconds, or [connect, read]. */
  readonly timeout?: number | readonly [number, number];
  readonly verify_tls?: boolean;
}

export type Provider = PythonProvider | ProcessProvider | HttpProvider;

/** A tolerance that reads a value from the probe's output with a JSONPath. */
export interface JsonPathTolerance {
  readonly type: 'jsonpath';
  readonly path: string;
  readonly expect?: JsonValue;
  readonly target?: 'status' | 'body' | 'stdout' | 'stderr';
}

/** A tolerance that matches a regular expression against the probe's output. */
export interface RegexTolerance {
  readonly type: 'regex';
  readonly pattern: string;
  readonly target?: 'status' | 'body' | 'stdout' | 'stderr';
}

/**
 * A probe's tolerance: a literal the output must equal (a boolean, a number, such as an HTTP status or a process
 * exit code, or a string), an inclusive range [low, high], a JSONPath or a regex.
 */
export type Tolerance = boolean | number | string | readonly [number, number] | JsonPathTolerance | RegexTolerance;

export interface Pauses {
  /** Seconds to wait before the activity. */
  readonly before?: number;
  /** Seconds to wait after the activity. */
  readonly after?: number;
}

interface ActivityBase {
  readonly name: string;
  readonly provider: Provider;
  readonly pauses?: Pauses;
  /** Run the activity in the background (the method goes on). */
  readonly background?: boolean;
  /** What the activity needs from the Kubernetes API (not rendered). */
  readonly permissions: readonly PermissionNeed[];
}

export interface Action extends ActivityBase {
  readonly type: 'action';
}

export interface Probe extends ActivityBase {
  readonly type: 'probe';
  /** Required in the steady-state hypothesis; ignored in the method. */
  readonly tolerance?: Tolerance;
}

export type Activity = Action | Probe;

/** A configuration value: a literal, or read from the environment (with a default, so validation needs no env). */
export type ConfigurationValue = string | number | boolean | {
  readonly type: 'env';
  readonly key: string;
  readonly default?: string | number | boolean;
  readonly env_var_type?: 'str' | 'int' | 'float' | 'bool' | 'json';
};

/** A secret value: from the environment, or a literal (avoid). */
export type SecretValue = string | { readonly type: 'env'; readonly key: string };

export interface SteadyStateHypothesis {
  readonly title: string;
  readonly probes: readonly Probe[];
}

export interface Runtime {
  readonly rollbacks?: { readonly strategy: RollbackStrategy };
  readonly hypothesis?: { readonly strategy: HypothesisStrategy; readonly frequency?: number; readonly fail_fast?: boolean };
}

export interface ExperimentProps {
  /** A file-name-safe identifier (a DNS label): the JSON file and the ConfigMap key are named after it. */
  readonly id: string;
  readonly title: string;
  readonly description: string;
  /** @default - none */
  readonly tags?: readonly string[];
  /** @default - none */
  readonly configuration?: { readonly [key: string]: ConfigurationValue };
  /** Scopes of secrets, each a map of names to values. @default - none */
  readonly secrets?: { readonly [scope: string]: { readonly [key: string]: SecretValue } };
  /** @default - no hypothesis (the method runs unchecked: refused unless `allowNoHypothesis`) */
  readonly steadyStateHypothesis?: SteadyStateHypothesis;
  readonly method: readonly Activity[];
  /** @default - none */
  readonly rollbacks?: readonly Action[];
  /**
   * Rollback strategy written into the experiment (`runtime.rollbacks.strategy`).
   * @default RollbackStrategy.ALWAYS (rollbacks run even when a probe raised, which `default` would skip)
   */
  readonly rollbackStrategy?: RollbackStrategy;
  /** @default - the CLI's default (before and after the method) */
  readonly hypothesisStrategy?: HypothesisStrategy;
  /** @default false */
  readonly allowNoHypothesis?: boolean;
}

const ID = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * One Chaos Toolkit experiment. The constructor checks what `chaos validate` would refuse (empty title or
 * description, a hypothesis probe without tolerance, a rollback that is not an action) and the rules the talk's
 * experiments broke: a duplicate activity name, a method with no hypothesis, and a rollback strategy other than
 * `always` when there are rollbacks.
 */
export class Experiment {
  public readonly id: string;
  public readonly props: ExperimentProps;
  public readonly rollbackStrategy: RollbackStrategy;

  public constructor(props: ExperimentProps) {
    if (typeof props.id !== 'string' || props.id.length > 63 || !ID.test(props.id)) {
      throw new ValidationError('Experiment.id', props.id, 'must be a DNS-1123 label (it names the JSON file and the ConfigMap key)');
    }
    this.id = props.id;
    if (props.title.trim() === '') throw new ValidationError(`Experiment(${props.id}).title`, props.title, 'must not be empty');
    if (props.description.trim() === '') throw new ValidationError(`Experiment(${props.id}).description`, props.description, 'must not be empty');
    for (const tag of props.tags ?? []) {
      if (tag.trim() === '') throw new ValidationError(`Experiment(${props.id}).tags`, tag, 'must be non-empty strings');
    }
    if (props.steadyStateHypothesis === undefined && props.allowNoHypothesis !== true) {
      throw new ValidationError(`Experiment(${props.id}).steadyStateHypothesis`, undefined,
        'is required: without it nothing tells whether the system survived (set allowNoHypothesis to run a method unchecked)');
    }
    for (const probe of props.steadyStateHypothesis?.probes ?? []) {
      if (probe.type !== 'probe' || probe.tolerance === undefined) {
        throw new ValidationError(`Experiment(${props.id}).steadyStateHypothesis.probes[${probe.name}].tolerance`, probe.tolerance,
          'every hypothesis probe needs a tolerance');
      }
    }
    if (props.method.length === 0) throw new ValidationError(`Experiment(${props.id}).method`, [], 'must hold at least one activity');
    for (const rb of props.rollbacks ?? []) {
      if ((rb as Activity).type !== 'action') throw new ValidationError(`Experiment(${props.id}).rollbacks[${rb.name}].type`, rb.type, 'rollbacks must be actions');
    }
    const names = [...(props.steadyStateHypothesis?.probes ?? []), ...props.method, ...(props.rollbacks ?? [])].map((a) => a.name);
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    if (dup !== undefined) throw new ValidationError(`Experiment(${props.id}).activities`, dup, 'activity names must be unique within an experiment');
    this.rollbackStrategy = props.rollbackStrategy ?? RollbackStrategy.ALWAYS;
    if ((props.rollbacks ?? []).length > 0 && this.rollbackStrategy !== RollbackStrategy.ALWAYS) {
      throw new ValidationError(`Experiment(${props.id}).rollbackStrategy`, this.rollbackStrategy,
        "must be 'always' when the experiment has rollbacks: any other strategy skips them on some outcome and leaves the fault in place");
    }
    this.props = props;
  }

  /** Every activity: hypothesis probes, method, rollbacks. */
  public get activities(): readonly Activity[] {
    return [...(this.props.steadyStateHypothesis?.probes ?? []), ...this.props.method, ...(this.props.rollbacks ?? [])];
  }

  /** The Kubernetes permissions all activities need. */
  public get permissions(): readonly PermissionNeed[] {
    return this.activities.flatMap((a) => a.permissions);
  }

  /** The experiment JSON document. */
  public toJson(): JsonObject {
    const p = this.props;
    const runtime: { [k: string]: JsonValue } = { rollbacks: { strategy: this.rollbackStrategy } };
    if (p.hypothesisStrategy !== undefined) runtime.hypothesis = { strategy: p.hypothesisStrategy };
    return {
      version: '1.0.0',
      title: p.title,
      description: p.description,
      ...(p.tags ? { tags: [...p.tags] } : {}),
      ...(p.configuration ? { configuration: p.configuration as JsonObject } : {}),
      ...(p.secrets ? { secrets: p.secrets as JsonObject } : {}),
      ...(p.steadyStateHypothesis ? {
        'steady-state-hypothesis': { title: p.steadyStateHypothesis.title, probes: p.steadyStateHypothesis.probes.map(activityJson) },
      } : {}),
      method: p.method.map(activityJson),
      rollbacks: (p.rollbacks ?? []).map(activityJson),
      runtime,
    };
  }

  /** The JSON text (two-space indented, trailing newline). */
  public toString(): string {
    return `${JSON.stringify(this.toJson(), null, 2)}\n`;
  }
}

/** An activity as rendered: everything but `permissions`. */
export function activityJson(a: Activity): JsonObject {
  return {
    type: a.type,
    name: a.name,
    provider: a.provider as unknown as JsonObject,
    ...(a.type === 'probe' && a.tolerance !== undefined ? { tolerance: a.tolerance as JsonValue } : {}),
    ...(a.pauses ? { pauses: a.pauses as JsonObject } : {}),
    ...(a.background === true ? { background: true } : {}),
  };
}
