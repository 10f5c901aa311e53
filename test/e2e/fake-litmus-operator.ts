/**
 * TEST FIXTURE: a stand-in for the Litmus 3.31 chaos-operator and chaos-runner, which cannot run here (there is no
 * container runtime: kwok makes pods "Running" without running anything). It is used only by `npm run e2e`
 * (test/e2e/run.ts) and never deployed anywhere.
 *
 * It plays, against the real API server, the parts of the operator that an IaC deploy can observe, as Litmus 3.31
 * does them (shared/reference/notes/litmus.md §1.3, §1.4, §2):
 * - a ChaosEngine created with `spec.engineState: active` gets the finalizer `chaosengine.litmuschaos.io/finalizer`
 *   and `status.engineStatus: initialized`, with `status.experiments[]` Running / `Awaited`;
 * - each run of an experiment has its Job `<experiment>-<6 hex>` and pod `<Job>-<5 chars>` (chaos-runner, Job
 *   controller), recorded in `status.experiments[].experimentPod`;
 * - when its run is over (after `runMs`), the experiment "pod" writes the ChaosResult `<engine>-<experiment>` in the
 *   engine namespace (created or reused: history is cumulative) with the labels `chaosUID=<engine uid>` and
 *   `job-name=<Job>` (litmus-go copies its pod's labels; not on an abort), `spec
 *   {engine, experiment, instance}` and the 3.x status `experimentStatus {phase, verdict, probeSuccessPercentage,
 *   errorOutput}`, `probeStatuses[]`, `history {passedRuns, failedRuns, stoppedRuns, targets}`;
 * - then the operator sets `status.engineStatus: completed`, `status.experiments[]` Completed with the verdict, and
 *   rewrites `spec.engineState` to `stop` (updateEngineForComplete): the write that IaC tools see as drift;
 * - `engineState: active` on a completed engine re-runs it (reconcileForRestartAfterComplete); `stop` while
 *   initialized aborts it (`engineStatus: stopped`, verdict Stopped);
 * - on deletion it removes its finalizer (it does not delete the ChaosResults, which survive the engine).
 * The CRDs have no status subresource, so status is written with the object, as the operator does.
 * What each experiment comes to is the scenario: Pass, Fail (a failed probe), SloFail (every probe passes but the
 * SLO promProbes `slo-*`: the workshop's case of pods that come back while users see errors), Error (errorOutput),
 * or Hang (the engine never completes, for the bad-input check).
 */
import { randomBytes } from 'node:crypto';
import { type KubeClient, statusMessage } from '../../tools/cluster/kube-client';

export const FINALIZER = 'chaosengine.litmuschaos.io/finalizer';
const API = '/apis/litmuschaos.io/v1alpha1';

export type Outcome = 'Pass' | 'Fail' | 'SloFail' | 'Error' | 'Hang';

/** What an experiment of an engine comes to; the default is Pass. */
export type Scenario = (engine: string, experiment: string) => Outcome;

export const ALL_PASS: Scenario = () => 'Pass';

interface EngineDoc {
  metadata: {
    name: string; namespace: string; uid: string; resourceVersion: string;
    finalizers?: string[]; deletionTimestamp?: string; labels?: Record<string, string>;
  };
  spec: {
    engineState?: string;
    appinfo?: { appns?: string; applabel?: string; appkind?: string };
    experiments?: { name: string; spec?: { probe?: { name: string; type: string; mode: string }[] } }[];
  };
  status?: { engineStatus?: string; experiments?: unknown[] };
}

export interface FakeOperatorOptions {
  /** How long a run takes between `initialized` and `completed`. */
  runMs?: number;
  pollMs?: number;
  scenario?: Scenario;
  log?: (line: string) => void;
}

/** Counts of what the fixture did, for the e2e's assertions. */
export interface OperatorStats {
  /** Runs started (a re-trigger of a completed engine counts as a new run). */
  runsStarted: number;
  runsCompleted: number;
  finalizersAdded: number;
  finalizersRemoved: number;
  /** Engine names of every run started, in order. */
  started: string[];
  /** When the last run completed (ms since the epoch): its ChaosResult and engine status are final from then on. */
  lastCompletedAt?: number;
  /** When each engine's run completed (ms since the epoch), by engine name. */
  completedAt: Record<string, number>;
  /** The pods each engine's run found by its appinfo (namespace and label), by engine name. */
  targeted: Record<string, string[]>;
  /** The pods pod-delete runs deleted, as `namespace/name`. */
  deletedPods: string[];
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class FakeLitmusOperator {
  private running = false;
  private loop?: Promise<void>;
  private readonly runMs: number;
  private readonly pollMs: number;
  private readonly log: (line: string) => void;
  /** engine uid → when its current run started (ms). */
  private readonly inFlight = new Map<string, number>();
  /** engine uid → the Job of each experiment of its current run. */
  private readonly runJobs = new Map<string, Map<string, string>>();
  scenario: Scenario;
  readonly stats: OperatorStats = {
    runsStarted: 0, runsCompleted: 0, finalizersAdded: 0, finalizersRemoved: 0, started: [], completedAt: {}, targeted: {}, deletedPods: [],
  };
  /** The last error of a reconcile pass, if any (surfaced by the e2e). */
  lastError?: string;

  constructor(private readonly kube: KubeClient, opts: FakeOperatorOptions = {}) {
    this.runMs = opts.runMs ?? 1_000;
    this.pollMs = opts.pollMs ?? 200;
    this.scenario = opts.scenario ?? ALL_PASS;
    this.log = opts.log ?? (() => undefined);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        try {
          await this.reconcileAll();
          this.lastError = undefined;
        } catch (e) {
          this.lastError = e instanceof Error ? e.message : String(e);
        }
        await sleep(this.pollMs);
      }
    })();
  }

  /** Stops the loop (the operator going down: finalizers are then left in place). */
  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  private async reconcileAll(): Promise<void> {
    const r = await this.kube.get(`${API}/chaosengines`);
    if (r.status === 404) return; // CRD not installed (yet, or any more)
    if (r.status !== 200) throw new Error(`fake operator: list chaosengines: ${statusMessage(r)}`);
    const items = ((r.json as { items?: EngineDoc[] }).items ?? []);
    for (const e of items) await this.reconcile(e);
  }

  private enginePath(e: EngineDoc): string {
    return `${API}/namespaces/${e.metadata.namespace}/chaosengines/${e.metadata.name}`;
  }

  /** A JSON merge patch guarded by the resourceVersion read (a conflict is retried on the next pass). */
  private async patchEngine(e: EngineDoc, patch: Record<string, unknown>): Promise<boolean> {
    const meta = (patch.metadata ?? {}) as Record<string, unknown>;
    const body = { ...patch, metadata: { ...meta, resourceVersion: e.metadata.resourceVersion } };
    const r = await this.kube.request('PATCH', this.enginePath(e), body, 'application/merge-patch+json');
    if (r.status === 409 || r.status === 404) return false;
    if (r.status !== 200) throw new Error(`fake operator: patch ChaosEngine ${e.metadata.namespace}/${e.metadata.name}: ${statusMessage(r)}`);
    return true;
  }

  private async reconcile(e: EngineDoc): Promise<void> {
    const { name, namespace, uid } = e.metadata;
    const finalizers = e.metadata.finalizers ?? [];
    const has = finalizers.includes(FINALIZER);
    if (e.metadata.deletionTimestamp !== undefined) {
      // Deletion: clean up (nothing to clean here: no runner or experiment pods exist) and release the engine.
      this.inFlight.delete(uid);
      if (has && await this.patchEngine(e, { metadata: { finalizers: finalizers.filter((f) => f !== FINALIZER) } })) {
        this.stats.finalizersRemoved++;
        this.log(`fake-operator: ${namespace}/${name}: finalizer removed (deleting)`);
      }
      return;
    }
    const state = e.spec.engineState ?? 'active';
    const status = e.status?.engineStatus;
    const experiments = e.spec.experiments ?? [];
    // The Job of each experiment of the current run (a new one for each run), and the pod it records.
    const jobOf = (x: string): string => {
      const jobs = this.runJobs.get(uid) ?? new Map<string, string>();
      this.runJobs.set(uid, jobs);
      if (!jobs.has(x)) jobs.set(x, `${x}-${randomBytes(3).toString('hex')}`);
      return jobs.get(x) ?? x;
    };
    const podOf = (x: string): string => `${jobOf(x)}-${uid.replace(/[^a-z0-9]/g, '').slice(0, 5)}`;
    const expStatus = (st: string, verdict: string): Record<string, string>[] => experiments.map((x) => ({
      name: x.name, runner: `${name}-runner`, experimentPod: podOf(x.name),
      status: st, verdict, lastUpdateTime: new Date().toISOString(),
    }));

    if (state === 'active' && (status === undefined || status === '' || status === 'completed' || status === 'stopped')) {
      // A new engine, or a completed/stopped one set back to active: (re)start the run, with new Jobs.
      this.runJobs.delete(uid);
      if (await this.patchEngine(e, {
        metadata: { finalizers: has ? finalizers : [...finalizers, FINALIZER] },
        status: { engineStatus: 'initialized', experiments: expStatus('Running', 'Awaited') },
      })) {
        if (!has) this.stats.finalizersAdded++;
        this.inFlight.set(uid, Date.now());
        this.stats.runsStarted++;
        this.stats.started.push(`${namespace}/${name}`);
        this.log(`fake-operator: ${namespace}/${name}: run started${status === 'completed' ? ' again (engineState active on a completed engine)' : ''}`);
        await this.resetResults(e, jobOf);
      }
      return;
    }
    if (state === 'stop' && status === 'initialized') {
      // Abort.
      this.inFlight.delete(uid);
      for (const x of experiments) await this.writeResult(e, x, 'Stopped');
      await this.patchEngine(e, { status: { engineStatus: 'stopped', experiments: expStatus('Forcefully Aborted', 'Stopped') } });
      return;
    }
    if (state === 'active' && status === 'initialized') {
      const since = this.inFlight.get(uid) ?? Date.now();
      if (!this.inFlight.has(uid)) this.inFlight.set(uid, since);
      if (Date.now() - since < this.runMs) return;
      let outcomes = experiments.map((x) => this.scenario(name, x.name));
      if (outcomes.includes('Hang')) return; // never completes
      // Like litmus-go, find the target by appinfo: no pod with the label in the namespace is a TARGET_SELECTION_ERROR;
      // pod-delete deletes one of them (its controller brings it back).
      const targets = await this.targetPods(e);
      this.stats.targeted[name] = targets;
      if (targets.length === 0) outcomes = outcomes.map(() => 'Error');
      else if (experiments.some((x) => x.name === 'pod-delete') && outcomes.every((o) => o !== 'Error')) await this.deletePod(e, targets[0] ?? '');
      const verdicts: string[] = [];
      for (const [i, x] of experiments.entries()) verdicts.push(await this.writeResult(e, x, outcomes[i] ?? 'Pass', jobOf(x.name)));
      const done = experiments.map((x, i) => ({
        name: x.name, runner: `${name}-runner`, experimentPod: podOf(x.name),
        status: 'Completed', verdict: verdicts[i] ?? 'Pass', lastUpdateTime: new Date().toISOString(),
      }));
      // updateEngineForComplete: status completed AND spec.engineState rewritten to stop.
      if (await this.patchEngine(e, { spec: { engineState: 'stop' }, status: { engineStatus: 'completed', experiments: done } })) {
        this.inFlight.delete(uid);
        this.stats.runsCompleted++;
        this.stats.lastCompletedAt = Date.now();
        this.stats.completedAt[name] = this.stats.lastCompletedAt;
        this.log(`fake-operator: ${namespace}/${name}: completed (${verdicts.join(', ')}), engineState rewritten to stop`);
      }
    }
  }

  /** The names of the running pods the engine's appinfo selects (`appns`, `applabel`). */
  private async targetPods(e: EngineDoc): Promise<string[]> {
    const ns = e.spec.appinfo?.appns;
    const label = e.spec.appinfo?.applabel;
    if (ns === undefined || label === undefined) return [];
    const r = await this.kube.get(`/api/v1/namespaces/${ns}/pods?labelSelector=${encodeURIComponent(label)}`);
    if (r.status !== 200) throw new Error(`fake operator: list pods ${ns} ${label}: ${statusMessage(r)}`);
    type Pod = { metadata: { name: string; deletionTimestamp?: string }; status?: { phase?: string } };
    return ((r.json as { items?: Pod[] }).items ?? []).filter((p) => p.metadata.deletionTimestamp === undefined && p.status?.phase === 'Running')
      .map((p) => p.metadata.name);
  }

  private async deletePod(e: EngineDoc, pod: string): Promise<void> {
    const ns = e.spec.appinfo?.appns ?? '';
    const r = await this.kube.request('DELETE', `/api/v1/namespaces/${ns}/pods/${pod}`);
    if (r.status !== 200 && r.status !== 202 && r.status !== 404) throw new Error(`fake operator: delete pod ${ns}/${pod}: ${statusMessage(r)}`);
    this.stats.deletedPods.push(`${ns}/${pod}`);
  }

  private resultPath(namespace: string, name?: string): string {
    return `${API}/namespaces/${namespace}/chaosresults${name === undefined ? '' : `/${name}`}`;
  }

  /** Start of a run: an existing ChaosResult's verdict goes back to Awaited (the object is reused), labelled by the new pod. */
  private async resetResults(e: EngineDoc, jobOf: (experiment: string) => string): Promise<void> {
    for (const x of e.spec.experiments ?? []) {
      const path = this.resultPath(e.metadata.namespace, `${e.metadata.name}-${x.name}`);
      const r = await this.kube.request('PATCH', path, {
        metadata: { labels: { chaosUID: e.metadata.uid, 'job-name': jobOf(x.name) } },
        status: { experimentStatus: { phase: 'Running', verdict: 'Awaited', probeSuccessPercentage: 'Awaited', errorOutput: null } },
      }, 'application/merge-patch+json');
      if (r.status !== 200 && r.status !== 404) throw new Error(`fake operator: reset ChaosResult ${path}: ${statusMessage(r)}`);
    }
  }

  /** Writes the ChaosResult of one experiment as litmus-go 3.31 does at the end of a run; returns the verdict. */
  private async writeResult(
    e: EngineDoc, x: NonNullable<EngineDoc['spec']['experiments']>[number], outcome: Outcome | 'Stopped', job?: string,
  ): Promise<string> {
    const ns = e.metadata.namespace;
    const name = `${e.metadata.name}-${x.name}`;
    const existing = await this.kube.get(this.resultPath(ns, name));
    if (existing.status !== 200 && existing.status !== 404) throw new Error(`fake operator: get ChaosResult ${ns}/${name}: ${statusMessage(existing)}`);
    const prev = existing.status === 200 ? (existing.json as { status?: { history?: Record<string, number> } }).status?.history ?? {} : {};
    const history = { passedRuns: prev.passedRuns ?? 0, failedRuns: prev.failedRuns ?? 0, stoppedRuns: prev.stoppedRuns ?? 0 };
    const probes = x.spec?.probe ?? [];
    let experimentStatus: Record<string, unknown>;
    let probeVerdict: string;
    let probeDescription: string;
    // Litmus fails the verdict when any probe fails; only the SLO probes fail in this outcome.
    const isSlo = (p: { name: string; type: string }): boolean => p.type === 'promProbe' && p.name.startsWith('slo-');
    let verdictOf = (_p: { name: string; type: string }): string => probeVerdict;
    let descriptionOf = (_p: { name: string; type: string }): string => probeDescription;
    switch (outcome) {
      case 'SloFail': {
        history.failedRuns++;
        const passed = probes.filter((p) => !isSlo(p)).length;
        experimentStatus = {
          phase: 'Completed_With_Probe_Failure', verdict: 'Fail',
          probeSuccessPercentage: String(probes.length === 0 ? 0 : Math.round((100 * passed) / probes.length)),
        };
        probeVerdict = 'Passed';
        probeDescription = 'the probe met its criteria';
        verdictOf = (p) => (isSlo(p) ? 'Failed' : 'Passed');
        descriptionOf = (p) => (isSlo(p) ? 'Actual value: 0.0503, Expected value: < 0.02: 5 % of the load test\'s requests failed' : probeDescription);
        break;
      }
      case 'Fail':
        history.failedRuns++;
        experimentStatus = { phase: 'Completed_With_Probe_Failure', verdict: 'Fail', probeSuccessPercentage: '0' };
        probeVerdict = 'Failed';
        probeDescription = 'Actual value: 503, Expected value: == 200: the frontend did not answer with 200 during the chaos';
        break;
      case 'Error':
        experimentStatus = {
          phase: 'Error', verdict: 'Error', probeSuccessPercentage: '0',
          errorOutput: { errorCode: 'TARGET_SELECTION_ERROR', reason: `no target found with the matching label ${e.spec.appinfo?.applabel ?? ''} in ${e.spec.appinfo?.appns ?? ''}` },
        };
        probeVerdict = 'N/A';
        probeDescription = 'the probe did not run: the experiment failed before the chaos';
        break;
      case 'Stopped':
        history.stoppedRuns++;
        experimentStatus = { phase: 'Stopped', verdict: 'Stopped', probeSuccessPercentage: 'Awaited' };
        probeVerdict = 'N/A';
        probeDescription = 'the run was aborted';
        break;
      default:
        history.passedRuns++;
        experimentStatus = { phase: 'Completed', verdict: 'Pass', probeSuccessPercentage: '100' };
        probeVerdict = 'Passed';
        probeDescription = 'the probe met its criteria';
    }
    const body = {
      apiVersion: 'litmuschaos.io/v1alpha1',
      kind: 'ChaosResult',
      metadata: {
        name, namespace: ns,
        labels: {
          ...(e.metadata.labels ?? {}), chaosUID: e.metadata.uid, name, 'app.kubernetes.io/part-of': 'litmus',
          ...(job === undefined ? {} : { 'job-name': job }),
        },
        ...(existing.status === 200
          ? { resourceVersion: (existing.json as { metadata: { resourceVersion: string } }).metadata.resourceVersion } : {}),
      },
      spec: { engine: e.metadata.name, experiment: x.name, instance: '' },
      status: {
        experimentStatus,
        probeStatuses: probes.map((p) => ({
          name: p.name, type: p.type, mode: p.mode, status: { verdict: verdictOf(p), description: descriptionOf(p) },
        })),
        history: {
          ...history,
          targets: [{ name: (e.spec.appinfo?.applabel ?? '').split('=').pop() ?? '', kind: e.spec.appinfo?.appkind ?? 'deployment', chaosStatus: 'targeted' }],
        },
      },
    };
    const r = existing.status === 200
      ? await this.kube.request('PUT', this.resultPath(ns, name), body)
      : await this.kube.request('POST', this.resultPath(ns), body);
    if (r.status !== 200 && r.status !== 201) throw new Error(`fake operator: write ChaosResult ${ns}/${name}: ${statusMessage(r)}`);
    return experimentStatus.verdict as string;
  }
}
