/**
 * The Pulumi program: builds the same ChaosStack the cdk8s entry builds (one source of truth), deploys its charts
 * layer by layer through an explicit provider, waits for the chaos, reads the verdicts back and gates on them.
 * `index.ts` only calls {@link chaosStackProgram}; tests import this module after `pulumi.runtime.setMocks`.
 */
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { planGateMessage, runPlan, type StepOutcome } from '../../lib/plan';
import { type PromotionEvidence, promotionMessage, promotionProblems } from '../../lib/promotion';
import { after, ChaosEngines, CrdInstall, type DeployedLayer, Layer } from '../../lib/pulumi/components';
import { type Fetcher, type KubeObject, loadCrds } from '../../lib/pulumi/crds';
import { ExternalSecretInstall } from '../../lib/pulumi/secrets';
import { type ChaosApi, collectRun, type CollectOptions, type EngineTarget } from '../../lib/results/collect';
import { kubeChaosApi, type KubeTarget } from '../../lib/results/kube-api';
import {
  type ExperimentResult, experimentKey, problemResult, ReadbackProblem, type RunSummary, summarize,
} from '../../lib/results/reader';
import { withWaitTimeout } from '../../lib/results/targets';
import { type PlanStepLayer, preparingLayers, SecretContent } from '../../lib/stack';
import { ValidationError } from '../../lib/validation';
import { chartObjects } from '../../lib/synth';
import { buildChaosStack, type ChaosStack } from '../chaos-stack';
import { ChaosRunner, ENVIRONMENTS, environmentConfig } from '../environments';
import { programVersion } from '../version';
import { type EnvironmentTable, kubeTarget, type PulumiStackConfig, readStackConfig } from './config';

/** Replaceable edges of the program (the cluster reads, the CRD download, the environment table), for tests and library users. */
export interface ProgramDeps {
  /** Builds the ChaosApi of the readback. @default - @kubernetes/client-node on the provider's kubeconfig and context */
  readonly chaosApi?: (target: KubeTarget) => Promise<ChaosApi>;
  /** Fetches a pinned CRD URL. @default - HTTP GET */
  readonly fetchCrds?: Fetcher;
  /** Clock and sleep of the wait. */
  readonly now?: CollectOptions['now'];
  readonly sleep?: CollectOptions['sleep'];
  /**
   * The environment configs, by name: a library user's own table (targets and plans of their services). Checked
   * like the built-in one.
   * @default - stacks/environments.ts
   */
  readonly environments?: EnvironmentTable;
}

/** The stack outputs. */
export interface ProgramOutputs {
  readonly environment: string;
  /** The content hash of every environment's manifests (stacks/version.ts): what a promotion compares. */
  readonly programVersion: string;
  readonly runId: string | null;
  readonly gateOnVerdict: boolean;
  /** Every engine of the plan, run or not, and its ChaosResult, for readers outside the program (`npm run results`). */
  readonly engines: readonly EngineTarget[];
  /**
   * Per experiment (keyed `<target>/<fault>`): verdict, phase, probes, counters..., or NotRun with the reason.
   * Unknown during preview.
   */
  readonly results: pulumi.Output<Record<string, ExperimentResult>>;
  /** allPassed and the failing experiments. Unknown during preview. */
  readonly summary: pulumi.Output<RunSummary>;
  /** Each step in order: status (Passed, Failed, NotRun), why, its experiments, when it started and ended. */
  readonly plan: pulumi.Output<readonly StepOutcome[]>;
  /** 0 to 100: Litmus's formula over the steps' weights, not-run experiments counted 0. Unknown during preview. */
  readonly resilienceScore: pulumi.Output<number>;
  readonly minResilienceScore: number;
}

/** An output that is unknown until the update (what a preview shows for values read back from the cluster). */
function unknownOutput<T>(): pulumi.Output<T> {
  return pulumi.output(pulumi.unknown as T) as pulumi.Output<T>;
}

/**
 * The value of an output once its resources exist (rejected when their registration fails). The SDK's Output has
 * no public await; its `promise()` is what `apply` itself waits on.
 */
function settled<T>(o: pulumi.Output<T>): Promise<T> {
  return (o as unknown as { promise(): Promise<T> }).promise();
}

/**
 * What the required stack exports, through a StackReference (a read, not a deployed resource). A stack that does not
 * exist fails the reference's read, and with it the update, before any Kubernetes resource is registered: the engine
 * says `unknown stack <name>` (the SDK gives the program no way to answer a failed read with its own message).
 */
async function readEvidence(required: string): Promise<PromotionEvidence> {
  const ref = new pulumi.StackReference('required-stack', { name: required });
  const read = async (name: string): Promise<unknown> => (await ref.getOutputDetails(name)).value;
  let summary: unknown;
  try {
    summary = await read('summary');
  } catch {
    return { exists: false };
  }
  const [resilienceScore, minResilienceScore, version] = await Promise.all([read('resilienceScore'), read('minResilienceScore'), read('programVersion')]);
  return {
    exists: true,
    ...(typeof summary === 'object' && summary !== null ? { summary: summary as PromotionEvidence['summary'] } : {}),
    ...(resilienceScore === undefined ? {} : { resilienceScore }),
    ...(minResilienceScore === undefined ? {} : { minResilienceScore }),
    ...(version === undefined ? {} : { programVersion: version }),
  };
}


/**
 * Deploys the stack of the configured environment, runs its plan step by step and reads the verdicts back: the
 * engines (and load tests) of a step are registered only once every verdict of the step before is final, and a
 * failed step with stopOnFailure leaves the later ones unregistered and reported NotRun.
 */
export async function chaosStackProgram(deps: ProgramDeps = {}): Promise<ProgramOutputs> {
  // Config and the stack are validated before the first resource is registered. A RunError makes Pulumi print the
  // message alone (no stack trace) and fail the update.
  let config: PulumiStackConfig;
  let stack: ChaosStack;
  try {
    config = readStackConfig(new pulumi.Config(), pulumi.runtime.allConfig(), pulumi.getStack(), deps.environments ?? environmentConfig,
      pulumi.getOrganization());
    if (config.environment.runner === ChaosRunner.ARGO) {
      // The workflow is what starts that environment's chaos: applying it from here as well would run the plan twice.
      throw new ValidationError('runner', config.environment.runner, `is run by Argo Workflows from dist/${config.environment.environment}/ `
        + "(kubectl apply or a GitOps controller); this Pulumi program runs plans of runner 'pulumi' only");
    }
    stack = buildChaosStack({ config: config.environment });
  } catch (err) {
    throw err instanceof pulumi.RunError ? err : new pulumi.RunError(err instanceof Error ? err.message : String(err));
  }
  const { deploy } = config;
  const env = config.environment.environment;
  const table = deps.environments ?? environmentConfig;
  const version = programVersion(ENVIRONMENTS.map((e) => table(e)));
  if (deploy.requiresStack !== undefined) {
    // Promotion: nothing is deployed unless the stack before passed this very version.
    const problems = promotionProblems(deploy.requiresStack, await readEvidence(deploy.requiresStack), version);
    if (problems.length > 0) throw new pulumi.RunError(promotionMessage(pulumi.getStack(), deploy.requiresStack, version, problems));
  }
  const crdObjs = await loadCrds(stack.crdSources, deploy.crdSource, deps.fetchCrds);

  const kube = kubeTarget(deploy);
  // The kubeconfig may hold credentials: the provider gets it as a secret, so the state encrypts it.
  const provider = new k8s.Provider(`k8s-${env}`, {
    ...(config.kubeconfigSecret === undefined ? {} : { kubeconfig: config.kubeconfigSecret }),
    ...(deploy.kubeContext === undefined ? {} : { context: deploy.kubeContext }),
  });
  // What the deployment fills each external Secret's keys with.
  const secretValues = {
    [SecretContent.GRAFANA_ADMIN_USER]: 'admin',
    [SecretContent.GRAFANA_ADMIN_PASSWORD]: config.grafanaAdminPassword,
  };

  // CRDs first, then each layer in the stack's order, depending on everything before it; the Secrets a layer
  // reads are created just before it.
  const installed: DeployedLayer[] = [new CrdInstall('crds', { objs: crdObjs, provider })];
  for (const layer of preparingLayers(stack)) {
    for (const secret of layer.secrets) {
      installed.push(new ExternalSecretInstall(`${secret.namespace}-${secret.name}`, { secret, values: secretValues, provider },
        { dependsOn: after(installed) }));
    }
    installed.push(new Layer(layer.name, { objs: chartObjects(layer.chart) as KubeObject[], provider }, { dependsOn: after(installed) }));
  }
  // Applying a ChaosEngine starts chaos: each step's engines are their own resources (operator rewrites ignored),
  // after everything before them, so that `pulumi destroy` deletes them first.
  const startStep = (step: PlanStepLayer): ChaosEngines => {
    const objs = chartObjects(step.layer.chart) as KubeObject[];
    const engines = new ChaosEngines(step.layer.name, { objs, provider }, { dependsOn: after(installed) });
    installed.push(engines);
    return engines;
  };
  const outputs = {
    environment: env,
    programVersion: version,
    runId: config.environment.runId ?? null,
    gateOnVerdict: deploy.gateOnVerdict,
    engines: withWaitTimeout(stack.engineTargets, deploy.waitTimeoutSeconds),
    minResilienceScore: stack.plan.minResilienceScore,
  };

  if (pulumi.runtime.isDryRun()) {
    // A preview shows every step, each after the one before; nothing is waited for or read, so the verdicts (and
    // which steps an update will really run) are unknown until the update.
    for (const step of stack.plan.steps) startStep(step);
    return {
      ...outputs,
      results: unknownOutput(), summary: unknownOutput(), plan: unknownOutput(), resilienceScore: unknownOutput(),
    };
  }

  let api: ChaosApi | undefined;
  let noClient = '';
  try {
    api = await (deps.chaosApi ?? kubeChaosApi)(kube);
  } catch (err) {
    noClient = `could not build a client for the readback: ${err instanceof Error ? err.message : String(err)}`;
  }
  const collectOptions: CollectOptions = {
    wait: true, pollIntervalSeconds: deploy.pollIntervalSeconds,
    ...(deps.now === undefined ? {} : { now: deps.now }),
    ...(deps.sleep === undefined ? {} : { sleep: deps.sleep }),
  };
  const run = await runPlan(stack.plan, {
    start: async (step) => {
      const engines = startStep(step as PlanStepLayer);
      await settled(pulumi.all([engines.resources, pulumi.all(engines.engines.map((e) => e.id))]));
    },
    collect: (step) => {
      const targets = withWaitTimeout(step.engines, deploy.waitTimeoutSeconds);
      // No client, no verdicts: every experiment is an API error (never a pass), with the reason.
      if (api === undefined) return Promise.resolve(targets.map((t) => problemResult(t, ReadbackProblem.API_ERROR, noClient)));
      return collectRun(api, targets, collectOptions);
    },
    ...(deps.now === undefined ? {} : { now: deps.now }),
  });
  const summary = summarize(run.results);
  const gate = planGateMessage(run, env, deploy.gateOnVerdict);
  if (gate !== undefined) {
    // An error diagnostic fails the update (Pulumi prints it alone, without a stack trace) while the outputs below
    // are still recorded: the failing update's verdicts, steps and score stay readable with `pulumi stack output`.
    void pulumi.log.error(gate);
  }
  return {
    ...outputs,
    results: pulumi.output(Object.fromEntries(run.results.map((r) => [experimentKey(r), r]))),
    summary: pulumi.output(summary),
    plan: pulumi.output(run.steps),
    resilienceScore: pulumi.output(run.resilienceScore),
  };
}
