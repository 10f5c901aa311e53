/**
 * The typed reader of Chaos Toolkit journals (the `journal.json` that `chaos run` writes; chaostoolkit-lib 1.44).
 * Pure: JSON in, typed verdict out.
 *
 * Gate (notes/peers.md §2.4): a run passes only when `status == "completed"`, `deviated == false`, every method
 * activity ran and succeeded, and every rollback succeeded. A method action that raised does not change the
 * journal's status (the fault may never have been injected), hence the per-activity check. chaostoolkit-istio's
 * fault actions do not raise on API errors, they return `{status, body}`: such an output with an HTTP status of
 * 400 or more counts as a failed activity here.
 *
 * The verdict uses the same outcome words as Litmus's ChaosResult (`Pass`, `Fail`, `Error`, `Stopped`), so a
 * Litmus and a Chaos Toolkit run can be reported side by side: `toExperimentResult` (./result.ts) maps a verdict onto
 * lib/results/reader.ts's ExperimentResult.
 */

/** `status` of a journal. */
export enum JournalStatus {
  /** Ran all the way through (which says nothing about the hypothesis: see `deviated`). */
  COMPLETED = 'completed',
  /** A hypothesis probe raised. */
  FAILED = 'failed',
  /** An unexpected error stopped the run. */
  ABORTED = 'aborted',
  /** Interrupted (signal, control, `--fail-fast`). */
  INTERRUPTED = 'interrupted',
}

/** The outcome of a run, in Litmus's ChaosResult verdict words. */
export enum JournalOutcome {
  PASS = 'Pass',
  FAIL = 'Fail',
  /** The run aborted. */
  ERROR = 'Error',
  /** The run was interrupted. */
  STOPPED = 'Stopped',
  /** Not a journal chaostoolkit-lib writes. */
  UNRECOGNIZED = 'Unrecognized',
}

/** One activity as it ran. */
export interface ActivityRun {
  readonly name: string;
  readonly type: string;
  /** `module.func` for Python providers, else the provider type and its target (`http GET <url>`, `process <path>`). */
  readonly provider: string;
  /** True when the journal says `succeeded` and the output carries no API error. */
  readonly succeeded: boolean;
  /** The journal's own status word. */
  readonly status: string;
  readonly durationSeconds?: number;
  /** For hypothesis probes: whether the tolerance was met. */
  readonly toleranceMet?: boolean;
  /** Why it failed: the last exception line, or the API status it returned. */
  readonly error?: string;
  readonly output?: unknown;
}

/** The typed verdict of one journal. */
export interface JournalVerdict {
  readonly title: string;
  readonly outcome: JournalOutcome;
  readonly passed: boolean;
  /** Why it did not pass (empty for a pass). */
  readonly reason: string;
  readonly status: string;
  readonly deviated: boolean;
  /** `steady_states.before/after.steady_state_met` (undefined when that check did not run). */
  readonly steadyStateBefore?: boolean;
  readonly steadyStateAfter?: boolean;
  readonly probes: readonly ActivityRun[];
  readonly method: readonly ActivityRun[];
  readonly rollbacks: readonly ActivityRun[];
  /** Number of method activities the experiment declares (to tell a method cut short). */
  readonly plannedMethod: number;
  readonly plannedRollbacks: number;
  readonly durationSeconds?: number;
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? v as Obj : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

function providerLabel(p: Obj | undefined): string {
  if (p === undefined) return '(no provider)';
  if (p.type === 'python') return `${str(p.module) ?? '?'}.${str(p.func) ?? '?'}`;
  if (p.type === 'http') return `http ${str(p.method) ?? 'GET'} ${str(p.url) ?? '?'}`;
  if (p.type === 'process') return `process ${str(p.path) ?? '?'}`;
  return String(p.type);
}

/** An API error returned (not raised) by an activity: chaosistio's `{status: 4xx/5xx, body}`. */
function returnedApiError(provider: Obj | undefined, output: unknown): string | undefined {
  const module = str(provider?.module) ?? '';
  const o = obj(output);
  const status = num(o?.status);
  if (!module.startsWith('chaosistio.') || status === undefined || status < 400) return undefined;
  const body = obj(o?.body);
  return `the Kubernetes API answered ${status}${str(body?.message) ? `: ${str(body?.message)}` : ''}`;
}

function readRun(entry: unknown): ActivityRun {
  const e = obj(entry) ?? {};
  const activity = obj(e.activity);
  const provider = obj(activity?.provider);
  const status = str(e.status) ?? '(none)';
  const exception = arr(e.exception).map(String);
  const apiError = returnedApiError(provider, e.output);
  const lastException = exception.map((l) => l.trim()).filter((l) => l !== '').pop();
  const error = status !== 'succeeded' ? (lastException ?? `status '${status}'`) : apiError;
  const toleranceMet = typeof e.tolerance_met === 'boolean' ? e.tolerance_met : undefined;
  const duration = num(e.duration);
  return {
    name: str(activity?.name) ?? '(unnamed)',
    type: str(activity?.type) ?? '?',
    provider: providerLabel(provider),
    succeeded: status === 'succeeded' && apiError === undefined,
    status,
    ...(duration === undefined ? {} : { durationSeconds: duration }),
    ...(toleranceMet === undefined ? {} : { toleranceMet }),
    ...(error === undefined ? {} : { error }),
    ...(e.output === undefined ? {} : { output: e.output }),
  };
}

function steadyState(v: unknown): { met?: boolean; probes: ActivityRun[] } {
  const s = obj(v);
  if (s === undefined) return { probes: [] };
  const met = typeof s.steady_state_met === 'boolean' ? s.steady_state_met : undefined;
  return { ...(met === undefined ? {} : { met }), probes: arr(s.probes).map(readRun) };
}

const STATUSES: readonly string[] = Object.values(JournalStatus);

/** Reads a journal document (parsed JSON) into a typed verdict. */
export function readJournal(doc: unknown): JournalVerdict {
  const d = obj(doc) ?? {};
  const experiment = obj(d.experiment);
  const title = str(experiment?.title) ?? '(untitled)';
  const status = str(d.status) ?? '(none)';
  const deviated = d.deviated === true;
  const ss = obj(d.steady_states);
  const before = steadyState(ss?.before);
  const after = steadyState(ss?.after);
  const method = arr(d.run).map(readRun);
  const rollbacks = arr(d.rollbacks).map(readRun);
  const plannedMethod = arr(experiment?.method).length;
  const plannedRollbacks = arr(experiment?.rollbacks).length;
  const durationSeconds = num(d.duration);
  const base = {
    title, status, deviated, method, rollbacks, plannedMethod, plannedRollbacks,
    probes: [...before.probes.map((p) => ({ ...p, name: `before:${p.name}` })), ...after.probes.map((p) => ({ ...p, name: `after:${p.name}` }))],
    ...(before.met === undefined ? {} : { steadyStateBefore: before.met }),
    ...(after.met === undefined ? {} : { steadyStateAfter: after.met }),
    ...(durationSeconds === undefined ? {} : { durationSeconds }),
  };

  if (!STATUSES.includes(status)) {
    return { ...base, outcome: JournalOutcome.UNRECOGNIZED, passed: false, reason: `journal status ${status === '(none)' ? 'is missing' : `'${status}' is not one chaostoolkit writes`}` };
  }
  const reasons: string[] = [];
  if (status !== String(JournalStatus.COMPLETED)) reasons.push(`status is '${status}'`);
  if (before.met === false) reasons.push('the steady state was not met before the method, so the method did not run');
  if (deviated) reasons.push('the steady state deviated after the method');
  const failed = method.filter((r) => !r.succeeded);
  for (const r of failed) reasons.push(`method activity '${r.name}' failed: ${r.error ?? r.status}`);
  if (before.met !== false && method.length < plannedMethod) reasons.push(`only ${method.length} of ${plannedMethod} method activities ran`);
  for (const r of rollbacks.filter((x) => !x.succeeded)) reasons.push(`rollback '${r.name}' failed: ${r.error ?? r.status}`);
  if (rollbacks.length < plannedRollbacks) reasons.push(`only ${rollbacks.length} of ${plannedRollbacks} rollbacks ran`);

  let outcome: JournalOutcome;
  if (status === String(JournalStatus.ABORTED)) outcome = JournalOutcome.ERROR;
  else if (status === String(JournalStatus.INTERRUPTED)) outcome = JournalOutcome.STOPPED;
  else outcome = reasons.length === 0 ? JournalOutcome.PASS : JournalOutcome.FAIL;
  return { ...base, outcome, passed: outcome === JournalOutcome.PASS, reason: reasons.join('; ') };
}

/** A few lines that summarize a verdict for a terminal or a CI log. */
export function summarizeJournal(v: JournalVerdict): string {
  const line = (r: ActivityRun): string => `    ${r.succeeded ? 'ok  ' : 'FAIL'} ${r.name} (${r.provider})${r.error ? `: ${r.error}` : ''}`;
  return [
    `${v.outcome.toUpperCase()} ${v.title}: status=${v.status} deviated=${v.deviated} steady-state before=${String(v.steadyStateBefore ?? '-')}`
      + ` after=${String(v.steadyStateAfter ?? '-')}${v.durationSeconds === undefined ? '' : ` in ${v.durationSeconds.toFixed(1)} s`}`,
    ...(v.reason ? [`  why: ${v.reason}`] : []),
    `  method (${v.method.length}/${v.plannedMethod}):`, ...v.method.map(line),
    `  rollbacks (${v.rollbacks.length}/${v.plannedRollbacks}):`, ...v.rollbacks.map(line),
  ].join('\n');
}
