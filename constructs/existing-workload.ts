import { Construct } from 'constructs';
import { assertDnsLabel, assertIntegerInRange, assertLabelKey, assertLabelValue, assertOneOf } from '../lib/validation';
import { type INamespaceRef } from './namespace';
import { type IPodGroup } from './network-policy';
import { AppKind, type IServedTarget, type IServiceRef, type ServicePortRef } from './target-app';

/** The Service in front of an existing workload: the one probes and load tests address. */
export interface ExistingServiceProps {
  /** The Service's name (a DNS-1123 label). */
  readonly name: string;
  /** The Service port probes and load tests send to. */
  readonly port: number;
  /**
   * The port the workload's pods listen on (the Service's `targetPort`), which the network policies allow.
   * @default - the same as `port`
   */
  readonly targetPort?: number;
}

export interface ExistingWorkloadProps {
  /** The target's name: engines are named `<name>-<fault>` (a DNS-1123 label). */
  readonly name: string;
  /** Where the workload runs; a namespace the stack neither creates nor guards. */
  readonly namespace: INamespaceRef;
  /** The workload kind. */
  readonly kind: AppKind;
  /** The label (key and value) that selects the workload's pods, as Litmus's `appinfo.applabel`. */
  readonly selectorLabel: { readonly key: string; readonly value: string };
  /** The Service probes and load tests address. */
  readonly service: ExistingServiceProps;
}

/**
 * A workload other pipelines deploy, as a chaos target: the stack creates none of its objects. It carries what the
 * engines (namespace, kind, label), the probes and load tests (its Service) and the network policies (its pods and
 * their port) need, each validated when the construct is built. It synthesizes nothing.
 */
export class ExistingWorkload extends Construct implements IServedTarget {
  public readonly name: string;
  public readonly namespace: INamespaceRef;
  public readonly kind: AppKind;
  public readonly selectorLabel: { readonly key: string; readonly value: string };
  public readonly endpoint: IServiceRef;
  public readonly pods: IPodGroup;
  public readonly containerPort: number;

  public constructor(scope: Construct, id: string, props: ExistingWorkloadProps) {
    super(scope, id);
    const field = `ExistingWorkload '${props.name}'`;
    this.name = assertDnsLabel('ExistingWorkload.name', props.name);
    this.namespace = props.namespace;
    assertDnsLabel(`${field}.namespace`, props.namespace.name);
    this.kind = assertOneOf(`${field}.kind`, props.kind, Object.values(AppKind));
    this.selectorLabel = {
      key: assertLabelKey(`${field}.selectorLabel.key`, props.selectorLabel.key),
      value: assertLabelValue(`${field}.selectorLabel.value`, props.selectorLabel.value),
    };
    const port = assertIntegerInRange(`${field}.service.port`, props.service.port, 1, 65535);
    this.containerPort = assertIntegerInRange(`${field}.service.targetPort`, props.service.targetPort ?? port, 1, 65535);
    const ports: readonly ServicePortRef[] = [{ name: 'http', port }];
    this.endpoint = { name: assertDnsLabel(`${field}.service.name`, props.service.name), namespace: this.namespace, ports };
    this.pods = { name: this.name, namespace: this.namespace, podLabels: { [this.selectorLabel.key]: this.selectorLabel.value } };
  }
}
