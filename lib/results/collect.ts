/**
 * Waiting for a run and reading its verdicts, against any {@link ChaosApi} (the real cluster client in
 * `kube-api.ts`, or a fake in tests). Each engine is waited for on its own, with its own timeout; every failure
 * to read (timeout, missing or stale result, API error) becomes a typed result with its own reason, never a pass.
 */
import {
  engineOutcome, type ExperimentResult, problemResult, readEngine, ReadbackProblem, readRun, type ResultRef,
} from './reader';

/**
 * The cluster could not be reached: no connection, or no answer within the request timeout. A {@link ChaosApi} throws
 * it for a request that got no HTTP answer at all, so that an unreachable cluster is told apart from a failed run.
 */
export class ClusterUnreachableError extends Error {
  public constructor(public readonly server: string, cause: string) {
    super(`cannot reach ${server}: ${cause}`);
    this.name = 'ClusterUnreachableError';
  }
}

/**
 * The requests the readback makes. Each read returns the object's JSON, or `undefined` when it does not exist (404).
 * Every request of a real implementation is bounded in time (kube-api.ts): a request that never returns would hang
 * the deploy or the CLI. A request without any HTTP answer throws a {@link ClusterUnreachableError}.
 */
export interface ChaosApi {
  getChaosEngine(namespace: string, name: string): Promise<unknown>;
  getChaosResult(namespace: string, name: string): Promise<unknown>;
  /** Sets the engine's `spec.engineState` to `stop`, which makes the operator abort its run (and its helper pods). */
  stopChaosEngine(namespace: string, name: string): Promise<void>;
}

/** One engine of a run and how long to wait for it. */
export interface EngineTarget extends ResultRef {
  /** The target the engine's chaos is aimed at. */
  readonly target: string;
  /** How long the run may take before it is reported as a timeout. */
  readonly timeoutSeconds: number;
}

export interface CollectOptions {
  /**
   * Wait until each engine's `status.engineStatus` is `completed` or `stopped` (up to its timeout; an engine still
   * running then is stopped, so that its chaos does not outlive the wait). When false, the current state is read once
   * (the CLI's default) and nothing is changed.
   * @default true
   */
  readonly wait?: boolean;
  /**
   * Delay between two reads of an engine.
   * @default 5 seconds
   */
  readonly pollIntervalSeconds?: number;
  /** Clock and sleep, replaceable in tests. */
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Reads tried per object before an API error is reported: a blip of the API server during a long run is not a verdict. */
export const READ_ATTEMPTS = 3;

/** Renders an API failure without its stack: status code and message when the client gives them. */
export function apiErrorText(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    const body = (err as { body?: unknown }).body;
    let message = err.message.split('\n')[0] ?? err.message;
    if (typeof body === 'string') {
      try {
        const parsed = JSON.parse(body) as { message?: unknown };
        if (typeof parsed.message === 'string') message = parsed.message;
      } catch { /* not JSON: keep the error message */ }
    }
    return typeof code === 'number' || typeof code === 'string' ? `HTTP ${code}: ${message}` : message;
  }
  return String(err);
}

/** Waits for one engine (if asked) and reads its ChaosResult, checking that the result belongs to this engine. */
export async function collectOne(api: ChaosApi, target: EngineTarget, opts: CollectOptions = {}): Promise<ExperimentResult> {
  const now = opts.now ?? Date.now;
  const sleep = opts.sleep ?? realSleep;
  const wait = opts.wait ?? true;
  const pollMs = (opts.pollIntervalSeconds ?? 5) * 1000;
  const engineWhat = `ChaosEngine ${target.namespace}/${target.engine}`;
  const deadline = now() + target.timeoutSeconds * 1000;
  // Each request is tried READ_ATTEMPTS times, one poll interval apart; the last error is the one reported.
  const attempt = async <T>(what: string, call: () => Promise<T>): Promise<{ doc: T } | { error: string; unreachable: boolean }> => {
    for (let n = 1; ; n++) {
      try {
        return { doc: await call() };
      } catch (err) {
        if (n >= READ_ATTEMPTS) {
          return { error: `${what} failed (${n} attempts): ${apiErrorText(err)}`, unreachable: err instanceof ClusterUnreachableError };
        }
        await sleep(pollMs);
      }
    }
  };
  const failed = (got: { error: string; unreachable: boolean }): ExperimentResult =>
    problemResult(target, got.unreachable ? ReadbackProblem.UNREACHABLE : ReadbackProblem.API_ERROR, got.error);
  const read = (what: string, get: () => Promise<unknown>) => attempt(`reading ${what}`, get);
  let engine;
  for (;;) {
    const got = await read(engineWhat, () => api.getChaosEngine(target.namespace, target.engine));
    if ('error' in got) return failed(got);
    const doc = got.doc;
    if (doc === undefined) {
      return problemResult(target, ReadbackProblem.ENGINE_MISSING, `${engineWhat} does not exist`);
    }
    engine = readEngine(doc);
    if (engine.finished || !wait) break;
    if (now() >= deadline) {
      // Nobody waits for this run any more: stop it rather than leave its chaos running past the deploy.
      const stopped = await attempt('stopping it (spec.engineState: stop)', () => api.stopChaosEngine(target.namespace, target.engine));
      return problemResult(target, ReadbackProblem.TIMEOUT,
        `${engineWhat} did not reach status.engineStatus 'completed' or 'stopped' within ${target.timeoutSeconds}s `
        + `(last engineStatus: ${engine.engineStatus === undefined ? 'none' : `'${engine.engineStatus}'`}); `
        + ('error' in stopped ? `${stopped.error}, so its chaos may still be running`
          : 'it was stopped (spec.engineState: stop) so that its chaos does not outlive the wait'));
    }
    await sleep(Math.max(0, Math.min(pollMs, deadline - now())));
  }
  // An engine whose run is not over (or was aborted, or re-armed) is judged by its own state: its ChaosResult is not
  // this run's yet, so it is not even read.
  const unfinished = engineOutcome(target, engine);
  if (unfinished !== undefined) return unfinished;
  const result = await read(`ChaosResult ${target.namespace}/${target.resultName}`, () => api.getChaosResult(target.namespace, target.resultName));
  if ('error' in result) return failed(result);
  return readRun(target, engine, result.doc);
}

/** Waits for and reads every engine of a run, concurrently; the results keep the targets' order. */
export function collectRun(api: ChaosApi, targets: readonly EngineTarget[], opts: CollectOptions = {}): Promise<ExperimentResult[]> {
  return Promise.all(targets.map((t) => collectOne(api, t, opts)));
}
