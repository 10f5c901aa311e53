import { assertDnsLabel, assertPercentage, ValidationError } from '../../lib/validation';
import { type INamespaceRef } from '../namespace';
import { type Fault, FaultLevel } from './faults';

/** Namespaces chaos is never aimed at, whatever an environment allows. */
export const PROTECTED_NAMESPACES: readonly string[] = ['kube-system', 'kube-public', 'kube-node-lease'];

export interface BlastRadiusProps {
  /**
   * Namespaces whose workloads may be targeted.
   * @default - any namespace except the protected ones and the chaos namespace
   */
  readonly allowedNamespaces?: readonly string[];
  /**
   * Ceiling on the share of a target's pods one fault may affect (`podsAffectedPercent`).
   * @default 50
   */
  readonly maxPodsAffectedPercent?: number;
  /**
   * Whether node-level faults (node-drain, node-cpu-hog), which hit every pod on a node, may run.
   * @default false
   */
  readonly allowNodeFaults?: boolean;
}

/**
 * Limits on what chaos may hit in an environment. Every ChaosEngine checks its target and fault against them
 * when it is built, so a limit cannot be exceeded by accident: `kube-system` and the chaos namespace are never
 * targets, the affected-pod share has a ceiling, and node-level faults need explicit consent.
 */
export class BlastRadius {
  /** The defaults: any ordinary namespace, at most 50 % of pods, no node-level faults. */
  public static readonly DEFAULT = new BlastRadius();

  public readonly allowedNamespaces?: readonly string[];
  public readonly maxPodsAffectedPercent: number;
  public readonly allowNodeFaults: boolean;

  public constructor(props: BlastRadiusProps = {}) {
    this.allowedNamespaces = props.allowedNamespaces?.map((ns, i) => assertDnsLabel(`blastRadius.allowedNamespaces[${i}]`, ns));
    for (const ns of this.allowedNamespaces ?? []) {
      if (PROTECTED_NAMESPACES.includes(ns)) {
        throw new ValidationError('blastRadius.allowedNamespaces', ns, `must not include ${PROTECTED_NAMESPACES.join(', ')}`);
      }
    }
    this.maxPodsAffectedPercent = assertPercentage('blastRadius.maxPodsAffectedPercent', props.maxPodsAffectedPercent ?? 50);
    this.allowNodeFaults = props.allowNodeFaults ?? false;
  }

  /** Throws unless `fault` on a target in `targetNamespace` stays inside the limits. `field` prefixes messages. */
  public check(field: string, targetNamespace: string, chaosNamespace: INamespaceRef, fault: Fault): void {
    if (PROTECTED_NAMESPACES.includes(targetNamespace)) {
      throw new ValidationError(`${field}.target.namespace`, targetNamespace,
        `chaos is never aimed at ${PROTECTED_NAMESPACES.join(', ')}`);
    }
    if (targetNamespace === chaosNamespace.name) {
      throw new ValidationError(`${field}.target.namespace`, targetNamespace,
        'the chaos namespace runs the chaos machinery and is never a target');
    }
    if (this.allowedNamespaces && !this.allowedNamespaces.includes(targetNamespace)) {
      throw new ValidationError(`${field}.target.namespace`, targetNamespace,
        `the environment allows targets only in ${this.allowedNamespaces.map((n) => `'${n}'`).join(', ')}`);
    }
    const percent = fault.podsAffectedPercent;
    if (percent !== undefined && percent > this.maxPodsAffectedPercent) {
      throw new ValidationError(`${field}.${fault.name}.podsAffectedPercent`, percent,
        `the environment's blast radius allows at most ${this.maxPodsAffectedPercent} %`);
    }
    if (fault.level === FaultLevel.NODE && !this.allowNodeFaults) {
      throw new ValidationError(`${field}.fault`, fault.name,
        'node-level faults are not enabled in this environment (blastRadius.allowNodeFaults)');
    }
  }
}
