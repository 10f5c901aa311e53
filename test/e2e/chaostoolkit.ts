/**
 * npm run ctk:e2e: runs the three bookinfo experiments for real, with the real `chaos` CLI of the pinned venv,
 * against a local control plane of our own (tools/cluster/control-plane.ts: etcd, kube-apiserver, controller
 * manager, scheduler, kwok; three simulated nodes), bound to 127.0.0.1 and stopped at the end.
 *
 * 1. Installs Istio's networking CRDs, deploys Bookinfo (cdk8s objects, server-side apply) and the runners'
 *    ServiceAccounts and RBAC (not their Jobs: kwok runs no containers). Labels the node that hosts most
 *    bookinfo pods as the drain target.
 * 2. Runs each experiment as its runner's ServiceAccount (a TokenRequest token), so the least-privilege RBAC is
 *    what is exercised, and reads each journal with readJournal.
 * 3. Checks what must have happened in the cluster: ratings-v2 pods terminated and replaced; the target node
 *    drained, its bookinfo pods evicted, and uncordoned by the rollback (other nodes untouched); the reviews
 *    VirtualService given the delay fault (`percentage.value`) and cleaned by the rollback.
 *
 * The product page is played by a stub on 127.0.0.1 that stands in for the mesh: it answers at once, unless the
 * reviews VirtualService carries a delay fault on the routed subset, which it then applies (as the caller's
 * sidecar would). With the talk's 5 s delay and 1 s deadline the latency experiment therefore deviates: that is
 * the expected finding, and the run checks that the fault was removed even so (the probe raised: `default` rollback
 * strategy would have skipped the removal).
 *
 * Exit code 0 when every expectation holds. Needs `bash tools/chaostoolkit/install.sh` first.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { App } from 'cdk8s';
import { ChaosToolkitStack } from '../../stacks/chaostoolkit/stack';
import { ControlPlane, kubeconfigYaml, simulatedNode, stopOnSignals } from '../../tools/cluster/control-plane';
import { type KubeClient, statusMessage } from '../../tools/cluster/kube-client';
import { applyObject, Discovery, installCrds, type KubeObject } from '../../tools/cluster/verify';
import { DRAIN_TARGET_LABEL } from '../../stacks/chaostoolkit/experiments';
import { summarize } from '../../lib/results/reader';
import { type JournalVerdict, readJournal, summarizeJournal } from '../../lib/chaostoolkit/journal';
import { chaosToolkitRef, toExperimentResult } from '../../lib/chaostoolkit/result';
import { chaosBinary, ctkVenvDir, runChaosAsync } from '../../tools/chaostoolkit/venv';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const log = (l: string): void => {
  process.stdout.write(`${l}\n`);
};

interface Pod {
  metadata: { name: string; uid: string; namespace: string; labels?: Record<string, string>; deletionTimestamp?: string };
  spec: { nodeName?: string };
  status: { phase?: string };
}
interface VsRoute {
  route?: { destination?: { host?: string; subset?: string } }[];
  fault?: { delay?: { fixedDelay?: string; percentage?: { value?: number } } };
}

async function getJson<T>(kube: KubeClient, path: string): Promise<T> {
  const r = await kube.get(path);
  if (r.status !== 200) throw new Error(`GET ${path}: ${statusMessage(r)}`);
  return r.json as T;
}

async function pods(kube: KubeClient, ns: string, selector?: string): Promise<Pod[]> {
  const q = selector === undefined ? '' : `?labelSelector=${encodeURIComponent(selector)}`;
  return (await getJson<{ items: Pod[] }>(kube, `/api/v1/namespaces/${ns}/pods${q}`)).items;
}

async function waitFor(what: string, timeoutMs: number, check: () => Promise<string | undefined>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    const problem = await check();
    if (problem === undefined) return;
    last = problem;
    if (Date.now() > deadline) throw new Error(`${what}: not reached within ${timeoutMs / 1000} s (${last})`);
    await sleep(500);
  }
}

async function deploymentsAvailable(kube: KubeClient, ns: string): Promise<string | undefined> {
  type D = { metadata: { name: string }; spec: { replicas?: number }; status?: { availableReplicas?: number; updatedReplicas?: number } };
  const list = await getJson<{ items: D[] }>(kube, `/apis/apps/v1/namespaces/${ns}/deployments`);
  const short = list.items.filter((d) => (d.status?.availableReplicas ?? 0) !== (d.spec.replicas ?? 1));
  return short.length === 0 ? undefined : `not available: ${short.map((d) => `${d.metadata.name} ${d.status?.availableReplicas ?? 0}/${d.spec.replicas ?? 1}`).join(', ')}`;
}

async function apply(kube: KubeClient, discovery: Discovery, objs: readonly KubeObject[]): Promise<void> {
  for (const o of objs) {
    const msg = await applyObject(kube, discovery, o, false);
    if (msg !== undefined) throw new Error(`apply ${o.kind} ${o.metadata.name ?? ''}: ${msg}`);
  }
}

/** The product page stand-in: applies the reviews VirtualService's delay fault, as the caller's sidecar would. */
interface MeshStub {
  readonly server: Server;
  readonly url: string;
  readonly served: () => number;
}

function meshStub(kube: KubeClient, ns: string, vsName: string, host: string, subset: string): Promise<MeshStub> {
  let served = 0;
  const server = createServer((req, res) => {
    void (async () => {
      const vs = await kube.get(`/apis/networking.istio.io/v1/namespaces/${ns}/virtualservices/${vsName}`);
      const http = ((vs.json as { spec?: { http?: VsRoute[] } } | undefined)?.spec?.http) ?? [];
      const hit = http.find((h) => (h.route ?? []).some((r) => r.destination?.host === host && r.destination?.subset === subset));
      const delay = hit?.fault?.delay;
      if (delay?.fixedDelay !== undefined && Math.random() * 100 < (delay.percentage?.value ?? 100)) {
        const m = /^(\d+(?:\.\d+)?)(ms|s)$/.exec(delay.fixedDelay);
        await sleep(m ? Number(m[1]) * (m[2] === 's' ? 1000 : 1) : 0);
      }
      served++;
      if (!res.destroyed) {
        res.writeHead(req.url?.startsWith('/productpage') === true ? 200 : 404, { 'Content-Type': 'text/html' });
        res.end('<html><body>Bookinfo (stub)</body></html>');
      }
    })().catch(() => res.destroy());
  });
  return new Promise((r) => server.listen(0, '127.0.0.1', () => {
    const a = server.address();
    r({ server, url: `http://127.0.0.1:${typeof a === 'object' && a !== null ? a.port : 0}`, served: () => served });
  }));
}

interface RunOutcome {
  readonly experiment: string;
  readonly verdict: JournalVerdict;
  readonly expectedPass: boolean;
  readonly checks: readonly { readonly what: string; readonly ok: boolean; readonly detail: string }[];
}

async function main(): Promise<number> {
  if (chaosBinary() === undefined) {
    log(`ctk:e2e: the Chaos Toolkit venv ${ctkVenvDir()} is missing: run 'bash tools/chaostoolkit/install.sh' first`);
    return 1;
  }
  const work = mkdtempSync(join(tmpdir(), 'ctk-e2e-'));
  const cp = new ControlPlane({ dir: join(work, 'cluster'), mode: 'full', log: (l) => process.stderr.write(`${l}\n`) });
  const removeHandlers = stopOnSignals(cp);
  let stub: Server | undefined;
  const t0 = Date.now();
  try {
    const state = await cp.start();
    const kube = cp.client();
    const discovery = new Discovery(kube);
    const caPem = readFileSync(state.caFile, 'utf8');

    // Two more simulated nodes, so that a drained node's pods have somewhere to go.
    const nodeNames = [state.nodeName ?? 'kwok-node-0', 'kwok-node-1', 'kwok-node-2'];
    for (const n of nodeNames.slice(1)) {
      const r = await kube.request('POST', '/api/v1/nodes', simulatedNode(n));
      if (r.status !== 201) throw new Error(`create node ${n}: ${statusMessage(r)}`);
    }
    await waitFor('3 nodes Ready', 60_000, async () => {
      type N = { metadata: { name: string }; status?: { conditions?: { type: string; status: string }[] } };
      const nodes = await getJson<{ items: N[] }>(kube, '/api/v1/nodes');
      const ready = nodes.items.filter((n) => (n.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True'));
      return ready.length >= 3 ? undefined : `${ready.length} Ready`;
    });

    const crdDir = join(work, 'crds');
    mkdirSync(crdDir);
    copyFileSync(resolve(__dirname, '..', '..', '..', 'shared', 'reference', 'crds', 'networking.istio.io.yaml'), join(crdDir, 'networking.istio.io.yaml'));
    log(`ctk:e2e: CRDs installed: ${(await installCrds(kube, discovery, crdDir)).join(', ')}`);

    const stack = new ChaosToolkitStack(new App(), 'e2e', { environment: 'e2e' });
    const t = stack.bookinfo.targets;
    const ns = t.namespace;
    await apply(kube, discovery, stack.bookinfoChart.toJson() as KubeObject[]);
    await apply(kube, discovery, (stack.runnersChart.toJson() as KubeObject[]).filter((o) => o.kind !== 'Job'));
    await waitFor('bookinfo deployments available', 120_000, () => deploymentsAvailable(kube, ns));
    const all = await pods(kube, ns);
    log(`ctk:e2e: bookinfo up: ${all.length} pods on ${[...new Set(all.map((p) => p.spec.nodeName))].join(', ')}`);

    const mesh = await meshStub(kube, ns, t.reviews.virtualService, t.reviews.host, t.reviews.subset);
    stub = mesh.server;

    // Run each experiment as its runner's ServiceAccount.
    const runAs = async (runnerName: string, runnerNs: string): Promise<string> => {
      const r = await kube.request('POST', `/api/v1/namespaces/${runnerNs}/serviceaccounts/${runnerName}/token`,
        { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3600 } });
      if (r.status !== 201) throw new Error(`token for ${runnerName}: ${statusMessage(r)}`);
      const file = join(work, `${runnerName}.kubeconfig`);
      writeFileSync(file, kubeconfigYaml(state.server, caPem, (r.json as { status: { token: string } }).status.token), { mode: 0o600 });
      return file;
    };
    const outcomes: RunOutcome[] = [];
    for (const [i, experiment] of stack.experiments.entries()) {
      const runner = stack.runners[i];
      const file = join(work, `${experiment.id}.json`);
      const journalPath = join(work, `${experiment.id}.journal.json`);
      writeFileSync(file, experiment.toString());
      const checks: { what: string; ok: boolean; detail: string }[] = [];
      const check = (what: string, ok: boolean, detail: string): void => {
        checks.push({ what, ok, detail });
      };

      // Before: what the experiment is about to act on.
      const ratingsBefore = await pods(kube, ns, t.ratingsV2.v2LabelSelector);
      let drainTarget = '';
      let bookinfoOnTarget: Pod[] = [];
      if (experiment.id === 'drain-node') {
        const now = await pods(kube, ns);
        const perNode = nodeNames.map((n) => [n, now.filter((p) => p.spec.nodeName === n).length] as const).sort((a, b) => b[1] - a[1]);
        drainTarget = perNode[0][0];
        bookinfoOnTarget = now.filter((p) => p.spec.nodeName === drainTarget);
        const r = await kube.request('PATCH', `/api/v1/nodes/${drainTarget}`, { metadata: { labels: { [DRAIN_TARGET_LABEL]: 'true' } } },
          'application/merge-patch+json');
        if (r.status !== 200) throw new Error(`label ${drainTarget}: ${statusMessage(r)}`);
        log(`ctk:e2e: drain target ${drainTarget} (${bookinfoOnTarget.length} bookinfo pods)`);
      }

      const kubeconfig = await runAs(runner.name, runner.serviceAccount.metadata.namespace ?? 'chaostoolkit');
      const started = Date.now();
      const result = await runChaosAsync(['run', '--journal-path', journalPath, file], {
        cwd: work,
        env: {
          KUBECONFIG: kubeconfig, PRODUCT_PAGE_URL: mesh.url,
          HTTP_PROXY: '', HTTPS_PROXY: '', http_proxy: '', https_proxy: '', NO_PROXY: '127.0.0.1,localhost',
        },
        timeoutMs: 540_000,
      });
      const verdict = readJournal(JSON.parse(readFileSync(journalPath, 'utf8')) as unknown);
      log(`\nctk:e2e: chaos run ${experiment.id}: exit ${result.code} after ${((Date.now() - started) / 1000).toFixed(1)} s`);

      if (experiment.id === 'terminate-half-ratings-v2-pods') {
        const after = await pods(kube, ns, t.ratingsV2.v2LabelSelector);
        const oldUids = new Set(ratingsBefore.map((p) => p.metadata.uid));
        const gone = ratingsBefore.filter((p) => !after.some((q) => q.metadata.uid === p.metadata.uid));
        const running = after.filter((p) => p.status.phase === 'Running' && p.metadata.deletionTimestamp === undefined);
        check('half of the ratings-v2 pods terminated', gone.length === Math.ceil(ratingsBefore.length / 2),
          `${gone.length} of ${ratingsBefore.length} gone (${gone.map((p) => p.metadata.name).join(', ')})`);
        check('terminated pods replaced', running.length === t.ratingsV2.replicas && running.some((p) => !oldUids.has(p.metadata.uid)),
          `${running.length}/${t.ratingsV2.replicas} running now: ${running.map((p) => p.metadata.name).join(', ')}`);
        outcomes.push({ experiment: experiment.id, verdict, expectedPass: true, checks });
      } else if (experiment.id === 'drain-node') {
        type N = { metadata: { name: string }; spec?: { unschedulable?: boolean } };
        const nodes = (await getJson<{ items: N[] }>(kube, '/api/v1/nodes')).items;
        const cordoned = nodes.filter((n) => n.spec?.unschedulable === true).map((n) => n.metadata.name);
        const now = await pods(kube, ns);
        const stayed = bookinfoOnTarget.filter((p) => now.some((q) => q.metadata.uid === p.metadata.uid));
        const drainRun = verdict.method.find((r) => r.name === 'drain-the-target-node');
        check('the target node was drained', drainRun?.succeeded === true && JSON.stringify(drainRun.output) === JSON.stringify([drainTarget]),
          `drain_nodes returned ${JSON.stringify(drainRun?.output)}`);
        check('its bookinfo pods were evicted and rescheduled', stayed.length === 0 && (await deploymentsAvailable(kube, ns)) === undefined,
          `${bookinfoOnTarget.length - stayed.length} of ${bookinfoOnTarget.length} evicted; now on ${[...new Set(now.map((p) => p.spec.nodeName))].join(', ')}`);
        const rb = verdict.rollbacks.find((r) => r.name === 'uncordon-the-drained-node');
        check('the rollback uncordoned that node only', rb?.succeeded === true && JSON.stringify(rb.output) === JSON.stringify([drainTarget])
          && cordoned.length === 0, `uncordon_node returned ${JSON.stringify(rb?.output)}; cordoned now: [${cordoned.join(', ')}]`);
        outcomes.push({ experiment: experiment.id, verdict, expectedPass: true, checks });
      } else {
        const inject = verdict.method[0];
        const patched = ((inject?.output as { body?: { spec?: { http?: VsRoute[] } } } | undefined)?.body?.spec?.http ?? [])[0]?.fault?.delay;
        check('the delay fault was set with percentage.value', inject?.succeeded === true && patched?.fixedDelay === '5s' && patched.percentage?.value === 100,
          `VirtualService after the patch: fault.delay=${JSON.stringify(patched)}`);
        const vs = await getJson<{ spec: { http: VsRoute[] } }>(kube, `/apis/networking.istio.io/v1/namespaces/${ns}/virtualservices/${t.reviews.virtualService}`);
        const rb = verdict.rollbacks[0];
        check('the rollback removed it although the probe raised', rb?.succeeded === true && vs.spec.http.every((h) => h.fault === undefined),
          `journal status=${verdict.status}; VirtualService http now: ${JSON.stringify(vs.spec.http)}`);
        check('the deadline was missed while the fault was on (the finding)', verdict.deviated && verdict.steadyStateBefore === true,
          `steady state before=${String(verdict.steadyStateBefore)} after=${String(verdict.steadyStateAfter)}; stub served ${mesh.served()} requests`);
        // The talk's defect, reproduced: the same run with the CLI's default rollback strategy leaves the fault in.
        const defaultJournal = join(work, `${experiment.id}.default-strategy.journal.json`);
        await runChaosAsync(['run', '--rollback-strategy', 'default', '--journal-path', defaultJournal, file], {
          cwd: work, env: { KUBECONFIG: kubeconfig, PRODUCT_PAGE_URL: mesh.url, NO_PROXY: '127.0.0.1,localhost' }, timeoutMs: 120_000,
        });
        const skipped = readJournal(JSON.parse(readFileSync(defaultJournal, 'utf8')) as unknown);
        const left = await getJson<{ spec: { http: VsRoute[] } }>(kube, `/apis/networking.istio.io/v1/namespaces/${ns}/virtualservices/${t.reviews.virtualService}`);
        check("with --rollback-strategy default the removal is skipped and the fault stays (the talk's defect)",
          skipped.status === 'failed' && skipped.rollbacks.length === 0 && left.spec.http.some((h) => h.fault !== undefined),
          `status=${skipped.status}, ${skipped.rollbacks.length} rollbacks played, fault left: ${JSON.stringify(left.spec.http[0]?.fault)}`);
        await kube.request('PUT', `/apis/networking.istio.io/v1/namespaces/${ns}/virtualservices/${t.reviews.virtualService}`,
          { ...left, spec: { ...left.spec, http: left.spec.http.map(({ fault: _f, ...rest }) => rest) } });
        outcomes.push({ experiment: experiment.id, verdict, expectedPass: false, checks });
      }
    }

    log('\n==== Chaos Toolkit journals (real chaos run, local control plane) ====');
    let ok = true;
    for (const o of outcomes) {
      log(summarizeJournal(o.verdict));
      const asExpected = o.verdict.passed === o.expectedPass;
      ok &&= asExpected && o.checks.every((c) => c.ok);
      log(`  verdict ${o.verdict.outcome} (expected ${o.expectedPass ? 'Pass' : 'Fail'}): ${asExpected ? 'as expected' : 'UNEXPECTED'}`);
      for (const c of o.checks) log(`  ${c.ok ? 'ok  ' : 'FAIL'} ${c.what}: ${c.detail}`);
    }
    const summary = summarize(outcomes.map((o, i) => toExperimentResult(
      chaosToolkitRef(stack.runners[i].serviceAccount.metadata.namespace ?? 'chaostoolkit', stack.runners[i].name, o.experiment), o.verdict)));
    log(`ctk:e2e: as chaos results: ${summary.passed} of ${summary.total} passed; `
      + `not passed: ${summary.failing.length === 0 ? 'none' : summary.failing.map((f) => `${f.experiment} ${f.outcome} (${f.reason})`).join('; ')}`);
    const passedChecks = outcomes.reduce((a, o) => a + o.checks.filter((c) => c.ok).length + (o.verdict.passed === o.expectedPass ? 1 : 0), 0);
    const total = outcomes.reduce((a, o) => a + o.checks.length + 1, 0);
    log(`\nctk:e2e: ${passedChecks} passed, ${total - passedChecks} failed (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
    return ok ? 0 : 1;
  } finally {
    await new Promise<void>((r) => {
      if (stub === undefined) r();
      else {
        stub.closeAllConnections();
        stub.close(() => r());
      }
    });
    await cp.stop().catch((e: unknown) => {
      log(`ctk:e2e: stop failed: ${String(e)}`);
      cp.killNow();
    });
    removeHandlers();
    if (process.env.CTK_E2E_KEEP === undefined) rmSync(work, { recursive: true, force: true });
    else log(`ctk:e2e: kept ${work}`);
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    log(`ctk:e2e: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
    process.exit(1);
  },
);
