/**
 * The pure, typed reader of Litmus 3.x ChaosEngine and ChaosResult documents (JSON in, typed result out). Used by
 * the Pulumi program (readback and gating) and by `npm run results`. It never talks to a cluster.
 *
 * ChaosResult shape (notes/litmus.md §2): `status.experimentStatus {phase, verdict, probeSuccessPercentage,
 * errorOutput {errorCode, reason}}`, `status.probeStatuses[] {name, type, mode, status {verdict, description}}`,
 * `status.history {passedRuns, failedRuns, stoppedRuns}`, and the label `chaosUID=<engine UID>`.
 *
 * The same ChaosResult `<engine>-<experiment>` is reused by every run of every engine of that name, and a re-armed
 * engine (`spec.engineState` set back to `active`: CronChaosTrigger, `kubectl patch`, a re-apply) keeps its UID. A
 * verdict therefore counts only for the run that wrote it, which {@link readRun} checks in this order:
 * 1. The engine: only `status.engineStatus: completed` with `spec.engineState` not `active` is judged by its result.
 *    `stopped` is Stopped; `completed` with `active` is a re-arm the operator is about to run again (chaos-operator
 *    3.18 `Reconcile`: active + completed → `reconcileForRestartAfterComplete`; `updateEngineForComplete` always
 *    writes completed together with `stop`), and anything else is Running.
 * 2. The engine: the result's `chaosUID` label is the engine's UID (else Stale: a result of an earlier engine).
 * 3. The run: the result's `job-name` label names the Job of the experiment pod the engine's current run records in
 *    `status.experiments[].experimentPod` (else Stale). Why this identifies the run: litmus-go 3.31
 *    `result.ChaosResult` replaces the result's labels with its own experiment pod's labels (plus chaosUID) on every
 *    write but an abort's; chaos-runner 3.18 names each run's Job `<experiment>-<6 random>` (`NewExperimentDetails`),
 *    finds its pod by the label `job-name=<Job>` (`GetChaosPod`; the Job controller names the pod `<Job>-<suffix>`)
 *    and records that pod in the engine status (`AwaitedExperimentStatus`, `CompletedExperimentStatus`); and the
 *    operator empties `status.experiments` when it restarts an engine (`reconcileForRestartAfterComplete`,
 *    `updateEngineForRestart`). So a result whose experiment never reported in this run (job not launched, pod
 *    lost, result update failed) still carries the previous run's Job, and the runner even copies its old verdict
 *    into the engine status: only the Job tells them apart. Timestamps cannot: a ChaosResult has none in its status,
 *    and the engine's `lastUpdateTime` is rewritten on every status change.
 * 4. The verdict. A Pass counts only when its probes agree: every probe Passed and probeSuccessPercentage 100 (else
 *    Inconsistent; see {@link readChaosResult}).
 */

/** `status.experimentStatus.verdict` of a 3.x ChaosResult. */
export enum Verdict {
  PASS = 'Pass',
  FAIL = 'Fail',
  ERROR = 'Error',
  STOPPED = 'Stopped',
  /** The run is still going (the verdict resets to Awaited at the start of each run). */
  AWAITED = 'Awaited',
}

/** Why no verdict of this run could be read; each is a failure, never a pass. */
export enum ReadbackProblem {
  /** The ChaosResult `<engine>-<experiment>` does not exist. */
  MISSING = 'Missing',
  /** The ChaosResult belongs to another engine (its chaosUID label is not this engine's UID). */
  STALE = 'Stale',
  /** The ChaosResult has no `status.experimentStatus` (yet). */
  NO_STATUS = 'NoStatus',
  /** The verdict is not one Litmus 3.x writes. */
  UNRECOGNIZED = 'Unrecognized',
  /** The engine did not reach `completed` or `stopped` in time. */
  TIMEOUT = 'Timeout',
  /** The Kubernetes API refused or failed a read. */
  API_ERROR = 'ApiError',
  /** The cluster could not be reached (no connection, or no answer within the request timeout): no verdict was read. */
  UNREACHABLE = 'Unreachable',
  /** The ChaosEngine itself does not exist. */
  ENGINE_MISSING = 'EngineMissing',
  /** The engine's run is not over (`status.engineStatus` is not `completed`): whatever its ChaosResult holds is no verdict yet. */
  RUNNING = 'Running',
  /** A Pass verdict its own probes contradict: a probe not Passed, or a probe success percentage other than 100. */
  INCONSISTENT = 'Inconsistent',
  /** The plan stopped before the experiment's step (stopOnFailure): its engine was never created. */
  NOT_RUN = 'NotRun',
}

/** What the experiment came to: a Litmus verdict, or the reason none could be read. */
export type Outcome = Verdict | ReadbackProblem;

/** `status.probeStatuses[].status.verdict`: `Passed`, `Failed`, `N/A` or `Awaited` (kept as written). */
export type ProbeVerdict = string;

/** One probe of a run. */
export interface ProbeResult {
  readonly name: string;
  readonly type: string;
  readonly mode: string;
  readonly verdict: ProbeVerdict;
  readonly description?: string;
}

/** Cumulative run counters of a ChaosResult (`status.history`); an Error verdict increments none of them. */
export interface RunCounts {
  readonly passed: number;
  readonly failed: number;
  readonly stopped: number;
}

/** `status.experimentStatus.errorOutput` (3.x). */
export interface ErrorOutput {
  readonly errorCode: string;
  readonly reason: string;
}

/** Which experiment of which engine a result belongs to. */
export interface ResultRef {
  /**
   * The name of the target the chaos was aimed at (`app-sample`, or a workload of the environment's), when the
   * result belongs to a plan; with the experiment it identifies the result in outputs (`<target>/<experiment>`).
   */
  readonly target?: string;
  readonly namespace: string;
  readonly engine: string;
  readonly experiment: string;
  /** `<engine>-<experiment>`. */
  readonly resultName: string;
}

/** How outputs, tables and reports name an experiment of a plan: `<target>/<experiment>` (the experiment alone without a target). */
export function experimentKey(ref: Pick<ResultRef, 'target' | 'experiment'>): string {
  return ref.target === undefined ? ref.experiment : `${ref.target}/${ref.experiment}`;
}

/** The typed verdict of one experiment of one run. */
export interface ExperimentResult extends ResultRef {
  readonly outcome: Outcome;
  /** True only for a Pass verdict of this run. */
  readonly passed: boolean;
  /** Why it did not pass (empty for a pass). */
  readonly reason: string;
  readonly phase?: string;
  /** 0 to 100; absent while Awaited or when the status has none. */
  readonly probeSuccessPercentage?: number;
  readonly errorOutput?: ErrorOutput;
  readonly probes: readonly ProbeResult[];
  readonly runs: RunCounts;
}

/** The verdicts of a whole run. */
export interface RunSummary {
  readonly allPassed: boolean;
  readonly total: number;
  readonly passed: number;
  readonly failing: readonly { readonly experiment: string; readonly engine: string; readonly outcome: Outcome; readonly reason: string }[];
}

/** `status.engineStatus` of a ChaosEngine: `initialized`, `completed` or `stopped` (kept as written). */
export type EngineStatus = string;

/** One entry of a ChaosEngine's `status.experiments[]`, as the chaos-runner writes it for the current run. */
export interface EngineExperiment {
  readonly name: string;
  /** The experiment pod of this run (`<Job>-<suffix>`), or `N/A` / `Yet to be launched`. */
  readonly experimentPod?: string;
  readonly status?: string;
  readonly verdict?: string;
}

/** What the readback needs from a ChaosEngine. */
export interface EngineState {
  readonly uid?: string;
  readonly engineStatus?: EngineStatus;
  /** `spec.engineState`: `active` or `stop` (the operator rewrites it to `stop` when a run completes). */
  readonly engineState?: string;
  /**
   * True when the run is over and will not start again by itself: `completed` (unless re-armed with
   * `engineState: active`), or `stopped` (aborted). Waiting for the engine ends there.
   */
  readonly finished: boolean;
  /** `status.experiments[]` of the current run (emptied by the operator when a run restarts). */
  readonly experiments: readonly EngineExperiment[];
}

const VERDICTS: readonly string[] = Object.values(Verdict);

type Json = Record<string, unknown>;

function obj(value: unknown): Json | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? value as Json : undefined;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function count(value: unknown): number {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && /^\d+$/.test(value)) return Number(value);
  return 0;
}

/** Reads the parts of a ChaosEngine document the readback needs. */
export function readEngine(doc: unknown): EngineState {
  const d = obj(doc);
  const status = obj(d?.status);
  const engineStatus = str(status?.engineStatus);
  const engineState = str(obj(d?.spec)?.engineState);
  const experiments = (Array.isArray(status?.experiments) ? status.experiments : []).map((e: unknown): EngineExperiment => {
    const x = obj(e);
    const pod = str(x?.experimentPod);
    const st = str(x?.status);
    const verdict = str(x?.verdict);
    return {
      name: str(x?.name) ?? '', ...(pod === undefined ? {} : { experimentPod: pod }),
      ...(st === undefined ? {} : { status: st }), ...(verdict === undefined ? {} : { verdict }),
    };
  });
  return {
    uid: str(obj(d?.metadata)?.uid),
    engineStatus,
    ...(engineState === undefined ? {} : { engineState }),
    finished: engineStatus === 'stopped' || (engineStatus === 'completed' && engineState !== 'active'),
    experiments,
  };
}

/**
 * What the engine's own state says before any ChaosResult is read: `undefined` when its run completed (the result
 * decides), otherwise the outcome. An engine is only judged by its result once `status.engineStatus` is `completed`
 * and it is not re-armed (`spec.engineState: active`, which the operator answers with a new run); `stopped` (the
 * operator's abort, chaos-operator `controllers/chaosengine_controller.go`) is Stopped, and anything else
 * (`initialized`, or no status yet) is Running. The reused ChaosResult still holds the previous run's verdict until
 * the new run's experiment writes `Awaited`, so reading it earlier would report an old Pass for this run.
 */
export function engineOutcome(ref: ResultRef, engine: EngineState): ExperimentResult | undefined {
  const what = `ChaosEngine ${ref.namespace}/${ref.engine}`;
  if (engine.engineStatus === 'completed' && engine.engineState === 'active') {
    return problemResult(ref, ReadbackProblem.RUNNING,
      `${what} was set to run again (spec.engineState 'active' on a completed engine), so its last verdict is not this run's`);
  }
  if (engine.engineStatus === 'completed') return undefined;
  if (engine.engineStatus === 'stopped') {
    return {
      ...problemResult(ref, ReadbackProblem.RUNNING, ''), outcome: Verdict.STOPPED,
      reason: `${what} was stopped before its run completed (status.engineStatus 'stopped'): an aborted run has no verdict to pass`,
    };
  }
  const status = engine.engineStatus === undefined || engine.engineStatus === '' ? 'no status.engineStatus yet'
    : `status.engineStatus '${engine.engineStatus}'`;
  return problemResult(ref, ReadbackProblem.RUNNING, `${what} has not finished its run (${status}), so it has no verdict yet`);
}

/** A result that carries no verdict: a readback problem with its reason. */
export function problemResult(ref: ResultRef, outcome: ReadbackProblem, reason: string): ExperimentResult {
  return { ...ref, outcome, passed: false, reason, probes: [], runs: { passed: 0, failed: 0, stopped: 0 } };
}

/**
 * Reads a ChaosResult document (or `undefined` when it does not exist) into a typed result. `engineUid`, when
 * given, must equal the result's `chaosUID` label; otherwise the verdict is from another engine (a stale result).
 */
export function readChaosResult(ref: ResultRef, doc: unknown, engineUid?: string): ExperimentResult {
  const d = obj(doc);
  const what = `ChaosResult ${ref.namespace}/${ref.resultName}`;
  if (d === undefined) {
    return problemResult(ref, ReadbackProblem.MISSING, `${what} does not exist; the experiment never reported`);
  }
  const chaosUid = str(obj(obj(d.metadata)?.labels)?.chaosUID);
  if (engineUid !== undefined && chaosUid !== engineUid) {
    return problemResult(ref, ReadbackProblem.STALE,
      `${what} is stale: its chaosUID label is ${chaosUid === undefined ? 'absent' : `'${chaosUid}'`}, `
      + `not the UID of ChaosEngine ${ref.engine} ('${engineUid}'), so its verdict is from an earlier run`);
  }
  const status = obj(d.status);
  const exp = obj(status?.experimentStatus);
  const probes = readProbes(status?.probeStatuses);
  const history = obj(status?.history);
  const runs: RunCounts = { passed: count(history?.passedRuns), failed: count(history?.failedRuns), stopped: count(history?.stoppedRuns) };
  if (exp === undefined) {
    return { ...problemResult(ref, ReadbackProblem.NO_STATUS, `${what} has no status.experimentStatus yet`), probes, runs };
  }
  const phase = str(exp.phase);
  const verdictText = str(exp.verdict);
  const pct = str(exp.probeSuccessPercentage) ?? (typeof exp.probeSuccessPercentage === 'number' ? String(exp.probeSuccessPercentage) : undefined);
  const probeSuccessPercentage = pct !== undefined && /^\d+(\.\d+)?$/.test(pct) ? Number(pct) : undefined;
  const eo = obj(exp.errorOutput);
  const errorOutput = eo && (str(eo.errorCode) !== undefined || str(eo.reason) !== undefined)
    ? { errorCode: str(eo.errorCode) ?? '', reason: str(eo.reason) ?? '' } : undefined;
  const common = {
    ...ref, probes, runs,
    ...(phase === undefined ? {} : { phase }),
    ...(probeSuccessPercentage === undefined ? {} : { probeSuccessPercentage }),
    ...(errorOutput === undefined ? {} : { errorOutput }),
  };
  if (verdictText === undefined || !VERDICTS.includes(verdictText)) {
    return {
      ...common, outcome: ReadbackProblem.UNRECOGNIZED, passed: false,
      reason: `${what} has verdict ${verdictText === undefined ? '(none)' : `'${verdictText}'`}, which Litmus 3.x does not write`,
    };
  }
  const verdict = verdictText as Verdict;
  if (verdict === Verdict.PASS) {
    const contradiction = passContradiction(probes, probeSuccessPercentage);
    if (contradiction !== undefined) {
      return {
        ...common, outcome: ReadbackProblem.INCONSISTENT, passed: false,
        reason: `${what} says Pass, but ${contradiction}; Litmus writes a Pass only when every probe passed`,
      };
    }
  }
  return { ...common, outcome: verdict, passed: verdict === Verdict.PASS, reason: verdictReason(verdict, phase, probes, errorOutput) };
}

/**
 * Why a Pass verdict is not backed by its probes, if it is not. litmus-go 3.31 (`result.updateResultAttributes`)
 * turns the verdict into Fail when any probe Failed and writes probeSuccessPercentage "100" with every Pass, and each
 * probe that ran is marked Passed or Failed (`probe.markedVerdictInEnd`). A Pass with a Failed, Awaited or N/A probe,
 * or another percentage, was not written that way (an edited or half-written result): it is not a pass.
 */
function passContradiction(probes: readonly ProbeResult[], probeSuccessPercentage: number | undefined): string | undefined {
  const failed = probes.find((p) => p.verdict === 'Failed');
  if (failed !== undefined) return `probe '${failed.name}' is Failed${failed.description ? ` (${failed.description})` : ''}`;
  const notPassed = probes.find((p) => p.verdict !== 'Passed');
  if (notPassed !== undefined) return `probe '${notPassed.name}' is ${notPassed.verdict}, not Passed`;
  if (probeSuccessPercentage !== 100) {
    return `its probeSuccessPercentage is ${probeSuccessPercentage ?? 'absent'}, not 100`;
  }
  return undefined;
}

/**
 * The verdict of one experiment of a finished engine run (rules 1 to 4 of this module's header): the engine's state,
 * then the result's engine (chaosUID) and run (job-name against the engine's experiment pod), then the verdict.
 */
export function readRun(ref: ResultRef, engine: EngineState, doc: unknown): ExperimentResult {
  const unfinished = engineOutcome(ref, engine);
  if (unfinished !== undefined) return unfinished;
  // Without an engine UID there is nothing to check the result against: treat that as stale rather than trust it.
  const result = readChaosResult(ref, doc, engine.uid ?? '(engine has no metadata.uid)');
  if (result.outcome === ReadbackProblem.MISSING || result.outcome === ReadbackProblem.STALE) return result;
  const what = `ChaosResult ${ref.namespace}/${ref.resultName}`;
  const unmatched = (why: string): ExperimentResult => problemResult(ref, ReadbackProblem.STALE,
    `${what} cannot be matched to this run: ${why}, so its verdict may be from an earlier run`);
  const job = str(obj(obj(obj(doc)?.metadata)?.labels)?.['job-name']);
  if (job === undefined || job === '') return unmatched("it has no job-name label (litmus-go copies its experiment pod's labels onto it)");
  const pod = engine.experiments.find((x) => x.name === ref.experiment)?.experimentPod;
  if (pod === undefined || !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(pod)) {
    return unmatched(`ChaosEngine ${ref.engine} records no experiment pod for '${ref.experiment}' in status.experiments`);
  }
  if (!pod.startsWith(`${job}-`) || pod.slice(job.length + 1).includes('-')) {
    return problemResult(ref, ReadbackProblem.STALE,
      `${what} is stale: it was written by the experiment Job '${job}', but this run of ChaosEngine ${ref.engine} ran the pod '${pod}', `
      + 'so its verdict is from an earlier run of the same engine');
  }
  return result;
}

function readProbes(value: unknown): ProbeResult[] {
  if (!Array.isArray(value)) return [];
  // Array.from, not value.map: the list is built in this realm whatever realm parsed the document (Pulumi copies arrays
  // into outputs only when they are `instanceof Array` here).
  return Array.from(value as unknown[], (p) => {
    const probe = obj(p);
    const st = obj(probe?.status);
    const description = str(st?.description);
    return {
      name: str(probe?.name) ?? '',
      type: str(probe?.type) ?? '',
      mode: str(probe?.mode) ?? '',
      verdict: str(st?.verdict) ?? 'N/A',
      ...(description === undefined ? {} : { description }),
    };
  });
}

function verdictReason(verdict: Verdict, phase: string | undefined, probes: readonly ProbeResult[], errorOutput: ErrorOutput | undefined): string {
  switch (verdict) {
    case Verdict.PASS:
      return '';
    case Verdict.FAIL: {
      const failed = probes.filter((p) => p.verdict === 'Failed');
      const detail = failed.length > 0
        ? failed.map((p) => `probe '${p.name}' failed${p.description ? `: ${p.description}` : ''}`).join('; ')
        : errorOutput?.reason ?? 'no failed probe recorded';
      return `${phase ?? 'Fail'}: ${detail}`;
    }
    case Verdict.ERROR:
      return errorOutput ? `${errorOutput.errorCode}: ${errorOutput.reason}` : 'Error with no errorOutput';
    case Verdict.STOPPED:
      return 'the run was aborted (engineState set to stop before it completed)';
    case Verdict.AWAITED:
      return 'the run has not finished: the verdict is still Awaited';
  }
}

/** The verdicts of a run in one summary: `allPassed` only when every experiment passed (and there is at least one). */
export function summarize(results: readonly ExperimentResult[]): RunSummary {
  const failing = results.filter((r) => !r.passed)
    .map((r) => ({ experiment: experimentKey(r), engine: r.engine, outcome: r.outcome, reason: r.reason }));
  return { allPassed: results.length > 0 && failing.length === 0, total: results.length, passed: results.length - failing.length, failing };
}

/** One message listing each failing experiment, its verdict and reason (used to fail `pulumi up` and the CLI). */
export function gateMessage(summary: RunSummary, environment: string): string {
  if (summary.total === 0) return `Chaos gate (${environment}): no experiment ran, so there is no verdict to pass.`;
  const lines = summary.failing.map((f) => `  - ${f.experiment} (ChaosEngine ${f.engine}): ${f.outcome}: ${f.reason}`);
  return `Chaos gate (${environment}): ${summary.failing.length} of ${summary.total} experiments did not pass:\n${lines.join('\n')}`;
}
