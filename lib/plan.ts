/**
 * A chaos run as a plan: ordered steps, each one experiment or a named group run at the same time, with a weight
 * and whether its failure stops the rest. This module is pure: it runs a plan against a {@link PlanRunner} (the
 * Pulumi program's, or a fake in tests), and scores the outcome with Litmus's resilience formula.
 */
import { type EngineTarget } from './results/collect';
import { type ExperimentResult, experimentKey, type Outcome, ReadbackProblem, Verdict } from './results/reader';

/** Litmus's resilience weights run from 1 to 10; a step without one weighs 10 (ChaosCenter's default weightage). */
export const MIN_WEIGHT = 1;
export const MAX_WEIGHT = 10;
export const DEFAULT_WEIGHT = 10;

/** One step of a plan, as its deployers see it. */
export interface PlanStep {
  /** The step's name (a DNS label): `<target>-<fault>` for one experiment, the group's name for a group. */
  readonly name: string;
  /** Its position, from 1. */
  readonly index: number;
  /** 1 to 10: how much its experiments count in the resilience score. */
  readonly weight: number;
  /** Whether a step that does not pass leaves every later step not run. */
  readonly stopOnFailure: boolean;
  /** True for a named group (its experiments run at the same time), false for a single experiment. */
  readonly group: boolean;
  /** The step's engines, whose verdicts decide it. */
  readonly engines: readonly EngineTarget[];
}

/** A whole plan. */
export interface RunPlan {
  readonly steps: readonly PlanStep[];
  /** The lowest resilience score the gate accepts (0 to 100). */
  readonly minResilienceScore: number;
}

/** What became of a step. */
export enum StepStatus {
  /** Every experiment of the step passed. */
  PASSED = 'Passed',
  /** At least one experiment did not pass. */
  FAILED = 'Failed',
  /** The plan stopped before the step: its engines were never created. */
  NOT_RUN = 'NotRun',
}

/** One step of a finished plan: its status, why, and when it ran. */
export interface StepOutcome {
  readonly name: string;
  readonly index: number;
  readonly weight: number;
  readonly stopOnFailure: boolean;
  readonly status: StepStatus;
  /** Why it did not pass or did not run (empty when it passed). */
  readonly reason: string;
  /** The step's experiments (`<target>/<fault>`). */
  readonly experiments: readonly string[];
  /** When its engines (and load tests) had been created (ISO 8601), absent when not run. */
  readonly startedAt?: string;
  /** When its last verdict was read (ISO 8601), absent when not run. */
  readonly finishedAt?: string;
  /** `finishedAt - startedAt`, in seconds (3 decimals). */
  readonly durationSeconds?: number;
}

/** The outcome of a whole plan. */
export interface PlanResult {
  readonly steps: readonly StepOutcome[];
  /** Every experiment of the plan in step order, the not-run ones as {@link ReadbackProblem.NOT_RUN}. */
  readonly results: readonly ExperimentResult[];
  /** 0 to 100, see {@link resilienceScore}. */
  readonly resilienceScore: number;
  readonly minResilienceScore: number;
}

/** What running a plan needs from its deployer. */
export interface PlanRunner {
  /** Creates the step's engines and load tests; resolves once the cluster has them. */
  start(step: PlanStep): Promise<void>;
  /** Waits for the step's engines to finish and reads their verdicts. */
  collect(step: PlanStep): Promise<ExperimentResult[]>;
  /** The clock. @default Date.now */
  readonly now?: () => number;
}

/** A result for an experiment whose step never ran. */
export function notRunResult(target: EngineTarget, reason: string): ExperimentResult {
  const { target: name, namespace, engine, experiment, resultName } = target;
  const ref = { target: name, namespace, engine, experiment, resultName };
  return { ...ref, outcome: ReadbackProblem.NOT_RUN, passed: false, reason, probes: [], runs: { passed: 0, failed: 0, stopped: 0 } };
}

function failingText(results: readonly ExperimentResult[]): string {
  return results.filter((r) => !r.passed).map((r) => `${experimentKey(r)} ${r.outcome}`).join(', ');
}

/** The steps of a plan by each of their experiments (`<target>/<fault>`). */
export function stepsByExperiment<S extends Pick<StepOutcome, 'experiments'>>(steps: readonly S[]): Map<string, S> {
  return new Map(steps.flatMap((s) => s.experiments.map((x) => [x, s] as const)));
}

/** The step that stopped the plan, and its failing experiments. */
interface Stop {
  readonly step: PlanStep;
  readonly failing: string;
}

/** What a step came to: its outcome and its experiments' results. */
interface Judged {
  readonly outcome: StepOutcome;
  readonly results: readonly ExperimentResult[];
}

function stepBase(step: PlanStep): Omit<StepOutcome, 'status' | 'reason'> {
  return {
    name: step.name, index: step.index, weight: step.weight, stopOnFailure: step.stopOnFailure,
    experiments: step.engines.map((e) => experimentKey(e)),
  };
}

/** A step after the one that stopped the plan: not run, each experiment with the reason. */
function notRunStep(step: PlanStep, stop: Stop): Judged {
  const reason = `not run: step ${stop.step.index} '${stop.step.name}' did not pass (${stop.failing}) and stops the plan (stopOnFailure)`;
  return { outcome: { ...stepBase(step), status: StepStatus.NOT_RUN, reason }, results: step.engines.map((e) => notRunResult(e, reason)) };
}

/** A step judged by its experiments' results: passed only when every one passed. */
function judgedStep(step: PlanStep, got: readonly ExperimentResult[], timing: Partial<StepOutcome> = {}): Judged {
  const failing = failingText(got);
  const passed = got.length > 0 && failing === '';
  const reason = passed ? '' : got.length === 0 ? 'the step has no experiment' : `did not pass: ${failing}`;
  return { outcome: { ...stepBase(step), status: passed ? StepStatus.PASSED : StepStatus.FAILED, reason, ...timing }, results: got };
}

/** The steps of a plan as they are judged, in order, and the step that stopped it once one did. */
class PlanWalk {
  public stop?: Stop;
  private readonly steps: StepOutcome[] = [];
  private readonly results: ExperimentResult[] = [];

  public constructor(private readonly plan: RunPlan) {}

  public add(step: PlanStep, judged: Judged): void {
    this.steps.push(judged.outcome);
    this.results.push(...judged.results);
    if (this.stop === undefined && judged.outcome.status === StepStatus.FAILED && step.stopOnFailure) {
      this.stop = { step, failing: failingText(judged.results) };
    }
  }

  public result(): PlanResult {
    return {
      steps: this.steps, results: this.results, resilienceScore: resilienceScore(this.plan, this.results),
      minResilienceScore: this.plan.minResilienceScore,
    };
  }
}

/**
 * Runs the steps in order: a step starts only once every verdict of the step before is final. When a step does not
 * pass and its `stopOnFailure` holds, every later step is reported not run, with the reason, and never started.
 */
export async function runPlan(plan: RunPlan, runner: PlanRunner): Promise<PlanResult> {
  const now = runner.now ?? Date.now;
  const walk = new PlanWalk(plan);
  for (const step of plan.steps) {
    if (walk.stop !== undefined) {
      walk.add(step, notRunStep(step, walk.stop));
      continue;
    }
    await runner.start(step);
    const started = now();
    const got = await runner.collect(step);
    const finished = now();
    walk.add(step, judgedStep(step, got, {
      startedAt: new Date(started).toISOString(),
      finishedAt: new Date(finished).toISOString(),
      durationSeconds: Math.round(finished - started) / 1000,
    }));
  }
  return walk.result();
}

/**
 * Judges a plan from verdicts read after the fact (`npm run results`, a deploy whose update failed): each step by its
 * experiments' results, in order. A step after one that did not pass and stops the plan is reported not run when its
 * engines do not exist (the plan never started it); an engine that exists is judged by what it holds, whatever the
 * plan says, so a reader never hides a verdict the cluster has.
 */
export function judgePlan(plan: RunPlan, read: readonly ExperimentResult[]): PlanResult {
  const byKey = new Map(read.map((r) => [experimentKey(r), r]));
  const neverCreated = (r: ExperimentResult): boolean => r.outcome === ReadbackProblem.ENGINE_MISSING || r.outcome === ReadbackProblem.NOT_RUN;
  const walk = new PlanWalk(plan);
  for (const step of plan.steps) {
    const got = step.engines.map((e) => byKey.get(experimentKey(e)) ?? notRunResult(e, 'no verdict was read for it'));
    walk.add(step, walk.stop !== undefined && got.every(neverCreated) ? notRunStep(step, walk.stop) : judgedStep(step, got));
  }
  return walk.result();
}

/** Outcomes whose probe success percentage counts: verdicts Litmus wrote for this run. Every readback problem is 0. */
const SCORED: readonly Outcome[] = [Verdict.PASS, Verdict.FAIL, Verdict.ERROR];

/** The probe success percentage an experiment scores: what Litmus wrote for a verdict of this run, else 0. */
export function scoredPercentage(r: ExperimentResult): number {
  if (!SCORED.includes(r.outcome)) return 0;
  if (r.outcome === Verdict.PASS) return 100;
  return Math.min(100, Math.max(0, r.probeSuccessPercentage ?? 0));
}

/**
 * Litmus's resilience score: the sum over experiments of weight x probe success percentage, divided by the sum of
 * the weights, each experiment weighing its step's weight. An experiment not run, stale, timed out or unreadable
 * counts 0: a score is never earned by a verdict nobody read. Rounded to two decimals; 0 for an empty plan.
 */
export function resilienceScore(plan: RunPlan, results: readonly ExperimentResult[]): number {
  const byKey = new Map(results.map((r) => [experimentKey(r), r]));
  let weighted = 0;
  let weights = 0;
  for (const step of plan.steps) {
    for (const engine of step.engines) {
      const r = byKey.get(experimentKey(engine));
      weighted += step.weight * (r === undefined ? 0 : scoredPercentage(r));
      weights += step.weight;
    }
  }
  return weights === 0 ? 0 : Math.round((weighted / weights) * 100) / 100;
}

/**
 * The gate's verdict on a finished plan, or `undefined` when it passes: it fails when an experiment did not pass
 * (with `gateOnVerdict`) or the score is below the plan's minimum. The message names the failed steps, each failing
 * experiment with its outcome and reason, and the score.
 */
export function planGateMessage(result: PlanResult, environment: string, gateOnVerdict: boolean): string | undefined {
  const failing = result.results.filter((r) => !r.passed);
  const verdictFails = gateOnVerdict && (failing.length > 0 || result.results.length === 0);
  const scoreFails = result.resilienceScore < result.minResilienceScore;
  if (!verdictFails && !scoreFails) return undefined;
  if (result.results.length === 0) return `Chaos gate (${environment}): the plan has no experiment, so there is no verdict to pass.`;
  const score = `resilience score ${result.resilienceScore} (minimum ${result.minResilienceScore})`;
  const failedSteps = result.steps.filter((s) => s.status === StepStatus.FAILED);
  const notRun = result.steps.filter((s) => s.status === StepStatus.NOT_RUN);
  const head = [
    ...failedSteps.map((s) => `step ${s.index} '${s.name}' failed${s.stopOnFailure && notRun.length > 0 ? ' and stopped the plan' : ''}`),
    ...(notRun.length > 0 ? [`${notRun.length} step${notRun.length === 1 ? '' : 's'} not run`] : []),
    scoreFails ? `${score} is below the minimum` : score,
  ].join('; ');
  const stepOf = stepsByExperiment(result.steps);
  const lines = failing.map((r) => {
    const s = stepOf.get(experimentKey(r));
    return `  - ${experimentKey(r)} (ChaosEngine ${r.engine}${s === undefined ? '' : `, step ${s.index} '${s.name}'`}): ${r.outcome}: ${r.reason}`;
  });
  return `Chaos gate (${environment}): ${head}.${lines.length > 0 ? `\n${lines.join('\n')}` : ''}`;
}
