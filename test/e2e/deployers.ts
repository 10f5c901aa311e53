/**
 * How `npm run e2e` deploys the Pulumi program: the real Pulumi engine (the CLI and the Kubernetes provider built
 * by tools/cluster/build-pulumi.sh) through the Automation API, with the program `stacks/pulumi/index.ts` runs as
 * an inline program hosted by this process (stacks/pulumi/automation.ts). Each stack lives in a local file backend
 * in the e2e's temp folder, with the passphrase secrets provider; its config is set through the workspace, so the
 * repository's Pulumi.<stack>.yaml files are never read or written.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { type EngineEvent, type Stack } from '@pulumi/pulumi/automation';
import { openStack, type OpenedStack } from '../../stacks/pulumi/automation';
import { type ProgramDeps } from '../../stacks/pulumi/program';
import { parseVersionsEnv } from '../../tools/cluster/binaries';

const PULUMI_VERSIONS_FILE = join(__dirname, '..', '..', 'tools', 'cluster', 'pulumi-versions.env');

export const REPO_ROOT = resolve(__dirname, '..', '..');

export interface CmdResult {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
  /** True when the command was killed (or the operation aborted) at its time limit. */
  timedOut: boolean;
}

/** Runs a command asynchronously (the fake operator keeps running in this process), killed at `timeoutMs`. */
export function run(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs: number }): Promise<CmdResult> {
  const t0 = Date.now();
  return new Promise((resolvePromise) => {
    const child = spawn(cmd, args, { cwd: opts.cwd ?? REPO_ROOT, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (c: Buffer) => { stdout += c.toString('utf8'); });
    child.stderr.on('data', (c: Buffer) => { stderr += c.toString('utf8'); });
    const killGroup = (sig: NodeJS.Signals): void => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, sig);
      } catch { /* gone */ }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup('SIGTERM');
      setTimeout(() => killGroup('SIGKILL'), 5_000).unref();
    }, opts.timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      resolvePromise({ code: 127, stdout, stderr: `${stderr}${e.message}\n`, ms: Date.now() - t0, timedOut });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      killGroup('SIGKILL');
      const why = timedOut ? `\n(killed after ${opts.timeoutMs / 1000} s)\n` : '';
      resolvePromise({ code: code ?? (signal === null ? 1 : 128), stdout, stderr: stderr + why, ms: Date.now() - t0, timedOut });
    });
  });
}

/** Stack config without the `chaos-stack:` prefix, and which keys are secrets. */
export interface StackSettings {
  config: Record<string, string>;
  secrets: Record<string, string>;
}

/** What an operation did to the ChaosEngines, from the engine's own events. */
export interface ChangeCounts {
  create: number;
  update: number;
  delete: number;
  same: number;
}

/** An operation's result, with the engine's change counts and when each ChaosEngine was done (ms since the epoch). */
export interface OpResult extends CmdResult {
  engines?: ChangeCounts;
  /** The whole update's change summary (resource op → count). */
  changes?: Record<string, number>;
  enginesDoneAt: number[];
  /** When the engine reported each ChaosEngine created (ms since the epoch), by engine name. */
  engineCreatedAt: Record<string, number>;
  startedAt: number;
}

/** Where build-pulumi.sh puts the CLI and the plugin (the cache layout of tools/cluster/build-lib.sh). */
export function pulumiPaths(): { cli: string; pulumiHome: string; cliVersion: string; providerVersion: string } {
  const cache = process.env.CHAOS_STACK_CACHE ?? join(homedir(), '.cache', 'chaos-stack');
  // The versions build-pulumi.sh builds: its pins, or the same environment overrides it takes.
  const pins = parseVersionsEnv(readFileSync(PULUMI_VERSIONS_FILE, 'utf8'));
  const cliVersion = process.env.PULUMI_CLI_VERSION ?? pins.PINNED_PULUMI_CLI_VERSION;
  const providerVersion = process.env.K8S_PROVIDER_VERSION ?? pins.PINNED_K8S_PROVIDER_VERSION;
  if (cliVersion === undefined || providerVersion === undefined) throw new Error(`${PULUMI_VERSIONS_FILE} pins no CLI or provider version`);
  return { cli: join(cache, 'bin', `pulumi-${cliVersion}`, 'pulumi'), pulumiHome: join(cache, 'pulumi-home'), cliVersion, providerVersion };
}

const PROJECT = 'chaos-stack';

/** The options every operation gets, and what it returns that the e2e reads. */
type OpOptions = { onOutput: (s: string) => void; onEvent: (e: EngineEvent) => void; signal: AbortSignal; color: 'never' };
type OpSummary = { summary?: { resourceChanges?: Record<string, number> }; changeSummary?: Record<string, number> };
type Operation = (stack: Stack, o: OpOptions) => Promise<OpSummary>;
const ENGINE_TYPE = 'kubernetes:litmuschaos.io/v1alpha1:ChaosEngine';

export class PulumiDeployer {
  readonly name: string;
  readonly label = 'pulumi';
  private opened?: OpenedStack;
  private readonly backend: string;

  /** `stack` is the Pulumi stack name; its state lives in `<dir>/backend`, or in `backend` to share one with other stacks. */
  constructor(
    private readonly dir: string, private readonly stackName: string, private readonly passphrase = 'e2e-only-passphrase',
    private readonly deps?: ProgramDeps, backend?: string,
  ) {
    const p = pulumiPaths();
    this.backend = backend ?? join(dir, 'backend');
    mkdirSync(this.backend, { recursive: true });
    this.name = `Pulumi CLI ${p.cliVersion} (${p.cli}) and pulumi-resource-kubernetes ${p.providerVersion}, Automation API with the inline program`;
  }

  private async stack(): Promise<Stack> {
    if (this.opened === undefined) {
      const p = pulumiPaths();
      this.opened = await openStack({
        stackName: this.stackName, cli: p.cli, workDir: join(this.dir, 'work'), backendUrl: `file://${this.backend}`, create: true,
        secretsProvider: 'passphrase', ...(this.deps === undefined ? {} : { deps: this.deps }),
        envVars: { PULUMI_HOME: p.pulumiHome, PULUMI_CONFIG_PASSPHRASE: this.passphrase, PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: 'true' },
      });
    }
    return this.opened.stack;
  }

  private async configure(settings: StackSettings): Promise<Stack> {
    const stack = await this.stack();
    const all: Record<string, { value: string; secret?: boolean }> = {};
    for (const [k, v] of Object.entries(settings.config)) all[`${PROJECT}:${k}`] = { value: v };
    for (const [k, v] of Object.entries(settings.secrets)) all[`${PROJECT}:${k}`] = { value: v, secret: true };
    // Keys of an earlier scenario must not leak into this one.
    const current = Object.keys(await stack.getAllConfig()).filter((k) => !(k in all));
    if (current.length > 0) await stack.removeAllConfig(current);
    await stack.setAllConfig(all);
    return stack;
  }

  /** Runs one operation, collecting its text output and the engine's events. */
  private async op(what: Operation, stack: Stack, timeoutMs: number): Promise<OpResult> {
    const startedAt = Date.now();
    let stdout = '';
    const engineOps: string[] = [];
    const enginesDoneAt: number[] = [];
    const engineCreatedAt: Record<string, number> = {};
    const onEvent = (e: EngineEvent): void => {
      const pre = e.resourcePreEvent?.metadata;
      if (pre?.type === ENGINE_TYPE) engineOps.push(pre.op);
      const done = e.resOutputsEvent?.metadata;
      if (done?.type === ENGINE_TYPE && done.op !== 'same') enginesDoneAt.push(Date.now());
      if (done?.type === ENGINE_TYPE && done.op === 'create') engineCreatedAt[done.urn.split('::').pop() ?? ''] = Date.now();
    };
    const signal = AbortSignal.timeout(timeoutMs);
    const counts = (): ChangeCounts => ({
      create: engineOps.filter((o) => o === 'create').length,
      update: engineOps.filter((o) => o === 'update' || o === 'replace').length,
      delete: engineOps.filter((o) => o === 'delete').length,
      same: engineOps.filter((o) => o === 'same').length,
    });
    try {
      const r = await what(stack, { onOutput: (s) => { stdout += s; }, onEvent, signal, color: 'never' });
      const changes = r.summary?.resourceChanges ?? r.changeSummary;
      return {
        code: 0, stdout, stderr: '', ms: Date.now() - startedAt, timedOut: false, engines: counts(), enginesDoneAt, engineCreatedAt, startedAt,
        ...(changes === undefined ? {} : { changes }),
      };
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      return {
        code: 1, stdout, stderr: message, ms: Date.now() - startedAt, timedOut: signal.aborted, engines: counts(),
        enginesDoneAt, engineCreatedAt, startedAt,
      };
    }
  }

  async up(settings: StackSettings, timeoutMs: number): Promise<OpResult> {
    const stack = await this.configure(settings);
    return this.op((s, o) => s.up(o), stack, timeoutMs);
  }

  /** A preview of an `up` with these settings (`expectNoChanges` fails it when anything would change). */
  async preview(settings: StackSettings, timeoutMs: number, expectNoChanges = false): Promise<OpResult> {
    const stack = await this.configure(settings);
    return this.op((s, o) => s.preview({ ...o, expectNoChanges }), stack, timeoutMs);
  }

  async destroy(timeoutMs: number): Promise<OpResult> {
    const stack = await this.stack();
    return this.op((s, o) => s.destroy(o), stack, timeoutMs);
  }

  /** `pulumi stack output --json`: every output's value. */
  async outputs(): Promise<Record<string, unknown>> {
    const outs = await (await this.stack()).outputs();
    return Object.fromEntries(Object.entries(outs).map(([k, v]) => [k, v.value as unknown]));
  }

  /** The state's file backend folder (for other stacks to share it). */
  get backendDir(): string {
    return this.backend;
  }

  /** The types of the resources in the stack's state. */
  async resourceTypes(): Promise<string[]> {
    const state = await (await this.stack()).exportStack();
    return ((state.deployment as { resources?: { type: string }[] } | undefined)?.resources ?? []).map((r) => r.type);
  }

  /** The number of resources in the stack's state (0 when nothing was registered). */
  async resourceCount(): Promise<number> {
    const state = await (await this.stack()).exportStack();
    return ((state.deployment as { resources?: unknown[] } | undefined)?.resources ?? []).length;
  }

  dispose(): void {
    this.opened?.dispose();
    this.opened = undefined;
  }
}
