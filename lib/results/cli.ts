/**
 * `npm run results -- --env <env> [--kubeconfig FILE] [--context NAME] [--run-id ID] [--stack-file FILE] [--wait] [--junit FILE]`
 *
 * Reads the ChaosEngines and ChaosResults of an environment from a cluster, prints a table, optionally writes JUnit
 * XML, and exits non-zero when any experiment did not pass. The engine names come from building the environment's
 * ChaosStack with the run id and experiments of its Pulumi stack file (`Pulumi.<env>.yaml`), the same source of
 * truth the Pulumi program deploys from.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { App } from 'cdk8s';
import { parse } from 'yaml';
import { ChaosStack } from '../../stacks/chaos-stack';
import { parseStackConfig, PROJECT, SECRET_KEYS, type StackConfig } from '../pulumi/config';
import { ValidationError } from '../validation';
import { type ChaosApi, collectRun } from './collect';
import { toJUnitXml } from './junit';
import { kubeChaosApi, type KubeTarget } from './kube-api';
import { gateMessage, summarize } from './reader';
import { formatTable } from './table';
import { engineTargets } from './targets';

export interface CliArgs {
  readonly env: string;
  readonly kubeconfig?: string;
  readonly context?: string;
  readonly runId?: string;
  readonly stackFile?: string;
  readonly junit?: string;
  readonly wait: boolean;
}

const USAGE = 'usage: npm run results -- --env <dev|staging|prod> [--kubeconfig FILE] [--context NAME] [--run-id ID] '
  + '[--stack-file FILE] [--wait] [--junit FILE]';

/** Parses the command line; throws with the usage on anything unexpected. */
export function parseArgs(argv: readonly string[]): CliArgs {
  const values: Record<string, string> = {};
  let wait = false;
  const withValue = ['--env', '--kubeconfig', '--context', '--run-id', '--stack-file', '--junit'];
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
  if (values.env === undefined) throw new Error(`--env is required\n${USAGE}`);
  return {
    env: values.env, wait,
    ...(values.kubeconfig === undefined ? {} : { kubeconfig: values.kubeconfig }),
    ...(values.context === undefined ? {} : { context: values.context }),
    ...(values['run-id'] === undefined ? {} : { runId: values['run-id'] }),
    ...(values['stack-file'] === undefined ? {} : { stackFile: values['stack-file'] }),
    ...(values.junit === undefined ? {} : { junit: values.junit }),
  };
}

/**
 * The project config of a Pulumi stack file (`config: {chaos-stack:<key>: value}`), as parseStackConfig takes it:
 * secrets (encrypted `secure:` values) are left out, lists are kept as lists.
 */
export function stackFileConfig(text: string): Record<string, unknown> {
  const doc = parse(text) as { config?: Record<string, unknown> } | null;
  const raw: Record<string, unknown> = {};
  for (const [fullKey, value] of Object.entries(doc?.config ?? {})) {
    const key = fullKey.startsWith(`${PROJECT}:`) ? fullKey.slice(PROJECT.length + 1) : fullKey.includes(':') ? undefined : fullKey;
    if (key === undefined || (SECRET_KEYS as readonly string[]).includes(key)) continue;
    raw[key] = typeof value === 'number' || typeof value === 'boolean' ? String(value) : value;
  }
  return raw;
}

/** The stack config the CLI reads: the stack file's (if any), with --env and --run-id applied. */
export function cliStackConfig(args: CliArgs, readText: (path: string) => string | undefined): StackConfig {
  const path = args.stackFile ?? `Pulumi.${args.env}.yaml`;
  const text = readText(path);
  if (text === undefined && args.stackFile !== undefined) throw new ValidationError('--stack-file', path, 'must be an existing Pulumi stack file');
  const raw = text === undefined ? {} : stackFileConfig(text);
  if (raw.environment !== undefined && raw.environment !== args.env) {
    throw new ValidationError('--env', args.env, `must match the environment of ${path} (${JSON.stringify(raw.environment)})`);
  }
  return parseStackConfig({ ...raw, environment: args.env, ...(args.runId === undefined ? {} : { runId: args.runId }) });
}

export interface CliIo {
  readonly readText: (path: string) => string | undefined;
  readonly writeText: (path: string, text: string) => void;
  readonly out: (line: string) => void;
  readonly chaosApi: (target: KubeTarget) => Promise<ChaosApi>;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** Runs the CLI; returns the exit code (0 only when every experiment passed). */
export async function runResults(args: CliArgs, io: CliIo): Promise<number> {
  const config = cliStackConfig(args, io.readText);
  const stack = new ChaosStack(new App(), config.environment);
  const targets = engineTargets(stack, config.deploy.waitTimeoutSeconds);
  const kubeconfig = args.kubeconfig ?? config.deploy.kubeconfig;
  const context = args.context ?? config.deploy.kubeContext;
  const api = await io.chaosApi({ ...(kubeconfig === undefined ? {} : { kubeconfig }), ...(context === undefined ? {} : { context }) });
  const results = await collectRun(api, targets, {
    wait: args.wait, pollIntervalSeconds: config.deploy.pollIntervalSeconds,
    ...(io.now === undefined ? {} : { now: io.now }), ...(io.sleep === undefined ? {} : { sleep: io.sleep }),
  });
  io.out(formatTable(results));
  if (args.junit !== undefined) {
    io.writeText(args.junit, toJUnitXml(results, { suite: `chaos-stack.${args.env}`, timestamp: new Date(io.now?.() ?? Date.now()).toISOString() }));
    io.out(`JUnit XML written to ${args.junit}`);
  }
  const summary = summarize(results);
  if (summary.allPassed) {
    io.out(`All ${summary.total} experiments passed.`);
    return 0;
  }
  io.out(gateMessage(summary, args.env));
  return 1;
}

/* istanbul ignore next */
if (require.main === module) {
  const io: CliIo = {
    readText: (path) => (existsSync(path) ? readFileSync(path, 'utf8') : undefined),
    writeText: (path, text) => writeFileSync(path, text),
    out: (line) => console.log(line),
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
