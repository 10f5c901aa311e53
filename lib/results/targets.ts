/**
 * The engines of a run, as the readback sees them, derived from the ChaosStack itself (the same source of truth
 * as the manifests and the Pulumi program).
 */
import { type ChaosStack } from '../../stacks/chaos-stack';
import { type EngineTarget } from './collect';

/**
 * Margin added to an engine's expected duration before its wait times out: the chaos-runner's default
 * status-check timeout (180 s, for the experiment pod to start) plus two minutes for scheduling and image pulls.
 */
export const WAIT_MARGIN_SECONDS = 300;

/** How long to wait for an engine: its expected duration plus {@link WAIT_MARGIN_SECONDS}, unless overridden. */
export function waitTimeoutSeconds(expectedDurationSeconds: number, override?: number): number {
  return override ?? expectedDurationSeconds + WAIT_MARGIN_SECONDS;
}

/** One target per ChaosEngine of the stack, with the ChaosResult name and the wait timeout. */
export function engineTargets(stack: ChaosStack, timeoutOverrideSeconds?: number): EngineTarget[] {
  return stack.engines.map((e) => ({
    namespace: e.namespace,
    engine: e.name,
    experiment: e.fault.name,
    resultName: e.resultName,
    timeoutSeconds: waitTimeoutSeconds(e.expectedDurationSeconds, timeoutOverrideSeconds),
  }));
}
