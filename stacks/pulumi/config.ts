/**
 * The one typed config boundary of the Pulumi program: stack config (strings, as Pulumi stores them) in, the
 * EnvironmentConfig the cdk8s entry also uses plus the deploy options out. Every key is validated here, before
 * any resource is registered; constructs and components never read `pulumi.Config`.
 */
import type * as pulumi from '@pulumi/pulumi';
import { type EnvironmentConfig, ENVIRONMENTS, Environment, environmentConfig, selectExperiments } from '../environments';
import { type CrdSourceOption } from '../../lib/pulumi/crds';
import { type KubeTarget } from '../../lib/results/kube-api';
import { kubeconfigSource } from '../../lib/results/kube-api';
import { assertDnsLabel, assertIntegerInRange, Redacted, ValidationError } from '../../lib/validation';

/** The Pulumi project name, which namespaces the project's config keys (`chaos-stack:<key>`). */
export const PROJECT = 'chaos-stack';

/** How the stack is deployed and its chaos read back; everything that is not the environment itself. */
export interface DeployOptions {
  /**
   * Path to a kubeconfig file, or its contents, for the readback. It may hold credentials: it is never put in an
   * output or a message, and the provider gets it as a secret ({@link PulumiStackConfig.kubeconfigSecret}).
   * @default - the ambient kubeconfig ($KUBECONFIG or ~/.kube/config)
   */
  readonly kubeconfig?: string;
  /**
   * kubeconfig context.
   * @default - the kubeconfig's current context
   */
  readonly kubeContext?: string;
  readonly crdSource: CrdSourceOption;
  /** Whether a verdict other than Pass (or a failed readback) fails `pulumi up`. */
  readonly gateOnVerdict: boolean;
  /**
   * Wait timeout for every engine, overriding the one derived from its durations.
   * @default - each engine's expected duration plus a margin (lib/results/targets.ts)
   */
  readonly waitTimeoutSeconds?: number;
  /** Delay between two reads of an engine while waiting. */
  readonly pollIntervalSeconds: number;
  /**
   * Another stack of the project whose last update must have passed (every verdict Pass, its score at or above its
   * minimum) with the same program version before this one deploys anything, e.g. `organization/chaos-stack/staging`.
   * @default - none: the stack deploys without asking
   */
  readonly requiresStack?: string;
}

/** The validated stack config. */
export interface StackConfig {
  /** The environment's config with `runId`, the experiment subset and the plan overrides applied. */
  readonly environment: EnvironmentConfig;
  readonly deploy: DeployOptions;
}

/** What {@link readStackConfig} returns: the stack config plus the secrets, which only Pulumi can read. */
export interface PulumiStackConfig extends StackConfig {
  /** Grafana's admin password (`pulumi config set --secret grafanaAdminPassword`), for the monitoring constructs. */
  readonly grafanaAdminPassword: pulumi.Output<string>;
  /**
   * The kubeconfig setting as a Pulumi secret (whether or not the stack stores it with `--secret`), for the Kubernetes
   * provider's input: contents hold credentials, and the state encrypts secrets only.
   */
  readonly kubeconfigSecret?: pulumi.Output<string>;
}

/**
 * Where an environment name's config comes from: the table of stacks/environments.ts, or a library user's own
 * (a program of theirs calling `chaosStackProgram({ environments })`). Whatever it returns is checked like the table.
 */
export type EnvironmentTable = (name: Environment) => EnvironmentConfig;

/** Secret keys: read with requireSecret, never passed through {@link parseStackConfig}. */
export const SECRET_KEYS = ['grafanaAdminPassword'] as const;

/** The plain config keys of the project (see Pulumi.yaml for their descriptions). */
export const CONFIG_KEYS = [
  'environment', 'kubeconfig', 'kubeContext', 'experiments', 'stopOnFailure', 'minResilienceScore', 'crdSource', 'gateOnVerdict', 'runId',
  'waitTimeoutSeconds', 'pollIntervalSeconds', 'requiresStack',
] as const;

/** A Pulumi stack name: `<stack>`, `<project>/<stack>` or `<organization>/<project>/<stack>`. */
const STACK_NAME = /^(?:[A-Za-z0-9_.-]+\/){0,2}[A-Za-z0-9_.-]+$/;

function stackName(raw: Record<string, unknown>, key: ConfigKey): string | undefined {
  const value = optionalString(raw, key);
  if (value !== undefined && !STACK_NAME.test(value)) {
    throw new ValidationError(key, value, 'must be a stack name: <stack>, <project>/<stack> or <organization>/<project>/<stack>');
  }
  return value;
}

type ConfigKey = typeof CONFIG_KEYS[number];

function optionalString(raw: Record<string, unknown>, key: ConfigKey): string | undefined {
  const value = raw[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.trim() === '') throw new ValidationError(key, value, 'must be a non-empty string');
  return value;
}

/**
 * The kubeconfig setting: a path or the kubeconfig itself, told apart and checked by kubeconfigSource (an existing,
 * non-empty kubeconfig file, or contents), with messages that never repeat contents.
 */
function kubeconfigSetting(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.trim() === '') {
    throw new ValidationError('kubeconfig', typeof value === 'string' ? value : new Redacted('a value that is not a string'), 'must be a non-empty string');
  }
  kubeconfigSource(value, 'kubeconfig');
  return value;
}

function optionalInteger(raw: Record<string, unknown>, key: ConfigKey, min: number, max: number): number | undefined {
  const value = raw[key];
  if (value === undefined) return undefined;
  const n = typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value.trim()) : value;
  if (typeof n !== 'number') throw new ValidationError(key, value, `must be a whole number of seconds from ${min} to ${max}`);
  return assertIntegerInRange(key, n, min, max, 'seconds');
}

function optionalBoolean(raw: Record<string, unknown>, key: ConfigKey): boolean | undefined {
  const value = raw[key];
  if (value === undefined || typeof value === 'boolean') return value;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new ValidationError(key, value, 'must be true or false');
}

function experimentIds(raw: Record<string, unknown>): string[] | undefined {
  const key = 'experiments';
  let value = raw[key];
  if (value === undefined) return undefined;
  const allowed = 'must be a non-empty list of distinct experiments of the plan, e.g. ["pod-delete"] or ["app-sample/pod-delete"]';
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      throw new ValidationError(key, value, allowed);
    }
  }
  if (!Array.isArray(value) || value.length === 0) throw new ValidationError(key, value, allowed);
  const seen = new Set<string>();
  value.forEach((name: unknown, i) => {
    if (typeof name !== 'string' || seen.has(name)) throw new ValidationError(`${key}[${i}]`, name, allowed);
    seen.add(name);
  });
  return value as string[];
}

function optionalScore(raw: Record<string, unknown>, key: ConfigKey): number | undefined {
  const value = raw[key];
  if (value === undefined) return undefined;
  const n = typeof value === 'string' && /^\d+(\.\d+)?$/.test(value.trim()) ? Number(value.trim()) : value;
  if (typeof n !== 'number' || !(n >= 0 && n <= 100)) throw new ValidationError(key, value, 'must be a number from 0 to 100');
  return n;
}

/** The plan with stack-config overrides: one stopOnFailure for every step, and the minimum score. */
function withPlanOverrides(config: EnvironmentConfig, stopOnFailure?: boolean, minResilienceScore?: number): EnvironmentConfig {
  if (stopOnFailure === undefined && minResilienceScore === undefined) return config;
  const plan = config.plan;
  return {
    ...config,
    plan: {
      ...plan,
      ...(minResilienceScore === undefined ? {} : { minResilienceScore }),
      ...(stopOnFailure === undefined ? {} : { stopOnFailure, steps: plan.steps.map((step) => ({ ...step, stopOnFailure })) }),
    },
  };
}

/**
 * The project's own keys of a stack's config (`chaos-stack:<key>`, or a bare `<key>`, which Pulumi puts in the
 * project's namespace), without the prefix, as parseStackConfig takes them; other namespaces' keys
 * (`kubernetes:...`) and the secrets are left out.
 */
export function projectKeys<T>(config: Readonly<Record<string, T>>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const [fullKey, value] of Object.entries(config)) {
    const key = fullKey.startsWith(`${PROJECT}:`) ? fullKey.slice(PROJECT.length + 1) : fullKey.includes(':') ? undefined : fullKey;
    if (key !== undefined && !(SECRET_KEYS as readonly string[]).includes(key)) out[key] = value;
  }
  return out;
}

/**
 * Validates stack config and builds the typed config. `raw` maps bare keys (no `chaos-stack:` prefix) to values,
 * either as Pulumi stores them (strings; lists as JSON) or already typed. Unknown keys are rejected so that a
 * typo in a stack file does not silently fall back to a default. Throws a ValidationError naming the key, the
 * value and what is allowed.
 */
export function parseStackConfig(raw: Record<string, unknown>, environments: EnvironmentTable = environmentConfig): StackConfig {
  const known: readonly string[] = [...CONFIG_KEYS, ...SECRET_KEYS];
  for (const key of Object.keys(raw)) {
    if (!known.includes(key)) {
      throw new ValidationError(`${PROJECT}:${key}`, raw[key], `is not a config key of this project; the keys are ${known.join(', ')}`);
    }
  }
  const envName = raw.environment;
  if (typeof envName !== 'string' || !(ENVIRONMENTS as readonly string[]).includes(envName)) {
    throw new ValidationError('environment', envName, `must be one of ${ENVIRONMENTS.map((e) => `'${e}'`).join(', ')} (required)`);
  }
  const base = environments(envName as Environment);

  const runIdValue = raw.runId;
  let runId: string | undefined;
  if (runIdValue !== undefined) {
    if (typeof runIdValue !== 'string') throw new ValidationError('runId', runIdValue, 'must be a string (a DNS-1123 label)');
    runId = assertDnsLabel('runId', runIdValue);
  }

  const subset = experimentIds(raw);
  const selected = withPlanOverrides(subset === undefined ? base : selectExperiments(base, 'experiments', subset),
    optionalBoolean(raw, 'stopOnFailure'), optionalScore(raw, 'minResilienceScore'));

  const crdValue = optionalString(raw, 'crdSource');
  const crdSource: CrdSourceOption = crdValue === undefined || crdValue === 'url' ? { kind: 'url' } : { kind: 'folder', path: crdValue };

  const waitTimeoutSeconds = optionalInteger(raw, 'waitTimeoutSeconds', 1, 86_400);
  const kubeconfig = kubeconfigSetting(raw.kubeconfig);
  const kubeContext = optionalString(raw, 'kubeContext');
  const requiresStack = stackName(raw, 'requiresStack');
  return {
    environment: { ...selected, ...(runId === undefined ? {} : { runId }) },
    deploy: {
      ...(kubeconfig === undefined ? {} : { kubeconfig }),
      ...(kubeContext === undefined ? {} : { kubeContext }),
      crdSource,
      // A failing verdict blocks staging and prod; dev is for trying things out.
      gateOnVerdict: optionalBoolean(raw, 'gateOnVerdict') ?? base.environment !== Environment.DEV,
      ...(waitTimeoutSeconds === undefined ? {} : { waitTimeoutSeconds }),
      pollIntervalSeconds: optionalInteger(raw, 'pollIntervalSeconds', 1, 300) ?? 5,
      ...(requiresStack === undefined ? {} : { requiresStack }),
    },
  };
}

/** Provider config keys an explicit provider does not read, and the project key that replaces each. */
const PROVIDER_KEYS: Readonly<Record<string, string>> = {
  'kubernetes:context': `${PROJECT}:kubeContext`,
  'kubernetes:kubeconfig': `${PROJECT}:kubeconfig`,
  'kubernetes:cluster': `${PROJECT}:kubeContext`,
};

/**
 * Checks stack config outside the project's keys (full `namespace:key` names) and the stack name:
 * - `kubernetes:context` and friends only configure Pulumi's default provider; this program deploys through an
 *   explicit one, so such a key would silently be ignored and the stack deployed to another cluster;
 * - a stack named after an environment must deploy that environment (a `staging` stack deploying prod's config
 *   is a mistake, not a choice).
 */
export function checkStackSettings(
  all: Record<string, string>, stack: string, environment: string, requiresStack?: string, organization?: string,
): void {
  if (requiresStack !== undefined) {
    const parts = requiresStack.split('/');
    const [org, project, name] = parts.length === 3 ? parts : parts.length === 2 ? [organization, ...parts] : [organization, PROJECT, parts[0]];
    if (name === stack && project === PROJECT && (org === undefined || organization === undefined || org === organization)) {
      throw new ValidationError('requiresStack', requiresStack, `must name another stack: '${stack}' cannot require its own verdicts`);
    }
  }
  for (const [key, replacement] of Object.entries(PROVIDER_KEYS)) {
    if (all[key] !== undefined) {
      // A kubeconfig may hold credentials: never repeat it.
      const value = key === 'kubernetes:kubeconfig' ? new Redacted('a kubeconfig or its path') : all[key];
      throw new ValidationError(key, value, `is not read: this project deploys through an explicit Kubernetes provider; set ${replacement} instead`);
    }
  }
  if ((ENVIRONMENTS as readonly string[]).includes(stack) && stack !== environment) {
    throw new ValidationError('environment', environment, `must be '${stack}' in the stack '${stack}' (a stack named after an environment deploys it)`);
  }
}

/**
 * Reads the stack config through Pulumi: every `chaos-stack:*` key of the stack (so unknown keys are caught),
 * validated by {@link parseStackConfig}, and the secrets with requireSecret (no default: a missing password fails).
 * The program passes the running stack's `pulumi.runtime.allConfig()`, `pulumi.getStack()` and
 * `pulumi.getOrganization()`: this module only names Pulumi's types, so the config checks load without the SDK.
 */
export function readStackConfig(
  cfg: pulumi.Config, all: Record<string, string>, stack: string, environments: EnvironmentTable, organization: string | undefined,
): PulumiStackConfig {
  const parsed = parseStackConfig(projectKeys(all), environments);
  checkStackSettings(all, stack, parsed.environment.environment, parsed.deploy.requiresStack, organization);
  const kubeconfigSecret = parsed.deploy.kubeconfig === undefined ? undefined : cfg.getSecret('kubeconfig');
  return {
    ...parsed, grafanaAdminPassword: cfg.requireSecret('grafanaAdminPassword'),
    ...(kubeconfigSecret === undefined ? {} : { kubeconfigSecret }),
  };
}

/** The cluster the readback reads: the deploy options' kubeconfig and context (what the provider is given too). */
export function kubeTarget(deploy: DeployOptions): KubeTarget {
  return {
    ...(deploy.kubeconfig === undefined ? {} : { kubeconfig: deploy.kubeconfig }),
    ...(deploy.kubeContext === undefined ? {} : { context: deploy.kubeContext }),
  };
}
