import { type ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { assertDnsLabel, assertLabels, ValidationError } from '../lib/validation';

/** Pod Security Admission levels (https://kubernetes.io/docs/concepts/security/pod-security-standards/). */
export enum PodSecurityLevel {
  /** Unrestricted: hostPID, privileged containers and hostPath volumes are allowed. */
  PRIVILEGED = 'privileged',
  /** Prevents known privilege escalations; allows the default pod spec. */
  BASELINE = 'baseline',
  /** Current pod hardening best practice: non-root, no capabilities, seccomp RuntimeDefault. */
  RESTRICTED = 'restricted',
}

const POD_SECURITY_PREFIX = 'pod-security.kubernetes.io/';
const NAME_LABEL = 'kubernetes.io/metadata.name';

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
   * Extra labels for the namespace. They may not set the labels the construct owns: the Pod Security labels
   * (`pod-security.kubernetes.io/*`, set from `podSecurity`) and `kubernetes.io/metadata.name`.
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
    if (typeof version !== 'string' || !/^(v\d+\.\d+|latest)$/.test(version)) {
      throw new ValidationError('ChaosNamespace.podSecurityVersion', version, "must be a Kubernetes minor version ('v1.33') or 'latest'");
    }
    const labels = assertLabels('ChaosNamespace.labels', props.labels ?? {});
    for (const [key, value] of Object.entries(labels)) {
      if (key.startsWith(POD_SECURITY_PREFIX) || key === NAME_LABEL) {
        throw new ValidationError(`ChaosNamespace.labels['${key}']`, value, key === NAME_LABEL
          ? 'is set by Kubernetes to the namespace name; leave it out'
          : `would override the namespace's Pod Security (${this.podSecurity}, ${version}); set podSecurity and podSecurityVersion instead`);
      }
    }
    this.apiObject = new k8s.KubeNamespace(this, 'Resource', {
      metadata: {
        name: this.name,
        labels: {
          [NAME_LABEL]: this.name,
          'pod-security.kubernetes.io/enforce': this.podSecurity,
          'pod-security.kubernetes.io/enforce-version': version,
          'pod-security.kubernetes.io/audit': this.podSecurity,
          'pod-security.kubernetes.io/audit-version': version,
          'pod-security.kubernetes.io/warn': this.podSecurity,
          'pod-security.kubernetes.io/warn-version': version,
          ...labels,
        },
      },
    });
  }
}
