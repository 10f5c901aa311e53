/**
 * The two ways `npm run e2e` deploys the Pulumi program, behind one interface:
 * - {@link PulumiCliDeployer}: the real Pulumi CLI, Node.js language host and Kubernetes provider built by
 *   tools/cluster/build-pulumi.sh, a local file backend (`pulumi login file://<tmp>`), the passphrase secrets
 *   provider, and the stack's config in a file of the e2e's temp folder (`--config-file`), so the repository's own
 *   Pulumi.<stack>.yaml files are never touched;
 * - {@link StandinDeployer}: test/e2e/standin-engine.ts (a test fixture, not Pulumi) when those binaries are not built.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { type StandinRequest } from './standin-engine';

export const REPO_ROOT = resolve(__dirname, '..', '..');

export interface CmdResult {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
  /** True when the command was killed at its time limit. */
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
      // Whatever the command left in its process group goes with it.
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

/** What an `up` changed, for the idempotence check. */
export interface ChangeCounts {
  create: number;
  update: number;
  delete: number;
  same: number;
}

export interface Deployer {
  readonly name: string;
  /** `pulumi` or `stand-in`, for the timings. */
  readonly label: string;
  up(settings: StackSettings, timeoutMs: number): Promise<CmdResult>;
  /** What an `up` with these settings would change for the ChaosEngines (a preview). */
  engineChanges(settings: StackSettings, timeoutMs: number): Promise<{ result: CmdResult; counts?: ChangeCounts }>;
  destroy(timeoutMs: number): Promise<CmdResult>;
  /** `pulumi stack output --json`. */
  outputs(): Promise<Record<string, unknown>>;
}

const TSX = join(REPO_ROOT, 'node_modules', '.bin', 'tsx');

export class StandinDeployer implements Deployer {
  readonly name = 'stand-in engine (test/e2e/standin-engine.ts; the real Pulumi CLI is not built)';
  readonly label = 'stand-in';
  private readonly stateFile: string;
  private readonly outputsFile: string;

  constructor(private readonly dir: string, private readonly stack: string, private readonly waits: { crdWaitMs: number; deleteWaitMs: number }) {
    this.stateFile = join(dir, `standin-${stack}.state.json`);
    this.outputsFile = join(dir, `standin-${stack}.outputs.json`);
  }

  private request(settings: StackSettings): string {
    const req: StandinRequest = {
      stateFile: this.stateFile, outputsFile: this.outputsFile, stack: this.stack, ...this.waits,
      config: { ...settings.config, ...settings.secrets }, secrets: Object.keys(settings.secrets),
    };
    const file = join(this.dir, `standin-${this.stack}.request.json`);
    writeFileSync(file, JSON.stringify(req, null, 2), { mode: 0o600 });
    return file;
  }

  up(settings: StackSettings, timeoutMs: number): Promise<CmdResult> {
    return run(TSX, [join(__dirname, 'standin-engine.ts'), 'up', this.request(settings)], { timeoutMs });
  }

  async engineChanges(settings: StackSettings, timeoutMs: number): Promise<{ result: CmdResult; counts?: ChangeCounts }> {
    const result = await run(TSX, [join(__dirname, 'standin-engine.ts'), 'preview', this.request(settings)], { timeoutMs });
    return { result, counts: parseEngineLine(result.stdout) };
  }

  destroy(timeoutMs: number): Promise<CmdResult> {
    const file = join(this.dir, `standin-${this.stack}.request.json`);
    if (!existsSync(file)) this.request({ config: {}, secrets: {} });
    return run(TSX, [join(__dirname, 'standin-engine.ts'), 'destroy', file], { timeoutMs });
  }

  outputs(): Promise<Record<string, unknown>> {
    return Promise.resolve(existsSync(this.outputsFile) ? JSON.parse(readFileSync(this.outputsFile, 'utf8')) as Record<string, unknown> : {});
  }
}

/** `engines: N to create, N to update, N to delete, N unchanged` of the stand-in's summary. */
export function parseEngineLine(stdout: string): ChangeCounts | undefined {
  const m = /^engines: (\d+) to create, (\d+) to update, (\d+) to delete, (\d+) unchanged$/m.exec(stdout);
  return m ? { create: Number(m[1]), update: Number(m[2]), delete: Number(m[3]), same: Number(m[4]) } : undefined;
}

/** Where build-pulumi.sh puts the binaries (the same keying: <cache>/bin/<name>-<version>/<name>). */
export function pulumiPaths(): { cli: string; langHost: string; pulumiHome: string; pulumiVersion: string; providerVersion: string } {
  const cache = process.env.CHAOS_STACK_CACHE ?? join(homedir(), '.cache', 'chaos-stack');
  const version = (pkg: string): string => `v${(JSON.parse(readFileSync(join(REPO_ROOT, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version}`;
  const pv = version('@pulumi/pulumi');
  return {
    cli: join(cache, 'bin', `pulumi-${pv}`, 'pulumi'),
    langHost: join(cache, 'bin', `pulumi-language-nodejs-${pv}`, 'pulumi-language-nodejs'),
    pulumiHome: join(cache, 'pulumi-home'),
    pulumiVersion: pv,
    providerVersion: version('@pulumi/kubernetes'),
  };
}

const PROJECT = 'chaos-stack';

/** `pulumi config set --type` of the keys Pulumi.yaml declares as boolean or integer. */
const CONFIG_TYPES: Readonly<Record<string, string>> = { gateOnVerdict: 'bool', waitTimeoutSeconds: 'int', pollIntervalSeconds: 'int' };

export class PulumiCliDeployer implements Deployer {
  readonly name: string;
  readonly label = 'pulumi';
  private readonly env: NodeJS.ProcessEnv;
  private readonly configFile: string;
  private ready = false;

  private readonly stack: string;

  /**
   * `stack` is prefixed with `e2e-`, and its config lives in `<dir>/Pulumi.<stack>.yaml` (`--config-file` on every
   * command), so the repository's own Pulumi.<env>.yaml files are never read or written.
   */
  constructor(private readonly dir: string, stack: string) {
    this.stack = `e2e-${stack}`;
    const p = pulumiPaths();
    mkdirSync(join(dir, 'backend'), { recursive: true });
    this.name = `Pulumi CLI ${p.pulumiVersion} (${p.cli}), pulumi-resource-kubernetes ${p.providerVersion}`;
    this.configFile = join(dir, `Pulumi.${this.stack}.yaml`);
    this.env = {
      ...process.env,
      PATH: `${join(p.cli, '..')}:${join(p.langHost, '..')}:${process.env.PATH ?? ''}`,
      PULUMI_HOME: p.pulumiHome,
      PULUMI_CONFIG_PASSPHRASE: 'e2e-only-passphrase',
      PULUMI_SKIP_UPDATE_CHECK: 'true',
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: 'true',
      PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: 'true',
      PULUMI_BACKEND_URL: `file://${join(dir, 'backend')}`,
    };
  }

  private pulumi(args: string[], timeoutMs = 60_000): Promise<CmdResult> {
    return run(pulumiPaths().cli, args, { env: this.env, timeoutMs });
  }

  private async init(): Promise<void> {
    if (this.ready) return;
    const steps: string[][] = [
      ['login', `file://${join(this.dir, 'backend')}`],
      ['stack', 'init', this.stack, '--secrets-provider', 'passphrase', '--non-interactive', '--config-file', this.configFile],
    ];
    for (const s of steps) {
      const r = await this.pulumi(s);
      if (r.code !== 0 && !/already exists/.test(r.stderr)) throw new Error(`pulumi ${s.join(' ')}: ${r.stderr.trim()}`);
    }
    this.ready = true;
  }

  private async configure(settings: StackSettings): Promise<void> {
    await this.init();
    const base = ['--stack', this.stack, '--config-file', this.configFile, '--non-interactive'];
    for (const [k, v] of Object.entries(settings.config)) {
      const type = CONFIG_TYPES[k];
      const r = await this.pulumi(['config', 'set', ...(type === undefined ? [] : ['--type', type]), ...base, `${PROJECT}:${k}`, v]);
      if (r.code !== 0) throw new Error(`pulumi config set ${k}: ${r.stderr.trim()}`);
    }
    for (const [k, v] of Object.entries(settings.secrets)) {
      const r = await this.pulumi(['config', 'set', '--secret', ...base, `${PROJECT}:${k}`, v]);
      if (r.code !== 0) throw new Error(`pulumi config set --secret ${k}: ${r.stderr.trim()}`);
    }
  }

  async up(settings: StackSettings, timeoutMs: number): Promise<CmdResult> {
    await this.configure(settings);
    return this.pulumi(['up', '--yes', '--skip-preview=false', '--stack', this.stack, '--config-file', this.configFile, '--non-interactive'], timeoutMs);
  }

  async engineChanges(settings: StackSettings, timeoutMs: number): Promise<{ result: CmdResult; counts?: ChangeCounts }> {
    await this.configure(settings);
    const result = await this.pulumi(['preview', '--json', '--stack', this.stack, '--config-file', this.configFile, '--non-interactive'], timeoutMs);
    try {
      const steps = (JSON.parse(result.stdout) as { steps?: { op: string; urn: string }[] }).steps ?? [];
      const engines = steps.filter((s) => s.urn.includes('litmuschaos.io/v1alpha1:ChaosEngine'));
      const n = (op: string): number => engines.filter((s) => s.op === op).length;
      return { result, counts: { create: n('create'), update: n('update') + n('replace'), delete: n('delete'), same: n('same') } };
    } catch {
      return { result };
    }
  }

  async destroy(timeoutMs: number): Promise<CmdResult> {
    await this.init();
    const r = await this.pulumi(['destroy', '--yes', '--stack', this.stack, '--config-file', this.configFile, '--non-interactive'], timeoutMs);
    // A stack file the CLI may have written beside Pulumi.yaml despite --config-file: never leave it in the repository.
    rmSync(join(REPO_ROOT, `Pulumi.${this.stack}.yaml`), { force: true });
    return r;
  }

  async outputs(): Promise<Record<string, unknown>> {
    const r = await this.pulumi(['stack', 'output', '--json', '--stack', this.stack]);
    if (r.code !== 0) throw new Error(`pulumi stack output --json: ${r.stderr.trim()}`);
    return JSON.parse(r.stdout) as Record<string, unknown>;
  }
}
