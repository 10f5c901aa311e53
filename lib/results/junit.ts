/**
 * JUnit XML of a run's verdicts, for CI: one testsuite per run (its resilience score as a property when the run was
 * a plan), one testcase per experiment and one per probe of it. An experiment or probe that did not pass has a
 * `failure` (its type the verdict, its message the reason); an experiment whose step was not run is `skipped`, with
 * the reason.
 */
import { type StepOutcome, stepsByExperiment } from '../plan';
import { type ExperimentResult, experimentKey, ReadbackProblem } from './reader';

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
  /**
   * The plan the results come from: its steps name each testcase's class (`<suite>.step-<n>-<name>`), and its score
   * and minimum become properties of the suite.
   * @default - no plan: classes are named after namespaces, no properties
   */
  readonly plan?: {
    readonly steps: readonly StepOutcome[];
    readonly resilienceScore: number;
    readonly minResilienceScore: number;
  };
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

interface Case {
  readonly classname: string;
  readonly name: string;
  readonly failure?: { readonly type: string; readonly message: string; readonly body: string };
  readonly skipped?: string;
}

/** The JUnit XML document of a run. */
export function toJUnitXml(results: readonly ExperimentResult[], opts: JUnitOptions): string {
  const stepOf = stepsByExperiment(opts.plan?.steps ?? []);
  const cases: Case[] = results.flatMap((r): Case[] => {
    const key = experimentKey(r);
    const step = stepOf.get(key);
    const classname = `${opts.suite}.${step === undefined ? r.namespace : `step-${step.index}-${step.name}`}`;
    const experiment: Case = r.outcome === ReadbackProblem.NOT_RUN ? { classname, name: `${key} (${r.engine})`, skipped: r.reason }
      : r.passed ? { classname, name: `${key} (${r.engine})` }
        : { classname, name: `${key} (${r.engine})`, failure: { type: r.outcome, message: `${r.outcome}: ${r.reason}`, body: details(r) } };
    const probes = r.probes.map((p): Case => {
      const name = `${key} probe ${p.name} (${p.type}, ${p.mode})`;
      return p.verdict === 'Passed' ? { classname, name }
        : { classname, name, failure: { type: p.verdict, message: `${p.verdict}${p.description ? `: ${p.description}` : ''}`, body: '' } };
    });
    return [experiment, ...probes];
  });
  const failures = cases.filter((c) => c.failure !== undefined).length;
  const skipped = cases.filter((c) => c.skipped !== undefined).length;
  const suiteAttrs = [
    `name="${xmlEscape(opts.suite)}"`, `tests="${cases.length}"`, `failures="${failures}"`, 'errors="0"', `skipped="${skipped}"`,
    ...(opts.timestamp === undefined ? [] : [`timestamp="${xmlEscape(opts.timestamp)}"`]),
  ].join(' ');
  const properties = opts.plan === undefined ? [] : [
    '    <properties>',
    `      <property name="resilienceScore" value="${opts.plan.resilienceScore}"/>`,
    `      <property name="minResilienceScore" value="${opts.plan.minResilienceScore}"/>`,
    '    </properties>',
  ];
  const lines = cases.map((c) => {
    const open = `    <testcase classname="${xmlEscape(c.classname)}" name="${xmlEscape(c.name)}"`;
    if (c.skipped !== undefined) return [`${open}>`, `      <skipped message="${xmlEscape(c.skipped)}"/>`, '    </testcase>'].join('\n');
    if (c.failure === undefined) return `${open}/>`;
    return [
      `${open}>`,
      `      <failure type="${xmlEscape(c.failure.type)}" message="${xmlEscape(c.failure.message)}">${xmlEscape(c.failure.body)}</failure>`,
      '    </testcase>',
    ].join('\n');
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="chaos-stack" tests="${cases.length}" failures="${failures}" errors="0" skipped="${skipped}">`,
    `  <testsuite ${suiteAttrs}>`,
    ...properties,
    ...lines,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
