import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { journalFromLog } from '../../constructs/chaostoolkit/runner';
import { JournalOutcome, readJournal, summarizeJournal } from '../../lib/chaostoolkit/journal';
import { chaosToolkitRef, toExperimentResult } from '../../lib/chaostoolkit/result';
import { ReadbackProblem, summarize, Verdict } from '../../lib/results/reader';
import { REFERENCE } from './helpers';

const py = (module: string, func: string) => ({ type: 'python', module, func });
const run = (name: string, provider: object, status = 'succeeded', extra: object = {}) => ({
  activity: { type: 'action', name, provider }, status, output: null, duration: 0.5, ...extra,
});
const probe = (name: string, met: boolean) => ({
  activity: { type: 'probe', name, provider: py('chaosk8s.pod.probes', 'all_pods_healthy'), tolerance: true },
  status: 'succeeded', output: met, tolerance_met: met,
});

/** A journal shaped as chaostoolkit-lib 1.44 writes it. */
function journal(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    'chaoslib-version': '1.44.0',
    experiment: {
      title: 'Drain', method: [{ name: 'drain' }], rollbacks: [{ name: 'uncordon' }],
    },
    status: 'completed',
    deviated: false,
    steady_states: { before: { steady_state_met: true, probes: [probe('healthy', true)] }, after: { steady_state_met: true, probes: [probe('healthy', true)] } },
    run: [run('drain', py('chaosk8s.node.actions', 'drain_nodes'), 'succeeded', { output: ['n1'] })],
    rollbacks: [run('uncordon', py('chaosk8s.node.actions', 'uncordon_node'), 'succeeded', { output: ['n1'] })],
    duration: 21.5,
    ...over,
  };
}

describe('readJournal', () => {
  test('passes a completed run that did not deviate and whose activities all succeeded', () => {
    const v = readJournal(journal());
    expect(v).toMatchObject({ outcome: JournalOutcome.PASS, passed: true, reason: '', status: 'completed', deviated: false,
      steadyStateBefore: true, steadyStateAfter: true, plannedMethod: 1, plannedRollbacks: 1 });
    expect(v.method[0]).toMatchObject({ name: 'drain', provider: 'chaosk8s.node.actions.drain_nodes', succeeded: true, output: ['n1'] });
    expect(summarizeJournal(v)).toBe([
      'PASS Drain: status=completed deviated=false steady-state before=true after=true in 21.5 s',
      '  method (1/1):',
      '    ok   drain (chaosk8s.node.actions.drain_nodes)',
      '  rollbacks (1/1):',
      '    ok   uncordon (chaosk8s.node.actions.uncordon_node)',
    ].join('\n'));
  });

  test('reads the real chaostoolkit-lib 1.44 journal of the reference folder as a pass', () => {
    const file = join(REFERENCE, 'chaostoolkit', 'journal-completed-example.json');
    if (!existsSync(file)) {
      console.warn(`skipped: ${file} is missing`);
      return;
    }
    const v = readJournal(JSON.parse(readFileSync(file, 'utf8')));
    expect(v).toMatchObject({ outcome: JournalOutcome.PASS, passed: true, status: 'completed', deviated: false, plannedMethod: 3 });
    expect(v.method.map((r) => r.succeeded)).toEqual([true, true, true]);
    expect(v.method[0].provider).toBe('process docker');
  });

  test('fails a run whose steady state deviated', () => {
    const steadyStates = { before: { steady_state_met: true, probes: [] }, after: { steady_state_met: false, probes: [] } };
    const v = readJournal(journal({ deviated: true, steady_states: steadyStates }));
    expect(v).toMatchObject({ outcome: JournalOutcome.FAIL, passed: false, reason: 'the steady state deviated after the method' });
  });

  test('fails a completed run whose method action failed (the fault may never have been injected)', () => {
    const v = readJournal(journal({ run: [run('drain', py('chaosk8s.node.actions', 'drain_nodes'), 'failed', {
      exception: ['Traceback (most recent call last):\n', "chaoslib.exceptions.ActivityFailed: TypeError: 'NoneType' object is not iterable\n"],
    })] }));
    expect(v.outcome).toBe(JournalOutcome.FAIL);
    expect(v.reason).toBe("method activity 'drain' failed: chaoslib.exceptions.ActivityFailed: TypeError: 'NoneType' object is not iterable");
  });

  test('fails an Istio fault action that returned an API error instead of raising', () => {
    const v = readJournal(journal({ run: [run('delay', py('chaosistio.fault.actions', 'add_delay_fault'), 'succeeded', {
      output: { status: 403, body: { kind: 'Status', message: 'virtualservices.networking.istio.io "reviews" is forbidden' } },
    })] }));
    expect(v.method[0].succeeded).toBe(false);
    expect(v.reason).toBe("method activity 'delay' failed: the Kubernetes API answered 403: virtualservices.networking.istio.io \"reviews\" is forbidden");
  });

  test('fails a run whose rollback failed or was skipped', () => {
    expect(readJournal(journal({ rollbacks: [] })).reason).toBe('only 0 of 1 rollbacks ran');
    expect(readJournal(journal({ rollbacks: [run('uncordon', py('chaosk8s.node.actions', 'uncordon_node'), 'failed')] })).reason)
      .toBe("rollback 'uncordon' failed: status 'failed'");
  });

  test('fails a run whose steady state was not met before the method', () => {
    const v = readJournal(journal({ status: 'failed', run: [], steady_states: { before: { steady_state_met: false, probes: [] }, after: null } }));
    expect(v.reason).toBe("status is 'failed'; the steady state was not met before the method, so the method did not run");
  });

  test('maps aborted to Error, interrupted to Stopped, anything else to Unrecognized', () => {
    expect(readJournal(journal({ status: 'aborted' })).outcome).toBe(JournalOutcome.ERROR);
    expect(readJournal(journal({ status: 'interrupted' })).outcome).toBe(JournalOutcome.STOPPED);
    expect(readJournal(journal({ status: 'done' }))).toMatchObject({ outcome: JournalOutcome.UNRECOGNIZED, reason: "journal status 'done' is not one chaostoolkit writes" });
    expect(readJournal({})).toMatchObject({ outcome: JournalOutcome.UNRECOGNIZED, reason: 'journal status is missing' });
  });

  test('maps a verdict onto the Litmus result types', () => {
    const ref = chaosToolkitRef('chaostoolkit', 'ctk-drain-node', 'drain-node');
    const pass = toExperimentResult(ref, readJournal(journal()));
    expect(pass).toEqual({
      namespace: 'chaostoolkit', engine: 'ctk-drain-node', experiment: 'drain-node', resultName: 'ctk-drain-node/journal.json',
      outcome: Verdict.PASS, passed: true, reason: '', phase: 'completed',
      probes: [
        { name: 'healthy', type: 'chaosk8s.pod.probes.all_pods_healthy', mode: 'SOT', verdict: 'Passed' },
        { name: 'healthy', type: 'chaosk8s.pod.probes.all_pods_healthy', mode: 'EOT', verdict: 'Passed' },
      ],
      runs: { passed: 1, failed: 0, stopped: 0 },
    });
    const fail = toExperimentResult(ref, readJournal(journal({ deviated: true })));
    expect(fail).toMatchObject({ outcome: Verdict.FAIL, passed: false, runs: { passed: 0, failed: 1, stopped: 0 } });
    expect(toExperimentResult(ref, readJournal({})).outcome).toBe(ReadbackProblem.UNRECOGNIZED);
    expect(summarize([pass, fail])).toMatchObject({ allPassed: false, total: 2, passed: 1 });
  });
});

describe('journalFromLog', () => {
  test('takes the journal the runner printed between its markers', () => {
    const log = `[INFO] Experiment ended with status: completed\n--- journal.json ---\n${JSON.stringify(journal())}\n--- end journal.json ---\n`;
    expect(readJournal(journalFromLog(log)).passed).toBe(true);
  });

  test('throws when the log has no journal', () => {
    expect(() => journalFromLog('Killed')).toThrow('no journal in the log: the runner did not reach the end of `chaos run`');
  });
});
