/** A plain-text table of a run's verdicts, one row per experiment, for terminals and CI logs. */
import { type ExperimentResult } from './reader';

const HEADERS = ['EXPERIMENT', 'ENGINE', 'VERDICT', 'PHASE', 'PROBES', 'RUNS P/F/S', 'REASON'] as const;

/** Renders the table; columns are padded to their widest cell, the reason is last and not padded. */
export function formatTable(results: readonly ExperimentResult[]): string {
  const rows = results.map((r) => [
    r.experiment,
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
