import {
  judgePlan, notRunResult, type PlanStep, planGateMessage, resilienceScore, type RunPlan, runPlan, scoredPercentage, StepStatus,
} from '../../lib/plan';
import { type EngineTarget } from '../../lib/results/collect';
import { type ExperimentResult, problemResult, ReadbackProblem, Verdict } from '../../lib/results/reader';

const engine = (target: string, fault: string): EngineTarget => ({
  target, experiment: fault, namespace: 'litmus', engine: `${target}-${fault}`, resultName: `${target}-${fault}-${fault}`, timeoutSeconds: 60,
});

const step = (index: number, name: string, weight: number, stopOnFailure: boolean, ...engines: EngineTarget[]): PlanStep =>
  ({ name, index, weight, stopOnFailure, group: engines.length > 1, engines });

/** A verdict Litmus wrote: outcome and probe success percentage. */
const verdict = (e: EngineTarget, outcome: Verdict, probeSuccessPercentage?: number): ExperimentResult => ({
  ...problemResult(e, ReadbackProblem.RUNNING, ''), outcome, passed: outcome === Verdict.PASS, reason: outcome === Verdict.PASS ? '' : `${outcome} reason`,
  ...(probeSuccessPercentage === undefined ? {} : { probeSuccessPercentage }),
});

const DELETE = engine('app-sample', 'pod-delete');
const CPU = engine('app-sample', 'pod-cpu-hog');
const MEM = engine('app-sample', 'pod-memory-hog');
const SHOP = engine('checkout', 'pod-delete');

/** Three steps: pod-delete (10), a group cpu+memory (5), checkout's pod-delete (8). */
function plan(stopOnFailure: boolean, minResilienceScore = 0): RunPlan {
  return {
    minResilienceScore,
    steps: [
      step(1, 'app-sample-pod-delete', 10, stopOnFailure, DELETE),
      step(2, 'pressure', 5, stopOnFailure, CPU, MEM),
      step(3, 'checkout-pod-delete', 8, stopOnFailure, SHOP),
    ],
  };
}

/** A runner over fixed verdicts that logs each call and advances a clock by 10 s per collect. */
function runner(verdicts: Map<EngineTarget, ExperimentResult>) {
  const calls: string[] = [];
  let clock = Date.parse('2026-11-30T00:00:00Z');
  return {
    calls,
    now: () => clock,
    start: (s: PlanStep) => { calls.push(`start ${s.name}`); return Promise.resolve(); },
    collect: (s: PlanStep) => {
      calls.push(`collect ${s.name}`);
      clock += 10_000;
      return Promise.resolve(s.engines.map((e) => verdicts.get(e) ?? verdict(e, Verdict.PASS, 100)));
    },
  };
}

describe('runPlan', () => {
  test('runs the steps in order, each started only once the one before was collected, and times each', async () => {
    const r = runner(new Map());
    const result = await runPlan(plan(true), r);
    expect(r.calls).toEqual([
      'start app-sample-pod-delete', 'collect app-sample-pod-delete', 'start pressure', 'collect pressure', 'start checkout-pod-delete',
      'collect checkout-pod-delete',
    ]);
    expect(result.steps.map((s) => [s.status, s.startedAt, s.durationSeconds])).toEqual([
      [StepStatus.PASSED, '2026-11-30T00:00:00.000Z', 10],
      [StepStatus.PASSED, '2026-11-30T00:00:10.000Z', 10],
      [StepStatus.PASSED, '2026-11-30T00:00:20.000Z', 10],
    ]);
    expect(result.resilienceScore).toBe(100);
    expect(planGateMessage(result, 'dev', true)).toBeUndefined();
  });

  test('with stopOnFailure, a failed step leaves the later ones unstarted and NotRun, with the reason, scored 0', async () => {
    const r = runner(new Map([[CPU, verdict(CPU, Verdict.FAIL, 40)]]));
    const result = await runPlan(plan(true), r);
    expect(r.calls).toEqual(['start app-sample-pod-delete', 'collect app-sample-pod-delete', 'start pressure', 'collect pressure']);
    const reason = "not run: step 2 'pressure' did not pass (app-sample/pod-cpu-hog Fail) and stops the plan (stopOnFailure)";
    expect(result.steps.map((s) => [s.name, s.status, s.reason])).toEqual([
      ['app-sample-pod-delete', StepStatus.PASSED, ''],
      ['pressure', StepStatus.FAILED, 'did not pass: app-sample/pod-cpu-hog Fail'],
      ['checkout-pod-delete', StepStatus.NOT_RUN, reason],
    ]);
    expect(result.steps[2]?.startedAt).toBeUndefined();
    expect(result.results.map((x) => [x.target, x.experiment, x.outcome])).toEqual([
      ['app-sample', 'pod-delete', Verdict.PASS], ['app-sample', 'pod-cpu-hog', Verdict.FAIL], ['app-sample', 'pod-memory-hog', Verdict.PASS],
      ['checkout', 'pod-delete', ReadbackProblem.NOT_RUN],
    ]);
    expect(result.results[3]).toEqual({ ...notRunResult(SHOP, reason) });
    // Worked by hand: weights 10, 5, 5 (the group's two experiments), 8; percentages 100, 40, 100, 0.
    // (10*100 + 5*40 + 5*100 + 8*0) / (10 + 5 + 5 + 8) = 1700 / 28 = 60.714... -> 60.71
    expect(result.resilienceScore).toBe(60.71);
    expect(planGateMessage(result, 'staging', true)).toBe([
      "Chaos gate (staging): step 2 'pressure' failed and stopped the plan; 1 step not run; resilience score 60.71 (minimum 0).",
      "  - app-sample/pod-cpu-hog (ChaosEngine app-sample-pod-cpu-hog, step 2 'pressure'): Fail: Fail reason",
      `  - checkout/pod-delete (ChaosEngine checkout-pod-delete, step 3 'checkout-pod-delete'): NotRun: ${reason}`,
    ].join('\n'));
  });

  test('without stopOnFailure every step runs and the score counts each verdict', async () => {
    const r = runner(new Map([[CPU, verdict(CPU, Verdict.FAIL, 40)]]));
    const result = await runPlan(plan(false), r);
    expect(r.calls.filter((c) => c.startsWith('start'))).toHaveLength(3);
    // (10*100 + 5*40 + 5*100 + 8*100) / 28 = 2500 / 28 = 89.2857... -> 89.29
    expect(result.resilienceScore).toBe(89.29);
    expect(planGateMessage(result, 'dev', false)).toBeUndefined();
    expect(planGateMessage({ ...result, minResilienceScore: 90 }, 'dev', false)).toBe(
      "Chaos gate (dev): step 2 'pressure' failed; resilience score 89.29 (minimum 90) is below the minimum.\n"
      + "  - app-sample/pod-cpu-hog (ChaosEngine app-sample-pod-cpu-hog, step 2 'pressure'): Fail: Fail reason");
  });
});

describe('scoredPercentage', () => {
  test.each<[string, number, ExperimentResult]>([
    ['a Pass', 100, verdict(DELETE, Verdict.PASS, 100)],
    ['a Fail with its percentage', 50, verdict(DELETE, Verdict.FAIL, 50)],
    ['an Error with none', 0, verdict(DELETE, Verdict.ERROR)],
    ['a Stopped run', 0, verdict(DELETE, Verdict.STOPPED, 100)],
    ['an Awaited verdict', 0, verdict(DELETE, Verdict.AWAITED, 100)],
    ['a stale result, whatever it says', 0, { ...problemResult(DELETE, ReadbackProblem.STALE, 'stale'), probeSuccessPercentage: 100 }],
    ['an inconsistent Pass', 0, { ...problemResult(DELETE, ReadbackProblem.INCONSISTENT, 'x'), probeSuccessPercentage: 100 }],
    ['a timeout', 0, problemResult(DELETE, ReadbackProblem.TIMEOUT, 'late')],
    ['not run', 0, notRunResult(DELETE, 'not run')],
  ])('%s scores %d', (_what, expected, r) => {
    expect(scoredPercentage(r)).toBe(expected);
  });

  test('an empty plan scores 0, and a result missing for an experiment counts 0', () => {
    expect(resilienceScore({ steps: [], minResilienceScore: 0 }, [])).toBe(0);
    expect(resilienceScore(plan(true), [verdict(DELETE, Verdict.PASS, 100)])).toBe(Math.round((1000 / 28) * 100) / 100);
  });
});

describe('judgePlan', () => {
  test('reports a missing engine after a stopping failure as not run, but judges one that exists by what it holds', () => {
    const read = [
      verdict(DELETE, Verdict.FAIL, 0),
      problemResult(CPU, ReadbackProblem.ENGINE_MISSING, 'no engine'), problemResult(MEM, ReadbackProblem.ENGINE_MISSING, 'no engine'),
      verdict(SHOP, Verdict.PASS, 100),
    ];
    const judged = judgePlan(plan(true), read);
    expect(judged.steps.map((s) => s.status)).toEqual([StepStatus.FAILED, StepStatus.NOT_RUN, StepStatus.PASSED]);
    expect(judged.results.map((r) => r.outcome)).toEqual([Verdict.FAIL, ReadbackProblem.NOT_RUN, ReadbackProblem.NOT_RUN, Verdict.PASS]);
  });

  test('without a stopping failure, a missing engine stays EngineMissing (a failure, never a pass)', () => {
    const judged = judgePlan(plan(false), [verdict(DELETE, Verdict.PASS, 100), problemResult(CPU, ReadbackProblem.ENGINE_MISSING, 'no engine'),
      verdict(MEM, Verdict.PASS, 100), verdict(SHOP, Verdict.PASS, 100)]);
    expect(judged.steps.map((s) => s.status)).toEqual([StepStatus.PASSED, StepStatus.FAILED, StepStatus.PASSED]);
    expect(judged.results[1]?.outcome).toBe(ReadbackProblem.ENGINE_MISSING);
  });
});
