/**
 * The pure, typed reader of Litmus 3.x ChaosEngine and ChaosResult documents (JSON in, typed result out). Used by
 * the Pulumi program (readback and gating) and by `npm run results`. It never talks to a cluster.
 *
 * ChaosResult shape (notes/litmus.md §2): `status.experimentStatus {phase, verdict, probeSuccessPercentage,
 * errorOutput {errorCode, reason}}`, `status.probeStatuses[] {name, type, mode, status {verdict, description}}`,
 * `status.history {passedRuns, failedRuns, stoppedRuns}`, and the label `chaosUID=<engine UID>`. The same
 * ChaosResult is reused across runs, so a result is only trusted when its chaosUID is the engine's UID.
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
  /** The ChaosEngine itself does not exist. */
  ENGINE_MISSING = 'EngineMissing',
  /** The engine's run is not over (`status.engineStatus` is not `completed`): whatever its ChaosResult holds is no verdict yet. */
  RUNNING = 'Running',
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
  readonly namespace: string;
  readonly engine: string;
  readonly experiment: string;
  /** `<engine>-<experiment>`. */
  readonly resultName: string;
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

/** What the readback needs from a ChaosEngine. */
export interface EngineState {
  readonly uid?: string;
  readonly engineStatus?: EngineStatus;
  /** True when the run is over: `completed`, or `stopped` (aborted); waiting for the engine ends there. */
  readonly finished: boolean;
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
  const engineStatus = str(obj(d?.status)?.engineStatus);
  return {
    uid: str(obj(d?.metadata)?.uid),
    engineStatus,
    finished: engineStatus === 'completed' || engineStatus === 'stopped',
  };
}

/**
 * What the engine's own state says before any ChaosResult is read: `undefined` when its run completed (the result
 * decides), otherwise the outcome. An engine is only judged by its result once `status.engineStatus` is `completed`;
 * `stopped` (the operator's abort, chaos-operator `controllers/chaosengine_controller.go`) is Stopped, and anything
 * else (`initialized`, or no status yet) is Running. The reused ChaosResult still holds the previous run's verdict
 * until the new run's experiment writes `Awaited`, so reading it earlier would report an old Pass for this run.
 */
export function engineOutcome(ref: ResultRef, engine: EngineState): ExperimentResult | undefined {
  const what = `ChaosEngine ${ref.namespace}/${ref.engine}`;
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
  return { ...common, outcome: verdict, passed: verdict === Verdict.PASS, reason: verdictReason(verdict, phase, probes, errorOutput) };
}

function readProbes(value: unknown): ProbeResult[] {
  if (!Array.isArray(value)) return [];
  return value.map((p) => {
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
    .map((r) => ({ experiment: r.experiment, engine: r.engine, outcome: r.outcome, reason: r.reason }));
  return { allPassed: results.length > 0 && failing.length === 0, total: results.length, passed: results.length - failing.length, failing };
}

/** One message listing each failing experiment, its verdict and reason (used to fail `pulumi up` and the CLI). */
export function gateMessage(summary: RunSummary, environment: string): string {
  if (summary.total === 0) return `Chaos gate (${environment}): no experiment ran, so there is no verdict to pass.`;
  const lines = summary.failing.map((f) => `  - ${f.experiment} (ChaosEngine ${f.engine}): ${f.outcome}: ${f.reason}`);
  return `Chaos gate (${environment}): ${summary.failing.length} of ${summary.total} experiments did not pass:\n${lines.join('\n')}`;
}
