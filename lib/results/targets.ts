/**
 * How long the readback waits for an engine. A stack declares its engines' targets (`DeployableStack.engineTargets`)
 * with the default timeouts computed here; a deployment may override them.
 */
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

/** The targets with every wait timeout replaced by `overrideSeconds`, when given. */
export function withWaitTimeout(targets: readonly EngineTarget[], overrideSeconds?: number): EngineTarget[] {
  return targets.map((t) => (overrideSeconds === undefined ? t : { ...t, timeoutSeconds: overrideSeconds }));
}
