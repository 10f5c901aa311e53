/**
 * npm run cluster -- up|down|status
 * A local control plane for the repository, kept in .cluster/ (git-ignored): see tools/cluster/control-plane.ts.
 *
 * Every command takes `--dir DIR` (default $CHAOS_STACK_CLUSTER_DIR, else .cluster). `up` also takes the real-node
 * options that tools/node/up.sh passes: `--address ADDR` (bind and advertise the API server there), `--port PORT`
 * (its port; default free), `--node NAME` (a real kubelet's certificates), `--aggregator` (the aggregation layer),
 * `--no-kwok`, and `--env`: the progress goes to stderr and stdout holds only `KEY=value` lines (stateEnvLines) for
 * a shell to read.
 */
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ControlPlane, isRunning, readState, stateEnvLines, stopComponents, stopOnSignals, type ClusterState, type ControlPlaneOptions } from './control-plane';
import { probe } from './kube-client';
import { defaultCrdsDir, Discovery, installCrds } from './verify';

const REPO_ROOT = resolve(__dirname, '..', '..');
const DEFAULT_DIR = process.env.CHAOS_STACK_CLUSTER_DIR ?? join(REPO_ROOT, '.cluster');
const USAGE = 'usage: npm run cluster -- up [--dir DIR] [--crds DIR | --no-crds] [--address ADDR] [--port PORT] [--node NAME] [--aggregator] [--no-kwok] [--env]'
  + ' | down [--dir DIR] | status [--dir DIR]';

const out = (l: string): void => {
  process.stdout.write(`${l}\n`);
};
const err = (l: string): void => {
  process.stderr.write(`${l}\n`);
};

function running(state: ClusterState): ClusterState['components'] {
  return state.components.filter((c) => isRunning(c.pid, c.binary));
}

/** The value of `--name VALUE` or `--name=VALUE` at args[i]; undefined when args[i] is not that option. */
function valueOf(args: string[], i: number, name: string): { value: string; next: number } | undefined {
  if (args[i] === name && args[i + 1] !== undefined) return { value: args[i + 1], next: i + 1 };
  if (args[i].startsWith(`${name}=`)) return { value: args[i].slice(name.length + 1), next: i };
  return undefined;
}

/** `--dir DIR` (any command); the rest of the arguments in order. */
function splitDir(args: string[]): { dir: string; rest: string[] } {
  let dir = DEFAULT_DIR;
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const v = valueOf(args, i, '--dir');
    if (v) {
      dir = resolve(v.value);
      i = v.next;
    } else {
      rest.push(args[i]);
    }
  }
  return { dir, rest };
}

async function up(dir: string, args: string[]): Promise<number> {
  let crdsDir = defaultCrdsDir();
  let env = false;
  const opts: { -readonly [K in keyof ControlPlaneOptions]: ControlPlaneOptions[K] } = { dir, mode: 'full', detached: true, log: err };
  for (let i = 0; i < args.length; i++) {
    const crds = valueOf(args, i, '--crds');
    const address = valueOf(args, i, '--address');
    const node = valueOf(args, i, '--node');
    const port = valueOf(args, i, '--port');
    if (args[i] === '--no-crds') crdsDir = undefined;
    else if (crds) [crdsDir, i] = [crds.value, crds.next];
    else if (address) [opts.address, i] = [address.value, address.next];
    else if (node) [opts.kubeletNodeName, i] = [node.value, node.next];
    else if (port) {
      if (!/^[1-9][0-9]{0,4}$/.test(port.value) || Number(port.value) > 65535) {
        err(`cluster: --port takes a TCP port (1-65535), not ${port.value}`);
        return 2;
      }
      [opts.apiPort, i] = [Number(port.value), port.next];
    }
    else if (args[i] === '--aggregator') opts.aggregator = true;
    else if (args[i] === '--no-kwok') opts.kwok = false;
    else if (args[i] === '--env') env = true;
    else {
      err(`cluster: unknown option ${args[i]} (${USAGE})`);
      return 2;
    }
  }
  // With --env, stdout is for the KEY=value lines only.
  const say = env ? err : out;
  const existing = readState(join(dir, 'state.json'));
  if (existing && running(existing).length > 0) {
    say(`cluster: already running (${existing.server}); kubeconfig ${existing.kubeconfig}. Run 'npm run cluster -- down' first to restart it.`);
    // A caller that reads the lines asked for a control plane with its options: an older one may not have them.
    return env ? 1 : 0;
  }
  if (existing) await stopComponents(existing.components);
  const t0 = Date.now();
  const cp = new ControlPlane(opts);
  const removeHandlers = stopOnSignals(cp, err);
  try {
    const state = await cp.start();
    if (crdsDir !== undefined) {
      const names = await installCrds(cp.client(), new Discovery(cp.client()), crdsDir);
      say(`cluster: ${names.length} CRDs installed from ${crdsDir}`);
    }
    cp.client().close();
    removeHandlers();
    say(`cluster: up in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${state.components.map((c) => `${c.name}=${c.pid}`).join(' ')}`);
    say(`cluster: API server ${state.server}, node ${state.nodeName ?? '-'} Ready`);
    say(`cluster: kubectl --kubeconfig ${state.kubeconfig} get nodes`);
    if (env) for (const line of stateEnvLines(state)) out(line);
    return 0;
  } catch (e) {
    removeHandlers();
    await cp.stop().catch(() => cp.killNow());
    err(`cluster: up failed: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
}

async function down(dir: string): Promise<number> {
  const state = readState(join(dir, 'state.json'));
  if (!state) {
    out(`cluster: not running (no ${dir === join(REPO_ROOT, '.cluster') ? '.cluster/state.json' : join(dir, 'state.json')})`);
    return 0;
  }
  const upper = [...state.components].reverse().filter((c) => c.name !== 'etcd');
  const etcd = state.components.filter((c) => c.name === 'etcd');
  const report = [...(await stopComponents(upper)), ...(await stopComponents(etcd))];
  for (const line of report) out(`cluster: ${line}`);
  // Keep the logs for a look after the fact; everything else (keys, etcd data, kubeconfig, state) goes.
  for (const name of ['state.json', 'kubeconfig', 'pki', 'etcd-data', 'kwok.yaml']) rmSync(join(dir, name), { recursive: true, force: true });
  out('cluster: down');
  return 0;
}

async function status(dir: string): Promise<number> {
  const state = readState(join(dir, 'state.json'));
  if (!state) {
    out('cluster: not running');
    return 0;
  }
  out(`cluster: started ${state.startedAt}, API server ${state.server}, kubeconfig ${state.kubeconfig}`);
  let allUp = true;
  for (const c of state.components) {
    const alive = isRunning(c.pid, c.binary);
    let health = '';
    if (alive && c.healthUrl !== undefined) {
      const r = await probe(c.healthUrl, c.name === 'kube-apiserver' ? state.token : undefined);
      health = r.status === 200 ? ' healthy' : ` unhealthy (${r.status === 0 ? r.body : `HTTP ${r.status}`})`;
    }
    allUp &&= alive;
    out(`  ${c.name.padEnd(24)} pid ${String(c.pid).padEnd(8)} ${alive ? 'running' : 'NOT RUNNING'}${health}  log ${c.logFile}`);
  }
  return allUp ? 0 : 1;
}

async function main(argv: string[]): Promise<number> {
  const { dir, rest } = splitDir(argv.slice(1));
  switch (argv[0]) {
    case 'up': return up(dir, rest);
    case 'down':
    case 'status':
      if (rest.length > 0) {
        err(`cluster: unknown option ${rest[0]} (${USAGE})`);
        return 2;
      }
      return argv[0] === 'down' ? down(dir) : status(dir);
    default:
      err(USAGE);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    err(`cluster: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
    process.exit(1);
  },
);
