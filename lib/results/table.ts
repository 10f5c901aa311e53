/** A plain-text table of a run's verdicts, one row per experiment, for terminals and CI logs. */
import { type StepOutcome, stepsByExperiment } from '../plan';
import { type ExperimentResult, experimentKey } from './reader';

const HEADERS = ['STEP', 'EXPERIMENT', 'ENGINE', 'VERDICT', 'PHASE', 'PROBES', 'RUNS P/F/S', 'REASON'] as const;

/**
 * Renders the table; columns are padded to their widest cell, the reason is last and not padded. With the plan's
 * steps, each row names its step (`<n> <name>`).
 */
export function formatTable(results: readonly ExperimentResult[], steps: readonly StepOutcome[] = []): string {
  const stepOf = stepsByExperiment(steps);
  const stepLabel = (r: ExperimentResult): string => {
    const step = stepOf.get(experimentKey(r));
    return step === undefined ? '-' : `${step.index} ${step.name}`;
  };
  const rows = results.map((r) => [
    stepLabel(r),
    experimentKey(r),
    r.engine,
    r.outcome,
    r.phase ?? '-',
    r.probeSuccessPercentage === undefined ? '-' : `${r.probeSuccessPercentage}%`,
    `${r.runs.passed}/${r.runs.failed}/${r.runs.stopped}`,
    r.reason === '' ? '-' : r.reason,
  ]);
  const all = [[...HEADERS], ...rows];
  const widths = HEADERS.map((_, i) => Math.max(...all.map((row) => (row[i] ?? '').length)));
  return all.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ').trimEnd()).join('\n');
}

/** One line with the resilience score and the minimum the gate accepts. */
export function formatScore(score: number, minimum: number): string {
  return `Resilience score: ${score} (minimum ${minimum}${score < minimum ? ', below it' : ''})`;
}
