import { toJUnitXml, xmlEscape } from '../../lib/results/junit';
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

  test('has one testcase per experiment and counts the failures', () => {
    expect(xml).toContain('<testsuite name="chaos-stack.staging" tests="4" failures="3" errors="0" skipped="0" timestamp="2026-11-21T09:20:00.000Z">');
    expect(testcases(xml).map((t) => t.name)).toEqual([
      'pod-delete (app-sample-pod-delete-r1)', 'pod-delete (app-sample-pod-delete-r2)',
      'container-kill (app-sample-container-kill-r2)', 'pod-cpu-hog (app-sample-pod-cpu-hog-r1)',
    ]);
  });

  test('a passing experiment has no failure element', () => {
    expect(testcases(xml)[0]?.failure).toBeUndefined();
  });

  test('each failing experiment has a failure whose type is the verdict and whose message holds the reason', () => {
    const [, fail, error, stopped] = testcases(xml);
    expect(fail?.failure?.type).toBe('Fail');
    expect(fail?.failure?.message).toBe('Fail: Completed_With_Probe_Failure: probe &apos;frontend-access&apos; failed: '
      + 'Probe failed: GET http://app-sample.testing.svc.cluster.local returned 503, expected 200');
    expect(error?.failure).toEqual({
      type: 'Error',
      message: 'Error: TARGET_SELECTION_ERROR: no target found for the provided appLabel app.kubernetes.io/name=app-sample in namespace testing',
    });
    expect(stopped?.failure?.type).toBe('Stopped');
  });

  test('the failure body lists the phase, errorOutput, probes and run counts', () => {
    expect(xml).toContain('errorOutput: TARGET_SELECTION_ERROR: no target found');
    expect(xml).toContain('probe frontend-access (httpProbe, Continuous): Failed - Probe failed: GET');
    expect(xml).toContain('runs: passed 3, failed 2, stopped 0');
  });

  test('has the structure CI parsers rely on: the XML declaration, and every failing testcase closed', () => {
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites ')).toBe(true);
    expect(xml.match(/<testcase /g)).toHaveLength(4);
    expect(xml.match(/<\/testcase>/g)).toHaveLength(3);
    expect(xml.trimEnd().endsWith('</testsuites>')).toBe(true);
  });

  test('escapes markup in reasons and drops control characters', () => {
    expect(xmlEscape('a < b & "c" \'d\' > e\u0001')).toBe('a &lt; b &amp; &quot;c&quot; &apos;d&apos; &gt; e');
  });
});
