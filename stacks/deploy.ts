/**
 * `npm run deploy -- --env <env> [--stack NAME] [--preview | --destroy] [--run-id ID] [--junit FILE]`
 *
 * Runs the Pulumi program of stacks/pulumi/ on a stack of this project through the Automation API (the same inline
 * program `pulumi up -s <env>` runs), with the Pulumi CLI on PATH or at `PULUMI_CLI`, the backend you are logged in
 * to and the committed `Pulumi.<stack>.yaml`. It streams the engine's progress, prints the verdict table of
 * `npm run results` at the end, writes JUnit with `--junit`, and exits 1 when the update fails (the gate included),
 * 2 on bad arguments or a missing CLI. `--run-id` sets the stack's `runId` config (written to its stack file, as
 * `pulumi config set runId` does) before the update.
 */
import { writeFileSync } from 'node:fs';
import { App } from 'cdk8s';
import { judgePlan, type PlanResult, planGateMessage, type StepOutcome } from '../lib/plan';
import { type ExperimentResult } from '../lib/results/reader';
import { collectRun } from '../lib/results/collect';
import { toJUnitXml } from '../lib/results/junit';
import { kubeChaosApi } from '../lib/results/kube-api';
import { formatScore, formatTable } from '../lib/results/table';
import { withWaitTimeout } from '../lib/results/targets';
import { assertDnsLabel, ValidationError } from '../lib/validation';
import { ChaosStack } from './chaos-stack';
import { ENVIRONMENTS } from './environments';
import { findPulumiCli, MissingPulumiCliError, openStack } from './pulumi/automation';
import { kubeTarget, parseStackConfig, PROJECT, projectKeys } from './pulumi/config';

export interface DeployArgs {
  readonly env: string;
  readonly stack: string;
  readonly action: 'up' | 'preview' | 'destroy';
  readonly runId?: string;
  readonly junit?: string;
}

const USAGE = 'usage: npm run deploy -- --env <dev|staging|prod> [--stack NAME] [--preview | --destroy] [--run-id ID] [--junit FILE]';

export function parseDeployArgs(argv: readonly string[]): DeployArgs {
  const values: Record<string, string> = {};
  const flags = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    if (flag === '--preview' || flag === '--destroy') {
      flags.add(flag);
    } else if (['--env', '--stack', '--run-id', '--junit'].includes(flag)) {
      const value = inline ?? argv[++i];
      if (value === undefined || value === '') throw new Error(`${flag} needs a value\n${USAGE}`);
      values[flag.slice(2)] = value;
    } else {
      throw new Error(`unknown argument '${arg}'\n${USAGE}`);
    }
  }
  if (values.env === undefined) throw new Error(`--env is required\n${USAGE}`);
  if (!(ENVIRONMENTS as readonly string[]).includes(values.env)) {
    throw new ValidationError('--env', values.env, `must be one of ${ENVIRONMENTS.map((e) => `'${e}'`).join(', ')}`);
  }
  if (flags.size > 1) throw new Error(`give at most one of --preview and --destroy\n${USAGE}`);
  const runId = values['run-id'] === undefined ? undefined : assertDnsLabel('--run-id', values['run-id']);
  return {
    env: values.env,
    stack: values.stack ?? values.env,
    action: flags.has('--preview') ? 'preview' : flags.has('--destroy') ? 'destroy' : 'up',
    ...(runId === undefined ? {} : { runId }),
    ...(values.junit === undefined ? {} : { junit: values.junit }),
  };
}

/**
 * The verdicts to print: the update's outputs (recorded even when the gate failed it), or, when it failed before
 * writing them, a fresh read of this run's engines judged by the stack's plan.
 */
async function verdicts(outputs: Record<string, { value: unknown }>, config: Record<string, { value: string }>): Promise<PlanResult> {
  const results = outputs.results?.value as Record<string, ExperimentResult> | undefined;
  const steps = outputs.plan?.value as StepOutcome[] | undefined;
  const score = outputs.resilienceScore?.value;
  // Outputs of an earlier update (this one failed before writing its own) describe another run unless the run id is
  // the same, in which case the engines, and so the verdicts, are the same ones.
  const sameRun = (outputs.runId?.value ?? null) === (config[`${PROJECT}:runId`]?.value ?? null);
  if (sameRun && results !== undefined && typeof results === 'object' && Array.isArray(steps) && typeof score === 'number') {
    const minResilienceScore = typeof outputs.minResilienceScore?.value === 'number' ? outputs.minResilienceScore.value : 0;
    return { steps, results: Object.values(results), resilienceScore: score, minResilienceScore };
  }
  const parsed = parseStackConfig(Object.fromEntries(Object.entries(projectKeys(config)).map(([k, { value }]) => [k, value])));
  const stack = new ChaosStack(new App(), parsed.environment.environment, { config: parsed.environment });
  const api = await kubeChaosApi(kubeTarget(parsed.deploy));
  const read = await collectRun(api, withWaitTimeout(stack.engineTargets, parsed.deploy.waitTimeoutSeconds), { wait: false });
  return judgePlan(stack.plan, read);
}

export async function runDeploy(args: DeployArgs): Promise<number> {
  const cli = findPulumiCli();
  const opened = await openStack({ stackName: args.stack, cli });
  const stack = opened.stack;
  try {
    if (args.runId !== undefined) await stack.setConfig(`${PROJECT}:runId`, { value: args.runId });
    const onOutput = (s: string): void => {
      process.stdout.write(s);
    };
    if (args.action === 'destroy') {
      await stack.destroy({ onOutput });
      return 0;
    }
    if (args.action === 'preview') {
      await stack.preview({ onOutput });
      return 0;
    }
    let failed: string | undefined;
    try {
      await stack.up({ onOutput });
    } catch (err) {
      failed = err instanceof Error ? err.message : String(err);
    }
    const judged = await verdicts(await stack.outputs(), await stack.getAllConfig())
      .catch((err: unknown) => {
        process.stdout.write(`\ncould not read the verdicts: ${err instanceof Error ? err.message : String(err)}\n`);
        return undefined;
      });
    if (judged !== undefined && judged.results.length > 0) {
      process.stdout.write(`\n${formatTable(judged.results, judged.steps)}\n${formatScore(judged.resilienceScore, judged.minResilienceScore)}\n`);
      if (args.junit !== undefined) {
        writeFileSync(args.junit, toJUnitXml(judged.results, { suite: `chaos-stack.${args.env}`, timestamp: new Date().toISOString(), plan: judged }));
        process.stdout.write(`JUnit XML written to ${args.junit}\n`);
      }
    }
    const gate = judged === undefined ? undefined : planGateMessage(judged, args.env, true);
    if (failed !== undefined) {
      process.stdout.write(`\nThe update failed${gate === undefined ? '' : `:\n${gate}`}\n`);
      return 1;
    }
    process.stdout.write(gate === undefined ? `\nAll ${judged?.results.length ?? 0} experiments passed.\n` : `\n${gate}\n`);
    return 0;
  } finally {
    opened.dispose();
  }
}

/* istanbul ignore next */
if (require.main === module) {
  (async () => {
    try {
      process.exitCode = await runDeploy(parseDeployArgs(process.argv.slice(2)));
    } catch (err) {
      console.error(err instanceof Error ? err.message : String(err));
      process.exitCode = err instanceof MissingPulumiCliError || err instanceof ValidationError || /usage:/.test(String(err)) ? 2 : 1;
    }
  })().catch(() => { process.exitCode = 1; });
}
