/**
 * Where install.sh puts the pinned Chaos Toolkit venv, and running the real `chaos` CLI from it.
 *
 * The venv is `${CHAOS_STACK_CACHE:-~/.cache/chaos-stack}/ctk-venv-<first 12 hex of sha256(requirements.txt)>`
 * (the same computation as install.sh), or `CHAOS_STACK_CTK_VENV` when set.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { REQUIREMENTS_FILE } from '../../lib/chaostoolkit/requirements';

export const INSTALL_SCRIPT = join(__dirname, 'install.sh');

/** The venv folder install.sh creates for the current requirements.txt. */
export function ctkVenvDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.CHAOS_STACK_CTK_VENV !== undefined && env.CHAOS_STACK_CTK_VENV !== '') return env.CHAOS_STACK_CTK_VENV;
  const cache = env.CHAOS_STACK_CACHE ?? join(homedir(), '.cache', 'chaos-stack');
  const hash = createHash('sha256').update(readFileSync(REQUIREMENTS_FILE)).digest('hex').slice(0, 12);
  return join(cache, `ctk-venv-${hash}`);
}

/** The `chaos` executable of the venv, or undefined when install.sh has not completed. */
export function chaosBinary(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const dir = ctkVenvDir(env);
  const bin = join(dir, 'bin', 'chaos');
  return existsSync(join(dir, '.complete')) && existsSync(bin) ? bin : undefined;
}

export interface ChaosCommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `chaos --no-version-check <args>` (no log file) with the given environment additions. */
export interface RunChaosOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  readonly timeoutMs?: number;
}

export function runChaos(args: readonly string[], opts: RunChaosOptions = {}): ChaosCommandResult {
  const bin = chaosBinary();
  if (bin === undefined) throw new Error(`the Chaos Toolkit venv ${ctkVenvDir()} is missing: run 'bash tools/chaostoolkit/install.sh'`);
  const r = spawnSync(bin, ['--no-version-check', '--no-log-file', ...args], {
    encoding: 'utf8',
    cwd: opts.cwd,
    env: { ...process.env, ...opts.env },
    timeout: opts.timeoutMs ?? 600_000,
  });
  if (r.error) throw r.error;
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Like runChaos, without blocking the event loop (for callers that serve requests while `chaos` runs). */
export function runChaosAsync(args: readonly string[], opts: RunChaosOptions = {}): Promise<ChaosCommandResult> {
  const bin = chaosBinary();
  if (bin === undefined) return Promise.reject(new Error(`the Chaos Toolkit venv ${ctkVenvDir()} is missing: run 'bash tools/chaostoolkit/install.sh'`));
  return new Promise((resolve, reject) => {
    const child = spawn(bin, ['--no-version-check', '--no-log-file', ...args], {
      cwd: opts.cwd, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString('utf8');
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString('utf8');
    });
    const timer = setTimeout(() => child.kill('SIGTERM'), opts.timeoutMs ?? 600_000);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

/** `chaos validate FILE`: code 0 when the experiment is valid (the extensions' functions and arguments included). */
export function chaosValidate(file: string, env?: NodeJS.ProcessEnv): ChaosCommandResult {
  return runChaos(['validate', file], { env: env ?? {}, timeoutMs: 120_000 });
}
