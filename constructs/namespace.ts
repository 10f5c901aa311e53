import { type ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { assertDnsLabel } from '../lib/validation';

/** Pod Security Admission levels (https://kubernetes.io/docs/concepts/security/pod-security-standards/). */
export enum PodSecurityLevel {
  /** Unrestricted: hostPID, privileged containers and hostPath volumes are allowed. */
  PRIVILEGED = 'privileged',
  /** Prevents known privilege escalations; allows the default pod spec. */
  BASELINE = 'baseline',
  /** Current pod hardening best practice: non-root, no capabilities, seccomp RuntimeDefault. */
  RESTRICTED = 'restricted',
}

/** A namespace that other constructs reference instead of repeating its name. */
export interface INamespaceRef {
  /** The namespace's name. */
  readonly name: string;
  /** The Pod Security level the namespace enforces. */
  readonly podSecurity: PodSecurityLevel;
}

export interface ChaosNamespaceProps {
  /** The namespace's name (a DNS-1123 label). */
  readonly name: string;
  /**
   * Pod Security level enforced (and also audited and warned about) in the namespace.
   * @default PodSecurityLevel.RESTRICTED
   */
  readonly podSecurity?: PodSecurityLevel;
  /**
   * The Pod Security Standards version the level refers to; pinned so that a cluster upgrade does not tighten
   * the policy behind our back.
   * @default 'v1.33'
   */
  readonly podSecurityVersion?: string;
  /**
   * Extra labels for the namespace.
   * @default - none
   */
  readonly labels?: Readonly<Record<string, string>>;
}

/**
 * A Namespace labelled for Pod Security Admission (`pod-security.kubernetes.io/{enforce,audit,warn}`).
 *
 * The chaos namespace must be `privileged`: Litmus 3.x starts helper pods with hostPID, privileged mode and the
 * container runtime socket in the engine's namespace. Targets live elsewhere, under `baseline` or `restricted`.
 */
export class ChaosNamespace extends Construct implements INamespaceRef {
  public readonly name: string;
  public readonly podSecurity: PodSecurityLevel;
  /** The underlying Namespace object. */
  public readonly apiObject: ApiObject;

  public constructor(scope: Construct, id: string, props: ChaosNamespaceProps) {
    super(scope, id);
    this.name = assertDnsLabel('ChaosNamespace.name', props.name);
    this.podSecurity = props.podSecurity ?? PodSecurityLevel.RESTRICTED;
    const version = props.podSecurityVersion ?? 'v1.33';
    this.apiObject = new k8s.KubeNamespace(this, 'Resource', {
      metadata: {
        name: this.name,
        labels: {
          'kubernetes.io/metadata.name': this.name,
          'pod-security.kubernetes.io/enforce': this.podSecurity,
          'pod-security.kubernetes.io/enforce-version': version,
          'pod-security.kubernetes.io/audit': this.podSecurity,
          'pod-security.kubernetes.io/audit-version': version,
          'pod-security.kubernetes.io/warn': this.podSecurity,
          'pod-security.kubernetes.io/warn-version': version,
          ...props.labels,
        },
      },
    });
  }
}
