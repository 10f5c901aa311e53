/**
 * JUnit XML of a run's verdicts, for CI: one testsuite per environment, one testcase per experiment, and a
 * `failure` element (its type the verdict, its message the reason) for every experiment that did not pass.
 */
import { type ExperimentResult } from './reader';

/** Escapes text for XML content and attribute values. */
export function xmlEscape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] ?? c)
    // Control characters other than tab, LF and CR are not allowed in XML 1.0.
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/g, '');
}

export interface JUnitOptions {
  /** The testsuite name, e.g. `chaos-stack.staging`. */
  readonly suite: string;
  /**
   * Timestamp of the suite (ISO 8601).
   * @default - none
   */
  readonly timestamp?: string;
}

function details(r: ExperimentResult): string {
  const lines = [
    `ChaosResult ${r.namespace}/${r.resultName} (ChaosEngine ${r.engine})`,
    `verdict: ${r.outcome}`,
    ...(r.phase === undefined ? [] : [`phase: ${r.phase}`]),
    ...(r.probeSuccessPercentage === undefined ? [] : [`probeSuccessPercentage: ${r.probeSuccessPercentage}`]),
    ...(r.errorOutput === undefined ? [] : [`errorOutput: ${r.errorOutput.errorCode}: ${r.errorOutput.reason}`]),
    ...r.probes.map((p) => `probe ${p.name} (${p.type}, ${p.mode}): ${p.verdict}${p.description ? ` - ${p.description}` : ''}`),
    `runs: passed ${r.runs.passed}, failed ${r.runs.failed}, stopped ${r.runs.stopped}`,
  ];
  return lines.join('\n');
}

/** The JUnit XML document of a run. */
export function toJUnitXml(results: readonly ExperimentResult[], opts: JUnitOptions): string {
  const failures = results.filter((r) => !r.passed).length;
  const suiteAttrs = [
    `name="${xmlEscape(opts.suite)}"`, `tests="${results.length}"`, `failures="${failures}"`, 'errors="0"', 'skipped="0"',
    ...(opts.timestamp === undefined ? [] : [`timestamp="${xmlEscape(opts.timestamp)}"`]),
  ].join(' ');
  const cases = results.map((r) => {
    const open = `    <testcase classname="${xmlEscape(`${opts.suite}.${r.namespace}`)}" name="${xmlEscape(`${r.experiment} (${r.engine})`)}"`;
    if (r.passed) return `${open}/>`;
    return [
      `${open}>`,
      `      <failure type="${xmlEscape(r.outcome)}" message="${xmlEscape(`${r.outcome}: ${r.reason}`)}">${xmlEscape(details(r))}</failure>`,
      '    </testcase>',
    ].join('\n');
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="chaos-stack" tests="${results.length}" failures="${failures}" errors="0">`,
    `  <testsuite ${suiteAttrs}>`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
