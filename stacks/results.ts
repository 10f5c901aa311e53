/**
 * `npm run results -- (--outputs FILE | --env <env> [--run-id ID]) [--kubeconfig FILE] [--context NAME] [--wait]
 * [--request-timeout SECONDS] [--poll-interval SECONDS] [--junit FILE]`
 *
 * Reads the ChaosEngines and ChaosResults of a run from a cluster, judges them step by step as the plan ran them,
 * prints a table and the resilience score, optionally writes JUnit XML, and exits non-zero when any experiment did
 * not pass (a step not run included) or the score is below the plan's minimum. The plan comes from the stack itself:
 * - `--outputs FILE`: the stack outputs of a Pulumi deployment (`pulumi stack output --json > FILE`, `-` for stdin),
 *   whose `engines` and `plan` are exactly what that update deployed;
 * - `--env <env> [--run-id ID]`: the environment's ChaosStack object (stacks/environments.ts), for manifests applied
 *   with kubectl from dist/<env>/, one step file after the other.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { App } from 'cdk8s';
import { type ChaosApi, collectRun, type EngineTarget } from '../lib/results/collect';
import { toJUnitXml } from '../lib/results/junit';
import { kubeChaosApi, type KubeTarget } from '../lib/results/kube-api';
import { judgePlan, type PlanStep, planGateMessage, type RunPlan, type StepOutcome } from '../lib/plan';
import { experimentKey, ReadbackProblem, summarize } from '../lib/results/reader';
import { formatScore, formatTable } from '../lib/results/table';
import { assertDnsLabel, assertIntegerInRange, ValidationError } from '../lib/validation';
import { ChaosStack } from './chaos-stack';
import { environmentConfig } from './environments';

export interface CliArgs {
  /** The environment whose ChaosStack names the engines (with `runId`). */
  readonly env?: string;
  /** A file holding `pulumi stack output --json` (or `-` for stdin). */
  readonly outputs?: string;
  readonly kubeconfig?: string;
  readonly context?: string;
  readonly runId?: string;
  readonly junit?: string;
  readonly wait: boolean;
  /** Longest time one API request may take. @default DEFAULT_REQUEST_TIMEOUT_SECONDS (lib/results/kube-api.ts) */
  readonly requestTimeoutSeconds?: number;
  /** Delay between two reads of an engine (and between the attempts of a failed request). @default 5 */
  readonly pollIntervalSeconds?: number;
}

const USAGE = 'usage: npm run results -- (--outputs FILE | --env <dev|staging|prod> [--run-id ID]) [--kubeconfig FILE] [--context NAME] '
  + '[--wait] [--request-timeout SECONDS] [--poll-interval SECONDS] [--junit FILE]';

/** A whole number of seconds given on the command line. */
function seconds(flag: string, value: string, max: number): number {
  const n = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(n)) throw new ValidationError(flag, value, `must be a whole number of seconds from 1 to ${max}`);
  return assertIntegerInRange(flag, n, 1, max, 'seconds');
}

/** Parses the command line; throws with the usage on anything unexpected. */
export function parseArgs(argv: readonly string[]): CliArgs {
  const values: Record<string, string> = {};
  let wait = false;
  const withValue = ['--env', '--outputs', '--kubeconfig', '--context', '--run-id', '--junit', '--request-timeout', '--poll-interval'];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    if (flag === '--wait') {
      wait = true;
    } else if (withValue.includes(flag)) {
      const value = inline ?? argv[++i];
      if (value === undefined || value === '') throw new Error(`${flag} needs a value\n${USAGE}`);
      values[flag.slice(2)] = value;
    } else {
      throw new Error(`unknown argument '${arg}'\n${USAGE}`);
    }
  }
  if ((values.env === undefined) === (values.outputs === undefined)) throw new Error(`give either --env or --outputs\n${USAGE}`);
  if (values.outputs !== undefined && values['run-id'] !== undefined) {
    throw new Error(`--run-id goes with --env: the outputs name the run's engines already\n${USAGE}`);
  }
  const requestTimeout = values['request-timeout'];
  const pollInterval = values['poll-interval'];
  return {
    wait,
    ...(requestTimeout === undefined ? {} : { requestTimeoutSeconds: seconds('--request-timeout', requestTimeout, 300) }),
    ...(pollInterval === undefined ? {} : { pollIntervalSeconds: seconds('--poll-interval', pollInterval, 300) }),
    ...(values.env === undefined ? {} : { env: values.env }),
    ...(values.outputs === undefined ? {} : { outputs: values.outputs }),
    ...(values.kubeconfig === undefined ? {} : { kubeconfig: values.kubeconfig }),
    ...(values.context === undefined ? {} : { context: values.context }),
    ...(values['run-id'] === undefined ? {} : { runId: values['run-id'] }),
    ...(values.junit === undefined ? {} : { junit: values.junit }),
  };
}

/** What a run is read from: its environment and its plan (steps, their engines, weights, the minimum score). */
export interface RunToRead {
  readonly environment: string;
  readonly plan: RunPlan;
}

/** The plan of the environment's ChaosStack object, with `runId` applied. */
export function runFromStack(env: string, runId?: string): RunToRead {
  const base = environmentConfig(env);
  const config = runId === undefined ? base : { ...base, runId: assertDnsLabel('--run-id', runId) };
  const stack = new ChaosStack(new App(), config.environment, { config });
  return { environment: config.environment, plan: { steps: stack.plan.steps, minResilienceScore: stack.plan.minResilienceScore } };
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The engines of a Pulumi stack's outputs (`pulumi stack output --json`), checked field by field. */
export function runFromOutputs(text: string, origin: string): RunToRead {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new ValidationError('--outputs', origin, 'must hold the JSON of `pulumi stack output --json`');
  }
  if (!isObj(doc) || typeof doc.environment !== 'string' || !Array.isArray(doc.engines)) {
    throw new ValidationError('--outputs', origin, 'must hold the outputs of a chaos-stack stack (with `environment` and `engines`)');
  }
  const targets = doc.engines.map((e: unknown, i): EngineTarget => {
    const ok = isObj(e) && ['target', 'experiment', 'namespace', 'engine', 'resultName'].every((k) => typeof e[k] === 'string')
      && typeof e.timeoutSeconds === 'number' && e.timeoutSeconds > 0;
    if (!ok) throw new ValidationError(`--outputs engines[${i}]`, e, 'must have target, experiment, namespace, engine, resultName and timeoutSeconds');
    return e as unknown as EngineTarget;
  });
  // The steps come from the `plan` output (what the update ran); the engines of each, by `<target>/<fault>`.
  const steps = Array.isArray(doc.plan) ? doc.plan : [];
  const byKey = new Map(targets.map((t) => [experimentKey(t), t]));
  const planSteps: PlanStep[] = steps.map((st: unknown, i): PlanStep => {
    const ok = isObj(st) && typeof st.name === 'string' && typeof st.index === 'number' && typeof st.weight === 'number'
      && typeof st.stopOnFailure === 'boolean' && Array.isArray(st.experiments) && st.experiments.every((x) => typeof x === 'string' && byKey.has(x));
    if (!ok) throw new ValidationError(`--outputs plan[${i}]`, st, 'must have name, index, weight, stopOnFailure and experiments that are among `engines`');
    const s = st as unknown as StepOutcome;
    return { name: s.name, index: s.index, weight: s.weight, stopOnFailure: s.stopOnFailure, group: s.experiments.length > 1,
      engines: s.experiments.map((x) => byKey.get(x) as EngineTarget) };
  });
  const minResilienceScore = typeof doc.minResilienceScore === 'number' ? doc.minResilienceScore : 0;
  if (planSteps.length === 0) {
    throw new ValidationError('--outputs', origin, 'must hold the `plan` output of a chaos-stack stack (run `pulumi up` once with this version)');
  }
  return { environment: doc.environment, plan: { steps: planSteps, minResilienceScore } };
}

export interface CliIo {
  readonly readText: (path: string) => string | undefined;
  readonly writeText: (path: string, text: string) => void;
  readonly out: (line: string) => void;
  /** Where the reason of exit code 2 goes (stderr). */
  readonly err: (line: string) => void;
  readonly chaosApi: (target: KubeTarget) => Promise<ChaosApi>;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/**
 * Runs the CLI; returns the exit code: 0 when every experiment passed; 1 when one did not (a failed chaos run, or a
 * verdict the cluster refused to give, such as a stale result or an API error); 2 when nothing failed that could be
 * read but the cluster could not be reached for some experiment (this says nothing about the chaos run). Bad
 * arguments and an unusable kubeconfig throw (the entry point exits 2).
 */
export async function runResults(args: CliArgs, io: CliIo): Promise<number> {
  let run: RunToRead;
  if (args.outputs !== undefined) {
    const text = io.readText(args.outputs);
    if (text === undefined) throw new ValidationError('--outputs', args.outputs, 'must be an existing file (or - for stdin)');
    run = runFromOutputs(text, args.outputs);
  } else {
    run = runFromStack(args.env ?? '', args.runId);
  }
  const kube: KubeTarget = {
    fields: { kubeconfig: '--kubeconfig', context: '--context' },
    ...(args.kubeconfig === undefined ? {} : { kubeconfig: args.kubeconfig }),
    ...(args.context === undefined ? {} : { context: args.context }),
    ...(args.requestTimeoutSeconds === undefined ? {} : { requestTimeoutSeconds: args.requestTimeoutSeconds }),
  };
  const api = await io.chaosApi(kube);
  const read = await collectRun(api, run.plan.steps.flatMap((s) => s.engines), {
    wait: args.wait,
    ...(args.pollIntervalSeconds === undefined ? {} : { pollIntervalSeconds: args.pollIntervalSeconds }),
    ...(io.now === undefined ? {} : { now: io.now }), ...(io.sleep === undefined ? {} : { sleep: io.sleep }),
  });
  const judged = judgePlan(run.plan, read);
  const results = judged.results;
  io.out(formatTable(results, judged.steps));
  io.out(formatScore(judged.resilienceScore, judged.minResilienceScore));
  if (args.junit !== undefined) {
    io.writeText(args.junit, toJUnitXml(results, {
      suite: `chaos-stack.${run.environment}`, timestamp: new Date(io.now?.() ?? Date.now()).toISOString(), plan: judged,
    }));
    io.out(`JUnit XML written to ${args.junit}`);
  }
  const summary = summarize(results);
  const gate = planGateMessage(judged, run.environment, true);
  if (gate === undefined) {
    io.out(`All ${summary.total} experiments passed.`);
    return 0;
  }
  const unreachable = results.filter((r) => r.outcome === ReadbackProblem.UNREACHABLE);
  if (unreachable.length > 0 && unreachable.length === summary.failing.length) {
    io.err(`Chaos results (${run.environment}): ${unreachable.length} of ${summary.total} experiments could not be read, so this is no verdict `
      + `on the chaos run: ${unreachable[0]?.reason ?? ''}`);
    return 2;
  }
  io.out(gate);
  return 1;
}

/* istanbul ignore next */
if (require.main === module) {
  const io: CliIo = {
    readText: (path) => (path === '-' ? readFileSync(0, 'utf8') : existsSync(path) ? readFileSync(path, 'utf8') : undefined),
    writeText: (path, text) => writeFileSync(path, text),
    out: (line) => console.log(line),
    err: (line) => console.error(line),
    chaosApi: kubeChaosApi,
  };
  (async () => {
    try {
      process.exitCode = await runResults(parseArgs(process.argv.slice(2)), io);
    } catch (err) {
      console.error(err instanceof Error ? err.message : String(err));
      process.exitCode = 2;
    }
  })().catch(() => { process.exitCode = 2; });
}
