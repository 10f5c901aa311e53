import {
  engineOutcome, gateMessage, readChaosResult, readEngine, ReadbackProblem, readRun, summarize, Verdict,
} from '../../lib/results/reader';
import { fixture, refOf } from './fixtures';

function read(name: string, uid?: string) {
  const doc = fixture(name);
  const { ref, uid: own } = refOf(doc);
  return readChaosResult(ref, doc, uid ?? own);
}

describe('readChaosResult', () => {
  test('a Pass result is a pass with its phase, percentage, probes and run counts', () => {
    const r = read('pass');
    expect(r).toEqual({
      namespace: 'litmus', engine: 'app-sample-pod-delete-r1', experiment: 'pod-delete', resultName: 'app-sample-pod-delete-r1-pod-delete',
      outcome: Verdict.PASS, passed: true, reason: '', phase: 'Completed', probeSuccessPercentage: 100,
      probes: [{ name: 'frontend-access', type: 'httpProbe', mode: 'Continuous', verdict: 'Passed', description: 'Probe passed: every GET returned 200' }],
      runs: { passed: 3, failed: 1, stopped: 0 },
    });
  });

  test('a probe failure is a Fail whose reason names the failed probe and its description', () => {
    const r = read('fail-probe');
    expect(r.outcome).toBe(Verdict.FAIL);
    expect(r.passed).toBe(false);
    expect(r.phase).toBe('Completed_With_Probe_Failure');
    expect(r.probeSuccessPercentage).toBe(50);
    expect(r.probes.map((p) => [p.name, p.verdict])).toEqual([['frontend-access', 'Failed'], ['replicas-present', 'Passed']]);
    expect(r.runs).toEqual({ passed: 3, failed: 2, stopped: 0 });
    expect(r.reason).toBe("Completed_With_Probe_Failure: probe 'frontend-access' failed: "
      + 'Probe failed: GET http://app-sample.testing.svc.cluster.local returned 503, expected 200');
  });

  test('an Error result carries errorOutput, and its reason is the error code and reason', () => {
    const r = read('error');
    expect(r.outcome).toBe(Verdict.ERROR);
    expect(r.passed).toBe(false);
    expect(r.phase).toBe('Error');
    expect(r.errorOutput).toEqual({
      errorCode: 'TARGET_SELECTION_ERROR',
      reason: 'no target found for the provided appLabel app.kubernetes.io/name=app-sample in namespace testing',
    });
    expect(r.reason).toBe('TARGET_SELECTION_ERROR: no target found for the provided appLabel app.kubernetes.io/name=app-sample in namespace testing');
    expect(r.probes[0]?.verdict).toBe('N/A');
  });

  test('a Stopped result is not a pass and counts the stopped run', () => {
    const r = read('stopped');
    expect(r.outcome).toBe(Verdict.STOPPED);
    expect(r.passed).toBe(false);
    expect(r.runs.stopped).toBe(1);
    expect(r.reason).toMatch(/aborted/);
  });

  test('an Awaited result (still running) is not a pass and has no probe success percentage', () => {
    const r = read('awaited');
    expect(r.outcome).toBe(Verdict.AWAITED);
    expect(r.passed).toBe(false);
    expect(r.phase).toBe('Running');
    expect(r.probeSuccessPercentage).toBeUndefined();
    expect(r.reason).toBe('the run has not finished: the verdict is still Awaited');
  });

  test('a result without status is reported as NoStatus, not as a pass', () => {
    const r = read('no-status');
    expect(r.outcome).toBe(ReadbackProblem.NO_STATUS);
    expect(r.passed).toBe(false);
    expect(r.reason).toBe('ChaosResult litmus/app-sample-pod-network-loss-r1-pod-network-loss has no status.experimentStatus yet');
  });

  test('a missing result is reported as Missing, naming the ChaosResult', () => {
    const { ref } = refOf(fixture('pass'));
    const r = readChaosResult(ref, undefined, 'any-uid');
    expect(r.outcome).toBe(ReadbackProblem.MISSING);
    expect(r.passed).toBe(false);
    expect(r.reason).toBe('ChaosResult litmus/app-sample-pod-delete-r1-pod-delete does not exist; the experiment never reported');
  });

  test('a Pass written for another engine (chaosUID is not the engine UID) is stale, not a pass', () => {
    const r = read('pass', '11111111-2222-4333-8444-555555555555');
    expect(r.outcome).toBe(ReadbackProblem.STALE);
    expect(r.passed).toBe(false);
    expect(r.reason).toBe('ChaosResult litmus/app-sample-pod-delete-r1-pod-delete is stale: its chaosUID label is '
      + "'0d6c1f3e-7a52-4b1e-a0c4-2f6b9e8d7a11', not the UID of ChaosEngine app-sample-pod-delete-r1 "
      + "('11111111-2222-4333-8444-555555555555'), so its verdict is from an earlier run");
  });

  test('a result without a chaosUID label is stale when an engine UID is given', () => {
    const doc = fixture('pass');
    delete doc.metadata.labels.chaosUID;
    const r = readChaosResult(refOf(fixture('pass')).ref, doc, 'engine-uid');
    expect(r.outcome).toBe(ReadbackProblem.STALE);
    expect(r.reason).toMatch(/its chaosUID label is absent/);
  });

  test('a Pass contradicted by a Failed probe is Inconsistent, not a pass', () => {
    const doc = fixture('pass');
    doc.status.probeStatuses.push({ name: 'slo-frontend-error-ratio', type: 'promProbe', mode: 'EOT',
      status: { verdict: 'Failed', description: 'Actual value: 0.05. Expected value: lesser than 0.02' } });
    const { ref, uid } = refOf(doc);
    const r = readChaosResult(ref, doc, uid);
    expect(r.outcome).toBe(ReadbackProblem.INCONSISTENT);
    expect(r.passed).toBe(false);
    expect(r.reason).toBe("ChaosResult litmus/app-sample-pod-delete-r1-pod-delete says Pass, but probe 'slo-frontend-error-ratio' is "
      + 'Failed (Actual value: 0.05. Expected value: lesser than 0.02); Litmus writes a Pass only when every probe passed');
  });

  test('a Pass whose probe success percentage is below 100 (or absent) is Inconsistent', () => {
    const doc = fixture('pass');
    doc.status.experimentStatus.probeSuccessPercentage = '50';
    const { ref, uid } = refOf(doc);
    const r = readChaosResult(ref, doc, uid);
    expect(r.outcome).toBe(ReadbackProblem.INCONSISTENT);
    expect(r.passed).toBe(false);
    expect(r.probeSuccessPercentage).toBe(50);
    expect(r.reason).toBe('ChaosResult litmus/app-sample-pod-delete-r1-pod-delete says Pass, but its probeSuccessPercentage is 50, '
      + 'not 100; Litmus writes a Pass only when every probe passed');
    delete doc.status.experimentStatus.probeSuccessPercentage;
    expect(readChaosResult(ref, doc, uid).reason).toMatch(/says Pass, but its probeSuccessPercentage is absent, not 100/);
  });

  test('a Pass with a probe that never ran (Awaited or N/A) is Inconsistent', () => {
    const doc = fixture('pass');
    doc.status.probeStatuses[0].status.verdict = 'Awaited';
    const { ref, uid } = refOf(doc);
    expect(readChaosResult(ref, doc, uid).reason).toBe('ChaosResult litmus/app-sample-pod-delete-r1-pod-delete says Pass, but probe '
      + "'frontend-access' is Awaited, not Passed; Litmus writes a Pass only when every probe passed");
  });

  test('a verdict Litmus 3.x does not write is Unrecognized, not a pass', () => {
    const doc = fixture('pass');
    doc.status.experimentStatus.verdict = 'Passed';
    const { ref, uid } = refOf(doc);
    const r = readChaosResult(ref, doc, uid);
    expect(r.outcome).toBe(ReadbackProblem.UNRECOGNIZED);
    expect(r.passed).toBe(false);
    expect(r.reason).toMatch(/has verdict 'Passed', which Litmus 3.x does not write/);
  });
});

describe('readEngine', () => {
  test('a completed engine is finished and gives its UID', () => {
    expect(readEngine(fixture('engine-completed'))).toEqual({
      uid: '0d6c1f3e-7a52-4b1e-a0c4-2f6b9e8d7a11', engineStatus: 'completed', engineState: 'stop', finished: true,
      experiments: [{ name: 'pod-delete', experimentPod: 'pod-delete-h7k2pq-4xz8v', status: 'Completed', verdict: 'Pass' }],
    });
  });

  test('a stopped engine is finished; an initialized one is not', () => {
    expect(readEngine(fixture('engine-stopped')).finished).toBe(true);
    expect(readEngine(fixture('engine-initialized')).finished).toBe(false);
    expect(readEngine({}).finished).toBe(false);
  });
});

describe('engineOutcome', () => {
  const { ref } = refOf(fixture('pass'));

  test('only a completed engine is judged by its ChaosResult', () => {
    expect(engineOutcome(ref, readEngine(fixture('engine-completed')))).toBeUndefined();
  });

  test('an initialized engine, or one without status, is Running: no verdict yet', () => {
    for (const doc of [fixture('engine-initialized'), {}]) {
      const r = engineOutcome(ref, readEngine(doc));
      expect(r?.outcome).toBe(ReadbackProblem.RUNNING);
      expect(r?.passed).toBe(false);
    }
  });

  test('a stopped engine is Stopped', () => {
    const r = engineOutcome(ref, readEngine(fixture('engine-stopped')));
    expect(r?.outcome).toBe(Verdict.STOPPED);
    expect(r?.passed).toBe(false);
    expect(r?.reason).toMatch(/was stopped before its run completed \(status.engineStatus 'stopped'\)/);
  });
});

describe('readRun: a verdict counts only for the run that wrote it', () => {
  // engine-completed ran Job pod-delete-h7k2pq, whose pod wrote pass.yaml. The CronChaosTrigger then set
  // engineState back to active on the same engine (same UID): engine-rearmed, then engine-rerun-completed (Job
  // pod-delete-m2p7tk), whose experiment never reported.
  const { ref } = refOf(fixture('pass'));
  const freshPass = () => {
    const doc = fixture('pass');
    doc.metadata.labels['job-name'] = 'pod-delete-m2p7tk';
    return doc;
  };

  test('the run that wrote the result passes', () => {
    const r = readRun(ref, readEngine(fixture('engine-completed')), fixture('pass'));
    expect(r.outcome).toBe(Verdict.PASS);
    expect(r.passed).toBe(true);
  });

  test('a re-armed engine (spec.engineState active on a completed engine) is Running: its last verdict is not the new run\'s', () => {
    const engine = readEngine(fixture('engine-rearmed'));
    expect(engine.finished).toBe(false);
    const r = readRun(ref, engine, fixture('pass'));
    expect(r.outcome).toBe(ReadbackProblem.RUNNING);
    expect(r.passed).toBe(false);
    expect(r.reason).toBe("ChaosEngine litmus/app-sample-pod-delete-r1 was set to run again (spec.engineState 'active' on a completed "
      + "engine), so its last verdict is not this run's");
  });

  test('same UID, verdict written before the re-activation: Stale, not a pass', () => {
    const r = readRun(ref, readEngine(fixture('engine-rerun-completed')), fixture('pass'));
    expect(r.outcome).toBe(ReadbackProblem.STALE);
    expect(r.passed).toBe(false);
    expect(r.reason).toBe('ChaosResult litmus/app-sample-pod-delete-r1-pod-delete is stale: it was written by the experiment Job '
      + "'pod-delete-h7k2pq', but this run of ChaosEngine app-sample-pod-delete-r1 ran the pod 'pod-delete-m2p7tk-8bq2w', so its "
      + 'verdict is from an earlier run of the same engine');
  });

  test('same UID, verdict written by the re-activated run: a pass', () => {
    const r = readRun(ref, readEngine(fixture('engine-rerun-completed')), freshPass());
    expect(r.outcome).toBe(Verdict.PASS);
    expect(r.passed).toBe(true);
  });

  test('a result or an engine that cannot be matched to a run is Stale', () => {
    const unlabelled = fixture('pass');
    delete unlabelled.metadata.labels['job-name'];
    const noLabel = readRun(ref, readEngine(fixture('engine-completed')), unlabelled);
    expect(noLabel.outcome).toBe(ReadbackProblem.STALE);
    expect(noLabel.reason).toBe('ChaosResult litmus/app-sample-pod-delete-r1-pod-delete cannot be matched to this run: it has no '
      + "job-name label (litmus-go copies its experiment pod's labels onto it), so its verdict may be from an earlier run");
    const engine = fixture('engine-completed');
    engine.status.experiments[0].experimentPod = 'N/A';
    const noPod = readRun(ref, readEngine(engine), fixture('pass'));
    expect(noPod.outcome).toBe(ReadbackProblem.STALE);
    expect(noPod.reason).toBe('ChaosResult litmus/app-sample-pod-delete-r1-pod-delete cannot be matched to this run: ChaosEngine '
      + "app-sample-pod-delete-r1 records no experiment pod for 'pod-delete' in status.experiments, so its verdict may be from an earlier run");
    delete engine.status.experiments;
    expect(readRun(ref, readEngine(engine), fixture('pass')).outcome).toBe(ReadbackProblem.STALE);
  });

  test('the UID check still comes first', () => {
    const engine = fixture('engine-completed');
    engine.metadata.uid = 'a-new-engine';
    expect(readRun(ref, readEngine(engine), fixture('pass')).reason).toMatch(/its chaosUID label is '0d6c1f3e-/);
  });
});

describe('summarize and gateMessage', () => {
  test('allPassed only when every experiment passed', () => {
    expect(summarize([read('pass')])).toEqual({ allPassed: true, total: 1, passed: 1, failing: [] });
    expect(summarize([]).allPassed).toBe(false);
  });

  test('the summary lists each failing experiment with its verdict and reason', () => {
    const s = summarize(['pass', 'fail-probe', 'error', 'stopped'].map((n) => read(n)));
    expect(s.allPassed).toBe(false);
    expect(s.failing.map((f) => [f.experiment, f.outcome])).toEqual([['pod-delete', 'Fail'], ['container-kill', 'Error'], ['pod-cpu-hog', 'Stopped']]);
  });

  test('the gate message has one line per failing experiment', () => {
    const s = summarize(['pass', 'fail-probe', 'error'].map((n) => read(n)));
    expect(gateMessage(s, 'staging')).toBe([
      'Chaos gate (staging): 2 of 3 experiments did not pass:',
      "  - pod-delete (ChaosEngine app-sample-pod-delete-r2): Fail: Completed_With_Probe_Failure: probe 'frontend-access' failed: "
        + 'Probe failed: GET http://app-sample.testing.svc.cluster.local returned 503, expected 200',
      '  - container-kill (ChaosEngine app-sample-container-kill-r2): Error: TARGET_SELECTION_ERROR: '
        + 'no target found for the provided appLabel app.kubernetes.io/name=app-sample in namespace testing',
    ].join('\n'));
  });
});
