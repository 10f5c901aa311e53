import { toJUnitXml, xmlEscape } from '../../lib/results/junit';
import { notRunResult, StepStatus } from '../../lib/plan';
import { readChaosResult } from '../../lib/results/reader';
import { fixture, refOf } from './fixtures';

function read(name: string) {
  const doc = fixture(name);
  const { ref, uid } = refOf(doc);
  return readChaosResult(ref, doc, uid);
}

/** The testcase elements of a JUnit document, with their failure if any. */
function testcases(xml: string): { name: string; failure?: { type: string; message: string } }[] {
  return [...xml.matchAll(/<testcase classname="[^"]*" name="([^"]*)"(\/>|>\s*<failure type="([^"]*)" message="([^"]*)">)/g)]
    .map((m) => ({ name: m[1] ?? '', ...(m[3] === undefined ? {} : { failure: { type: m[3], message: m[4] ?? '' } }) }));
}

describe('toJUnitXml', () => {
  const results = ['pass', 'fail-probe', 'error', 'stopped'].map(read);
  const xml = toJUnitXml(results, { suite: 'chaos-stack.staging', timestamp: '2026-11-21T09:20:00.000Z' });
  const experiments = () => testcases(xml).filter((t) => !t.name.includes(' probe '));

  test('has one testcase per experiment and one per probe of it, and counts the failures', () => {
    expect(xml).toContain('<testsuite name="chaos-stack.staging" tests="9" failures="6" errors="0" skipped="0" timestamp="2026-11-21T09:20:00.000Z">');
    expect(testcases(xml).map((t) => t.name)).toEqual([
      'pod-delete (app-sample-pod-delete-r1)', 'pod-delete probe frontend-access (httpProbe, Continuous)',
      'pod-delete (app-sample-pod-delete-r2)', 'pod-delete probe frontend-access (httpProbe, Continuous)', 'pod-delete probe replicas-present (k8sProbe, EOT)',
      'container-kill (app-sample-container-kill-r2)', 'container-kill probe frontend-access (httpProbe, Continuous)',
      'pod-cpu-hog (app-sample-pod-cpu-hog-r1)', 'pod-cpu-hog probe frontend-access (httpProbe, Continuous)',
    ]);
  });

  test('a passing experiment and a passed probe have no failure element', () => {
    expect(testcases(xml)[0]?.failure).toBeUndefined();
    expect(testcases(xml)[1]?.failure).toBeUndefined();
    expect(testcases(xml)[4]?.failure).toBeUndefined();
  });

  test('each failing experiment has a failure whose type is the verdict and whose message holds the reason', () => {
    const [, fail, error, stopped] = experiments();
    expect(fail?.failure?.type).toBe('Fail');
    expect(fail?.failure?.message).toBe('Fail: Completed_With_Probe_Failure: probe &apos;frontend-access&apos; failed: '
      + 'Probe failed: GET http://app-sample.testing.svc.cluster.local returned 503, expected 200');
    expect(error?.failure).toEqual({
      type: 'Error',
      message: 'Error: TARGET_SELECTION_ERROR: no target found for the provided appLabel app.kubernetes.io/name=app-sample in namespace testing',
    });
    expect(stopped?.failure?.type).toBe('Stopped');
  });

  test('a probe that did not pass fails with its own verdict and description', () => {
    expect(testcases(xml)[3]).toEqual({
      name: 'pod-delete probe frontend-access (httpProbe, Continuous)',
      failure: { type: 'Failed', message: 'Failed: Probe failed: GET http://app-sample.testing.svc.cluster.local returned 503, expected 200' },
    });
  });

  test('the failure body lists the phase, errorOutput, probes and run counts', () => {
    expect(xml).toContain('errorOutput: TARGET_SELECTION_ERROR: no target found');
    expect(xml).toContain('probe frontend-access (httpProbe, Continuous): Failed - Probe failed: GET');
    expect(xml).toContain('runs: passed 3, failed 2, stopped 0');
  });

  test('has the structure CI parsers rely on: the XML declaration, and every failing testcase closed', () => {
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites ')).toBe(true);
    expect(xml.match(/<testcase /g)).toHaveLength(9);
    expect(xml.match(/<\/testcase>/g)).toHaveLength(6);
    expect(xml.trimEnd().endsWith('</testsuites>')).toBe(true);
  });

  test('with a plan: classes named after steps, the score as a property, not-run experiments skipped with the reason', () => {
    const pass = { ...read('pass'), target: 'app-sample' };
    const notRun = notRunResult({ ...pass, experiment: 'pod-cpu-hog', engine: 'app-sample-pod-cpu-hog-r1', resultName: 'x', timeoutSeconds: 1 },
      "not run: step 1 'app-sample-pod-delete' did not pass (app-sample/pod-delete Fail) and stops the plan (stopOnFailure)");
    const steps = [
      { name: 'app-sample-pod-delete', index: 1, weight: 10, stopOnFailure: true, status: StepStatus.PASSED, reason: '', experiments: ['app-sample/pod-delete'] },
      { name: 'cpu', index: 2, weight: 5, stopOnFailure: true, status: StepStatus.NOT_RUN, reason: notRun.reason, experiments: ['app-sample/pod-cpu-hog'] },
    ];
    const planned = toJUnitXml([pass, notRun], { suite: 'chaos-stack.dev', plan: { steps, resilienceScore: 66.67, minResilienceScore: 50 } });
    expect(planned).toContain('<testsuite name="chaos-stack.dev" tests="3" failures="0" errors="0" skipped="1">\n    <properties>\n'
      + '      <property name="resilienceScore" value="66.67"/>\n      <property name="minResilienceScore" value="50"/>\n    </properties>');
    expect(planned).toContain('<testcase classname="chaos-stack.dev.step-1-app-sample-pod-delete" name="app-sample/pod-delete (app-sample-pod-delete-r1)"/>');
    expect(planned).toContain('<testcase classname="chaos-stack.dev.step-2-cpu" name="app-sample/pod-cpu-hog (app-sample-pod-cpu-hog-r1)">\n'
      + '      <skipped message="not run: step 1 &apos;app-sample-pod-delete&apos; did not pass (app-sample/pod-delete Fail) and stops the plan '
      + '(stopOnFailure)"/>\n    </testcase>');
  });

  test('escapes markup in reasons and drops control characters', () => {
    expect(xmlEscape('a < b & "c" \'d\' > e\u0001')).toBe('a &lt; b &amp; &quot;c&quot; &apos;d&apos; &gt; e');
  });
});
