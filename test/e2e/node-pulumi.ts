/**
 * The Pulumi part of `npm run e2e:node`: the real program (stacks/pulumi, the inline program of `npm run deploy`)
 * deploys prod's ChaosStack, unchanged, to the real node through the real engine (the CLI and the Kubernetes provider
 * of tools/cluster/build-pulumi.sh, Automation API, a local file backend in a temp folder), waits for the chaos that
 * the real Litmus runs there, and reads the verdict back as stack outputs; the gate of `pulumi up` acts on it.
 *
 * Why prod: it has no SLO, so nothing needs k6 or Prometheus to judge it (dev's SLO probes and load Jobs would).
 * What is not real here, and why:
 * - The monitoring stack's images (prometheus-operator, kube-state-metrics, Grafana, node-exporter, chaos-exporter) are
 *   not built on this machine, so its pods run on a simulated node (kwok, tainted so nothing else lands there): before
 *   the update the harness applies those workloads, exactly as the program will, plus a nodeSelector and toleration for
 *   that node under its own field manager; the program's server-side apply then shares those fields (same values) and
 *   leaves the placement alone. The app, the Litmus operator, runner and experiment run on the real node.
 * - The app's pinned image (nginx-unprivileged, Alpine) is not built here either: the local Debian nginx, set up the
 *   same way (uid 101, port 8080), is tagged with the pinned name in containerd, as the operator 3.18.0 is tagged
 *   3.31.0 (tools/node/versions.env).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'cdk8s';
import { IMAGES } from '../../lib/versions';
import { ChaosStack } from '../../stacks/chaos-stack';
import { parseStackConfig } from '../../stacks/pulumi/config';
import { SIMULATED_NODE_TAINT, simulatedNode } from '../../tools/cluster/control-plane';
import { type KubeClient, statusMessage } from '../../tools/cluster/kube-client';
import { Discovery } from '../../tools/cluster/verify';
import { PulumiDeployer, type StackSettings } from './deployers';
import { type Obj, serverSideApply, sleep } from './kube';

export const PULUMI_ENV = 'prod';
const PLACEMENT_MANAGER = 'e2e-node-placement';
const SIMULATED_NODE = 'kwok-node-0';
const UP_TIMEOUT_MS = 420_000;
const DESTROY_TIMEOUT_MS = 300_000;

/** What the harness gives this phase. */
export interface PulumiPhaseContext {
  kube: KubeClient;
  /** The node's folder ($NODE_WORK): the stack's state goes in <work>/pulumi. */
  work: string;
  /** The node's admin kubeconfig (a file), the program's `kubeconfig` setting. */
  kubeconfig: string;
  crdsDir: string;
  /** containerd's socket on the node (state.env CONTAINERD_SOCK). */
  containerdSock: string;
  /** The local nginx image (the e2e's `nginxUnprivileged` override). */
  localNginx: string;
  check: (name: string, ok: boolean, detail?: string) => boolean;
  info: (line: string) => void;
  timed: <T>(what: string, f: () => Promise<T>) => Promise<T>;
  verdicts: [string, string][];
}

/** One experiment's verdict as the stack outputs hold it. */
export interface OutputVerdict {
  outcome?: string;
  phase?: string;
  probeSuccessPercentage?: number;
  reason?: string;
}

export interface OutputVerdicts {
  results: Record<string, OutputVerdict>;
  allPassed?: boolean;
  total?: number;
}

/**
 * Reads the verdicts out of the program's stack outputs (`results` per experiment, `summary`). The only place that
 * knows the output shape (stacks/pulumi/program.ts ProgramOutputs), so a change there is adapted here alone.
 */
export function verdictsFromOutputs(outputs: Record<string, unknown>): OutputVerdicts {
  // Keyed by experiment, or by `<target>/<experiment>` when the plan names targets: found by either.
  const raw = (outputs.results ?? {}) as Record<string, OutputVerdict & { experiment?: string }>;
  const results: Record<string, OutputVerdict> = { ...raw };
  for (const v of Object.values(raw)) if (v.experiment !== undefined && !(v.experiment in results)) results[v.experiment] = v;
  const summary = (outputs.summary ?? {}) as { allPassed?: boolean; total?: number };
  return {
    results,
    ...(summary.allPassed === undefined ? {} : { allPassed: summary.allPassed }),
    ...(summary.total === undefined ? {} : { total: summary.total }),
  };
}

/** Stack config of one update: prod, pod-delete only, pointed at the node by config alone. */
function settings(ctx: PulumiPhaseContext, runId: string): StackSettings {
  return {
    config: {
      environment: PULUMI_ENV, kubeconfig: ctx.kubeconfig, crdSource: ctx.crdsDir, experiments: '["pod-delete"]', runId,
      pollIntervalSeconds: '2', waitTimeoutSeconds: '240',
    },
    secrets: { grafanaAdminPassword: 'e2e-node-not-a-real-password' },
  };
}

/** The ChaosStack the program builds from these settings (same config boundary, same constructs). */
function programStack(s: StackSettings): ChaosStack {
  return new ChaosStack(new App(), PULUMI_ENV, { config: parseStackConfig(s.config).environment });
}

const POD_CONTROLLERS = new Set(['Deployment', 'DaemonSet', 'StatefulSet']);

/**
 * Applies, before the update, the workloads whose images are not built here (every pod controller of the workloads
 * layer outside the app's namespace: the monitoring stack and the chaos-exporter), with their namespaces and
 * ServiceAccounts, exactly as the program will, plus placement on the simulated node.
 */
async function placeMonitoring(ctx: PulumiPhaseContext, stack: ChaosStack): Promise<string[]> {
  const discovery = new Discovery(ctx.kube);
  const appNs = stack.app.namespace.name;
  const workloads = stack.charts.workloads.toJson() as Obj[];
  const elsewhere = workloads.filter((o) => POD_CONTROLLERS.has(o.kind) && o.metadata.namespace !== appNs);
  const accounts = new Set(elsewhere.map((o) => `${o.metadata.namespace}/${(o.spec as any).template.spec.serviceAccountName ?? 'default'}`));
  for (const ns of stack.charts.namespaces.toJson() as Obj[]) await serverSideApply(ctx.kube, discovery, ns, PLACEMENT_MANAGER);
  for (const sa of workloads.filter((o) => o.kind === 'ServiceAccount' && accounts.has(`${o.metadata.namespace}/${o.metadata.name}`))) {
    await serverSideApply(ctx.kube, discovery, sa, PLACEMENT_MANAGER);
  }
  for (const o of elsewhere) {
    const placed = structuredClone(o) as any;
    const pod = placed.spec.template.spec;
    // nodeSelector and tolerations are atomic for server-side apply: a field the program sets must keep exactly the
    // program's value, or its apply conflicts with this one. So the placement uses fields the program leaves unset:
    // a node affinity (no workload has one), and the simulated node's toleration unless the workload tolerates every
    // taint already (node-exporter).
    if (pod.affinity !== undefined) throw new Error(`${o.kind} ${o.metadata.namespace}/${o.metadata.name} has an affinity: cannot place it`);
    pod.affinity = {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [SIMULATED_NODE] }] }],
        },
      },
    };
    const tolerations = (pod.tolerations ?? []) as { key?: string; operator?: string }[];
    if (tolerations.length === 0) pod.tolerations = [{ ...SIMULATED_NODE_TAINT, operator: 'Equal' }];
    else if (!tolerations.some((t) => t.operator === 'Exists' && t.key === undefined)) {
      throw new Error(`${o.kind} ${o.metadata.namespace}/${o.metadata.name} has tolerations without the simulated node's: cannot place it`);
    }
    await serverSideApply(ctx.kube, discovery, placed, PLACEMENT_MANAGER);
  }
  return elsewhere.map((o) => `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`);
}

async function getJson(kube: KubeClient, path: string): Promise<Record<string, any> | undefined> {
  const r = await kube.get(path);
  return r.status === 200 ? r.json as Record<string, any> : undefined;
}

async function merge(kube: KubeClient, path: string, patch: unknown): Promise<void> {
  const r = await kube.request('PATCH', path, patch, 'application/merge-patch+json');
  if (r.status !== 200) throw new Error(`PATCH ${path}: ${statusMessage(r)}`);
}

/** The ChaosResult litmus-go wrote for the run's pod-delete engine, and that engine's UID. */
interface LitmusVerdict { status: any; chaosUid?: string; engineUid?: string; name: string }
async function litmusVerdict(ctx: PulumiPhaseContext, stack: ChaosStack): Promise<LitmusVerdict> {
  const t = stack.engineTargets[0];
  if (t === undefined) throw new Error('the stack has no engine');
  const doc = await getJson(ctx.kube, `/apis/litmuschaos.io/v1alpha1/namespaces/${t.namespace}/chaosresults/${t.resultName}`);
  const engine = await getJson(ctx.kube, `/apis/litmuschaos.io/v1alpha1/namespaces/${t.namespace}/chaosengines/${t.engine}`);
  return { status: doc?.status, chaosUid: doc?.metadata?.labels?.chaosUID, engineUid: engine?.metadata?.uid, name: t.resultName };
}

/** Where the pods of a namespace run: node name -> count. */
async function podNodes(kube: KubeClient, ns: string): Promise<Record<string, number>> {
  const pods = await getJson(kube, `/api/v1/namespaces/${ns}/pods`);
  const counts: Record<string, number> = {};
  for (const p of (pods?.items ?? []) as any[]) {
    if (p.status?.phase !== 'Running') continue;
    const n = p.spec?.nodeName ?? '(unscheduled)';
    counts[n] = (counts[n] ?? 0) + 1;
  }
  return counts;
}

/**
 * Runs the phase: pod-delete with the app healthy (Pass, read back as outputs, the gate passes), then with the Service
 * selecting nothing and a new run id (Fail: the gate fails the update naming it), then destroy. Returns when the
 * cluster no longer holds the stack (the rest of the e2e applies its own).
 */
export async function pulumiPhase(ctx: PulumiPhaseContext): Promise<void> {
  const { kube, check, info } = ctx;
  // Under the node's folder: a provider left by a killed run (it runs in <dir>/work) is found and stopped by the next
  // start (tools/node/up.sh, down.sh: processes whose working folder is in $NODE_WORK).
  const dir = join(ctx.work, 'pulumi');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'tmp'), { recursive: true, mode: 0o700 });
  // The Automation API's CLI link folder (stacks/pulumi/automation.ts) goes to the temp folder: make it this one.
  const savedTmp = process.env.TMPDIR;
  process.env.TMPDIR = join(dir, 'tmp');
  const deployer = new PulumiDeployer(dir, PULUMI_ENV);
  // An interrupted run (the harness exits from its signal handler) still removes the state and the CLI link folder.
  const cleanup = (): void => {
    deployer.dispose();
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', cleanup);
  let deployed = false;
  info(`Pulumi: ${deployer.name}; state in ${dir}/backend`);
  try {
    const created = await kube.request('POST', '/api/v1/nodes', simulatedNode(SIMULATED_NODE, true));
    if (created.status !== 201 && created.status !== 409) throw new Error(`create node ${SIMULATED_NODE}: ${statusMessage(created)}`);
    const ready = await waitFor(30_000, async () => ((await getJson(kube, `/api/v1/nodes/${SIMULATED_NODE}`))?.status?.conditions ?? [])
      .some((c: any) => c.type === 'Ready' && c.status === 'True'));
    if (!check(`the simulated node ${SIMULATED_NODE} (kwok, tainted ${SIMULATED_NODE_TAINT.key}) is Ready beside the real node`, ready)) return;
    const tag = spawnSync('ctr', ['-a', ctx.containerdSock, '-n', 'k8s.io', 'images', 'tag', '--force', ctx.localNginx, IMAGES.nginxUnprivileged], { encoding: 'utf8' });
    if (!check(`the local nginx tagged ${IMAGES.nginxUnprivileged} in containerd`, tag.status === 0, (tag.stderr ?? '').trim())) return;

    const pass = settings(ctx, 'pulumi');
    const stack = programStack(pass);
    const placed = await placeMonitoring(ctx, stack);
    info(`on the simulated node (images not built here): ${placed.join(', ')}`);

    deployed = true;
    const up = await ctx.timed(`Pulumi up of ${PULUMI_ENV} (pod-delete, run 'pulumi'): deploy, chaos, readback`, () => deployer.up(pass, UP_TIMEOUT_MS));
    if (!check(`pulumi up of ${PULUMI_ENV} exits 0 (gate on, verdict Pass)`, up.code === 0, up.code === 0 ? `${(up.ms / 1000).toFixed(1)} s` : tailOf(up.stdout + up.stderr))) return;
    const appNodes = await podNodes(kube, stack.app.namespace.name);
    const monNodes = await podNodes(kube, stack.namespaces.monitoring.name);
    info(`running pods: app ${JSON.stringify(appNodes)}, monitoring ${JSON.stringify(monNodes)}`);
    check('the app runs on the real node only, the monitoring on the simulated node only',
      Object.keys(appNodes).length === 1 && appNodes[SIMULATED_NODE] === undefined && Object.keys(monNodes).every((n) => n === SIMULATED_NODE));

    const out = verdictsFromOutputs(await deployer.outputs());
    const lit = await litmusVerdict(ctx, stack);
    const written = lit.status?.experimentStatus ?? {};
    ctx.verdicts.push([`Pulumi up (${PULUMI_ENV}, pod-delete)`, JSON.stringify(written)]);
    const got = out.results['pod-delete'];
    info(`ChaosResult ${lit.name} (written by litmus-go): ${JSON.stringify(written)}`);
    info(`stack output results["pod-delete"]: ${JSON.stringify(got)}; summary allPassed=${out.allPassed} total=${out.total}`);
    check('the ChaosResult belongs to the engine Pulumi created (chaosUID = engine UID)', lit.chaosUid !== undefined && lit.chaosUid === lit.engineUid, `${lit.chaosUid} vs ${lit.engineUid}`);
    check('stack output: pod-delete Pass, as litmus-go wrote it', got?.outcome === 'Pass' && written.verdict === 'Pass', `output ${got?.outcome}, ChaosResult ${written.verdict}`);
    check('stack output: phase and probe success are the ChaosResult\'s',
      got?.phase === written.phase && String(got?.probeSuccessPercentage) === String(written.probeSuccessPercentage),
      `output ${got?.phase}/${got?.probeSuccessPercentage}, ChaosResult ${written.phase}/${written.probeSuccessPercentage}`);
    check('stack output summary: 1 experiment, all passed', out.allPassed === true && out.total === 1, JSON.stringify({ allPassed: out.allPassed, total: out.total }));

    // The Service selects nothing: the frontend probe fails, litmus-go writes Fail, and the gate fails the update.
    const svcPath = `/api/v1/namespaces/${stack.app.namespace.name}/services/${stack.app.name}`;
    await merge(kube, svcPath, { spec: { selector: { 'chaos-stack/e2e-broken': 'selects-nothing' } } });
    const fail = settings(ctx, 'pulumi-fail');
    const failStack = programStack(fail);
    let up2;
    try {
      up2 = await ctx.timed(`Pulumi up of ${PULUMI_ENV} (run 'pulumi-fail', Service selecting nothing)`, () => deployer.up(fail, UP_TIMEOUT_MS));
    } finally {
      await merge(kube, svcPath, { spec: { selector: { 'chaos-stack/e2e-broken': null } } });
    }
    const lit2 = await litmusVerdict(ctx, failStack);
    const written2 = lit2.status?.experimentStatus ?? {};
    ctx.verdicts.push([`Pulumi up (${PULUMI_ENV}, pod-delete, Service selecting nothing)`, JSON.stringify(written2)]);
    info(`ChaosResult ${lit2.name} (written by litmus-go): ${JSON.stringify(written2)}`);
    const gate = [...new Set((up2.stdout + up2.stderr).split('\n').map((l) => l.trim())
      .filter((l) => l.includes('Chaos gate') || l.startsWith('- pod-delete')))].join(' ');
    const gateShown = [...new Set((up2.stdout + up2.stderr).split('\n').map((l) => l.trim())
      .map((l) => (l.includes('Chaos gate') ? l.slice(l.indexOf('Chaos gate')) : l)).filter((l) => l.startsWith('Chaos gate') || l.startsWith('- pod-delete')))];
    info(`gate: ${gateShown.join(' ') || tailOf(up2.stdout + up2.stderr)}`);
    check('litmus-go wrote Fail for the run whose Service selects nothing', written2.verdict === 'Fail', `verdict ${written2.verdict}`);
    // The gate's wording is the program's (it names the failing experiment or step); what must hold is that the
    // update failed through the gate and that the gate names pod-delete.
    check('pulumi up fails on that verdict: the gate names pod-delete',
      up2.code !== 0 && gate.includes(`Chaos gate (${PULUMI_ENV})`) && gate.includes('pod-delete'),
      up2.code === 0 ? 'the update succeeded' : gate.slice(0, 300));

  } finally {
    if (deployed) {
      const down = await ctx.timed(`Pulumi destroy of ${PULUMI_ENV} (namespaces and CRDs included)`, () => deployer.destroy(DESTROY_TIMEOUT_MS));
      const names = ['testing', 'litmus', 'monitoring', 'monitoring-node'];
      const nsLeft = (await Promise.all(names.map(async (n) => ((await kube.get(`/api/v1/namespaces/${n}`)).status === 200 ? n : '')))).filter((n) => n !== '');
      check('pulumi destroy removes the stack (namespaces gone)', down.code === 0 && nsLeft.length === 0,
        down.code === 0 ? (nsLeft.length === 0 ? `${(down.ms / 1000).toFixed(1)} s` : `left: ${nsLeft.join(', ')}`) : tailOf(down.stdout + down.stderr));
    }
    // The e2e's own stack goes on without the simulated node.
    await kube.request('DELETE', `/api/v1/nodes/${SIMULATED_NODE}`).catch(() => undefined);
    process.removeListener('exit', cleanup);
    cleanup();
    if (savedTmp === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = savedTmp;
  }
}

/** The engine's `error:` lines (deduplicated), or the output's tail when there is none. */
const tailOf = (s: string, n = 8): string => {
  const errors = [...new Set(s.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('error:') && l !== 'error: update failed'))];
  return (errors.length > 0 ? errors.slice(0, n) : s.trim().split('\n').slice(-n)).join('\n      ');
};

async function waitFor(timeoutMs: number, probe: () => Promise<boolean>): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe().catch(() => false)) return true;
    if (Date.now() > deadline) return false;
    await sleep(500);
  }
}
