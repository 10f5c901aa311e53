/**
 * The Pulumi program: builds the same ChaosStack the cdk8s entry builds (one source of truth), deploys its charts
 * layer by layer through an explicit provider, waits for the chaos, reads the verdicts back and gates on them.
 * `index.ts` only calls {@link chaosStackProgram}; tests import this module after `pulumi.runtime.setMocks`.
 */
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { App } from 'cdk8s';
import { after, ChaosEngines, CrdInstall, type DeployedLayer, Layer } from '../../lib/pulumi/components';
import { type Fetcher, type KubeObject, loadCrds } from '../../lib/pulumi/crds';
import { ExternalSecretInstall } from '../../lib/pulumi/secrets';
import { type ChaosApi, collectRun, type CollectOptions, type EngineTarget } from '../../lib/results/collect';
import { kubeChaosApi, type KubeTarget } from '../../lib/results/kube-api';
import {
  type ExperimentResult, gateMessage, problemResult, ReadbackProblem, type RunSummary, summarize,
} from '../../lib/results/reader';
import { withWaitTimeout } from '../../lib/results/targets';
import { SecretContent } from '../../lib/stack';
import { validateApp } from '../../lib/synth';
import { ChaosStack } from '../chaos-stack';
import { kubeTarget, type PulumiStackConfig, readStackConfig } from './config';

/** Replaceable edges of the program (the cluster reads and the CRD download), for tests. */
export interface ProgramDeps {
  /** Builds the ChaosApi of the readback. @default - @kubernetes/client-node on the provider's kubeconfig and context */
  readonly chaosApi?: (target: KubeTarget) => Promise<ChaosApi>;
  /** Fetches a pinned CRD URL. @default - HTTP GET */
  readonly fetchCrds?: Fetcher;
  /** Clock and sleep of the wait. */
  readonly now?: CollectOptions['now'];
  readonly sleep?: CollectOptions['sleep'];
}

/** The stack outputs. */
export interface ProgramOutputs {
  readonly environment: string;
  readonly runId: string | null;
  readonly gateOnVerdict: boolean;
  /** Each engine of the run and its ChaosResult, for readers outside the program (`npm run results`). */
  readonly engines: readonly EngineTarget[];
  /** Per experiment (keyed by fault name): verdict, phase, probes, counters... Unknown during preview. */
  readonly results: pulumi.Output<Record<string, ExperimentResult>>;
  /** allPassed and the failing experiments. Unknown during preview. */
  readonly summary: pulumi.Output<RunSummary>;
}

/** An output that is unknown until the update (what a preview shows for values read back from the cluster). */
function unknownOutput<T>(): pulumi.Output<T> {
  return pulumi.output(pulumi.unknown as T) as pulumi.Output<T>;
}

/** Builds the environment's ChaosStack and runs every construct validation, before any resource is registered. */
export function buildStack(config: PulumiStackConfig): ChaosStack {
  const app = new App();
  const stack = new ChaosStack(app, config.environment.environment, { config: config.environment });
  validateApp(app);
  return stack;
}

/** Deploys the stack of the configured environment and reads its verdicts back. */
export async function chaosStackProgram(deps: ProgramDeps = {}): Promise<ProgramOutputs> {
  // Config and the stack are validated before the first resource is registered. A RunError makes Pulumi print the
  // message alone (no stack trace) and fail the update.
  let config: PulumiStackConfig;
  let stack: ChaosStack;
  try {
    config = readStackConfig(new pulumi.Config());
    stack = buildStack(config);
  } catch (err) {
    throw err instanceof pulumi.RunError ? err : new pulumi.RunError(err instanceof Error ? err.message : String(err));
  }
  const { deploy } = config;
  const env = config.environment.environment;
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
  const engineComponents: ChaosEngines[] = [];
  for (const layer of stack.layers) {
    for (const secret of layer.secrets) {
      installed.push(new ExternalSecretInstall(`${secret.namespace}-${secret.name}`, { secret, values: secretValues, provider },
        { dependsOn: after(installed) }));
    }
    const objs = layer.chart.toJson() as KubeObject[];
    const dependsOn = after(installed);
    if (objs.some((o) => o.kind === 'ChaosEngine')) {
      // Applying a ChaosEngine starts chaos: each is its own resource, with the operator's rewrites ignored.
      const engines = new ChaosEngines(layer.name, { objs, provider }, { dependsOn });
      engineComponents.push(engines);
      installed.push(engines);
    } else {
      installed.push(new Layer(layer.name, { objs, provider }, { dependsOn }));
    }
  }

  const targets = withWaitTimeout(stack.engineTargets, deploy.waitTimeoutSeconds);
  // During preview nothing is waited for or read: the verdicts are unknown until the update.
  const list: pulumi.Output<ExperimentResult[]> = pulumi.runtime.isDryRun()
    ? unknownOutput<ExperimentResult[]>()
    : pulumi.all(engineComponents.flatMap((c) => c.engines.map((e) => e.id))).apply(async () => {
      let api: ChaosApi;
      try {
        api = await (deps.chaosApi ?? kubeChaosApi)(kube);
      } catch (err) {
        // No client, no verdicts: every experiment is an API error (never a pass), with the reason.
        const reason = `could not build a client for the readback: ${err instanceof Error ? err.message : String(err)}`;
        return targets.map((t) => problemResult(t, ReadbackProblem.API_ERROR, reason));
      }
      return collectRun(api, targets, {
        wait: true, pollIntervalSeconds: deploy.pollIntervalSeconds,
        ...(deps.now === undefined ? {} : { now: deps.now }),
        ...(deps.sleep === undefined ? {} : { sleep: deps.sleep }),
      });
    });
  const results = list.apply((rs) => Object.fromEntries(rs.map((r) => [r.experiment, r])));
  const summary = list.apply((rs) => {
    const s = summarize(rs);
    if (deploy.gateOnVerdict && !s.allPassed) {
      // RunError: Pulumi prints the message alone, without a stack trace, and fails the update.
      throw new pulumi.RunError(gateMessage(s, env));
    }
    return s;
  });

  return {
    environment: env,
    runId: config.environment.runId ?? null,
    gateOnVerdict: deploy.gateOnVerdict,
    engines: targets.map((t) => ({
      experiment: t.experiment, namespace: t.namespace, engine: t.engine, resultName: t.resultName, timeoutSeconds: t.timeoutSeconds,
    })),
    results,
    summary,
  };
}
