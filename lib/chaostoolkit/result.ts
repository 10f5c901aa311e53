/**
 * Maps a Chaos Toolkit journal verdict onto the typed result of the Litmus readback (lib/results/reader.ts), so that
 * both kinds of experiment are gated and reported by the same code (`summarize`, `gateMessage`).
 *
 * - outcome: Pass / Fail / Error (aborted) / Stopped (interrupted) as Litmus's verdicts; a journal that is not one
 *   chaostoolkit writes becomes ReadbackProblem.UNRECOGNIZED;
 * - phase: the journal's `status` as written;
 * - probes: the steady-state probes, mode `SOT` (before the method) or `EOT` (after it), verdict Passed/Failed;
 * - runs: this one run, counted as passed, failed or stopped.
 */
import { type ExperimentResult, type Outcome, type ProbeResult, ReadbackProblem, type ResultRef, Verdict } from '../results/reader';
import { JournalOutcome, type JournalVerdict } from './journal';

const OUTCOMES: Record<JournalOutcome, Outcome> = {
  [JournalOutcome.PASS]: Verdict.PASS,
  [JournalOutcome.FAIL]: Verdict.FAIL,
  [JournalOutcome.ERROR]: Verdict.ERROR,
  [JournalOutcome.STOPPED]: Verdict.STOPPED,
  [JournalOutcome.UNRECOGNIZED]: ReadbackProblem.UNRECOGNIZED,
};

/** Where a Chaos Toolkit result comes from: the runner's namespace and Job, and the experiment id. */
export function chaosToolkitRef(namespace: string, runner: string, experiment: string, journal = 'journal.json'): ResultRef {
  return { namespace, engine: runner, experiment, resultName: `${runner}/${journal}` };
}

/** The journal's verdict as an ExperimentResult. */
export function toExperimentResult(ref: ResultRef, v: JournalVerdict): ExperimentResult {
  const outcome = OUTCOMES[v.outcome];
  const probes: ProbeResult[] = v.probes.map((p) => ({
    name: p.name.replace(/^(before|after):/, ''),
    type: p.provider,
    mode: p.name.startsWith('before:') ? 'SOT' : 'EOT',
    verdict: p.succeeded && p.toleranceMet !== false ? 'Passed' : 'Failed',
    ...(p.error === undefined ? {} : { description: p.error }),
  }));
  return {
    ...ref,
    outcome,
    passed: outcome === Verdict.PASS,
    reason: v.reason,
    phase: v.status,
    probes,
    runs: {
      passed: outcome === Verdict.PASS ? 1 : 0,
      failed: outcome === Verdict.FAIL || outcome === Verdict.ERROR ? 1 : 0,
      stopped: outcome === Verdict.STOPPED ? 1 : 0,
    },
  };
}
