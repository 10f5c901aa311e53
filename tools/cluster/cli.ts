/**
 * npm run cluster -- up|down|status
 * A local control plane for the repository, kept in .cluster/ (git-ignored): see tools/cluster/control-plane.ts.
 */
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ControlPlane, isRunning, readState, stopComponents, stopOnSignals, type ClusterState } from './control-plane';
import { probe } from './kube-client';
import { defaultCrdsDir, Discovery, installCrds } from './verify';

const REPO_ROOT = resolve(__dirname, '..', '..');
const CLUSTER_DIR = process.env.CHAOS_STACK_CLUSTER_DIR ?? join(REPO_ROOT, '.cluster');
const STATE_FILE = join(CLUSTER_DIR, 'state.json');

const out = (l: string): void => {
  process.stdout.write(`${l}\n`);
};
const err = (l: string): void => {
  process.stderr.write(`${l}\n`);
};

function running(state: ClusterState): ClusterState['components'] {
  return state.components.filter((c) => isRunning(c.pid, c.binary));
}

async function up(args: string[]): Promise<number> {
  let crdsDir = defaultCrdsDir();
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--no-crds') crdsDir = undefined;
    else if (args[i] === '--crds' && args[i + 1] !== undefined) crdsDir = args[++i];
    else if (args[i].startsWith('--crds=')) crdsDir = args[i].slice('--crds='.length);
    else {
      err(`cluster: unknown option ${args[i]} (up takes --crds DIR or --no-crds)`);
      return 2;
    }
  }
  const existing = readState(STATE_FILE);
  if (existing && running(existing).length > 0) {
    out(`cluster: already running (${existing.server}); kubeconfig ${existing.kubeconfig}. Run 'npm run cluster -- down' first to restart it.`);
    return 0;
  }
  if (existing) await stopComponents(existing.components);
  const t0 = Date.now();
  const cp = new ControlPlane({ dir: CLUSTER_DIR, mode: 'full', detached: true, log: err });
  const removeHandlers = stopOnSignals(cp, err);
  try {
    const state = await cp.start();
    if (crdsDir !== undefined) {
      const names = await installCrds(cp.client(), new Discovery(cp.client()), crdsDir);
      out(`cluster: ${names.length} CRDs installed from ${crdsDir}`);
    }
    cp.client().close();
    removeHandlers();
    out(`cluster: up in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${state.components.map((c) => `${c.name}=${c.pid}`).join(' ')}`);
    out(`cluster: API server ${state.server}, node ${state.nodeName ?? '-'} Ready`);
    out(`cluster: kubectl --kubeconfig ${state.kubeconfig} get nodes`);
    return 0;
  } catch (e) {
    removeHandlers();
    await cp.stop().catch(() => cp.killNow());
    err(`cluster: up failed: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
}

async function down(): Promise<number> {
  const state = readState(STATE_FILE);
  if (!state) {
    out('cluster: not running (no .cluster/state.json)');
    return 0;
  }
  const upper = [...state.components].reverse().filter((c) => c.name !== 'etcd');
  const etcd = state.components.filter((c) => c.name === 'etcd');
  const report = [...(await stopComponents(upper)), ...(await stopComponents(etcd))];
  for (const line of report) out(`cluster: ${line}`);
  // Keep the logs for a look after the fact; everything else (keys, etcd data, kubeconfig, state) goes.
  for (const name of ['state.json', 'kubeconfig', 'pki', 'etcd-data', 'kwok.yaml']) rmSync(join(CLUSTER_DIR, name), { recursive: true, force: true });
  out('cluster: down');
  return 0;
}

async function status(): Promise<number> {
  const state = readState(STATE_FILE);
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
  switch (argv[0]) {
    case 'up': return up(argv.slice(1));
    case 'down': return down();
    case 'status': return status();
    default:
      err('usage: npm run cluster -- up [--crds DIR | --no-crds] | down | status');
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
