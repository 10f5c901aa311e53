/**
 * Grafana's admin Secret from the `grafanaAdminPassword` stack secret. The monitoring constructs reference a Secret
 * (`GrafanaAdminCredentials.fromExistingSecret`) so that the password never appears in a chart's JSON; when the
 * charts reference one that they do not define, the Pulumi program creates it here, as a Pulumi secret, before the
 * layer that runs Grafana.
 */
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { type DeployedLayer } from './components';
import { type KubeObject } from './crds';

/** A Secret Grafana's admin settings read, and the keys they read. */
export interface GrafanaAdminSecretRef {
  readonly namespace: string;
  readonly name: string;
  /** Key of GF_SECURITY_ADMIN_USER, when the user also comes from the Secret. */
  readonly userKey?: string;
  /** Key of GF_SECURITY_ADMIN_PASSWORD. */
  readonly passwordKey: string;
}

interface EnvVar { readonly name?: string; readonly valueFrom?: { readonly secretKeyRef?: { readonly name?: string; readonly key?: string } } }
interface PodSpecHolder {
  readonly spec?: { readonly template?: { readonly spec?: { readonly containers?: readonly { readonly env?: readonly EnvVar[] }[] } } };
}

/** The admin Secrets Grafana containers of `objs` read (GF_SECURITY_ADMIN_PASSWORD) that `objs` do not define. */
export function missingGrafanaAdminSecrets(objs: readonly KubeObject[]): GrafanaAdminSecretRef[] {
  const defined = new Set(objs.filter((o) => o.kind === 'Secret').map((o) => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`));
  const refs = new Map<string, GrafanaAdminSecretRef>();
  for (const o of objs) {
    const namespace = o.metadata?.namespace ?? 'default';
    for (const container of (o as PodSpecHolder).spec?.template?.spec?.containers ?? []) {
      const env = container.env ?? [];
      const ref = (name: string) => env.find((e) => e.name === name)?.valueFrom?.secretKeyRef;
      const password = ref('GF_SECURITY_ADMIN_PASSWORD');
      if (password?.name === undefined || password.key === undefined) continue;
      const key = `${namespace}/${password.name}`;
      if (defined.has(key)) continue;
      const user = ref('GF_SECURITY_ADMIN_USER');
      refs.set(key, {
        namespace, name: password.name, passwordKey: password.key,
        ...(user?.name === password.name && user.key !== undefined ? { userKey: user.key } : {}),
      });
    }
  }
  return [...refs.values()];
}

export interface GrafanaAdminSecretArgs {
  readonly ref: GrafanaAdminSecretRef;
  /** The admin password, a Pulumi secret (config `grafanaAdminPassword`). */
  readonly password: pulumi.Input<string>;
  /**
   * The admin user name, when the Secret holds it.
   * @default 'admin'
   */
  readonly user?: string;
  readonly provider: k8s.Provider;
}

/** The Secret holding Grafana's admin credentials, created from stack config; its data stays a Pulumi secret. */
export class GrafanaAdminSecret extends pulumi.ComponentResource implements DeployedLayer {
  public static readonly TYPE = 'chaos-stack:k8s:GrafanaAdminSecret';
  public readonly secret: k8s.core.v1.Secret;
  public readonly resources: pulumi.Output<pulumi.Resource[]>;

  public constructor(name: string, args: GrafanaAdminSecretArgs, opts?: pulumi.ComponentResourceOptions) {
    super(GrafanaAdminSecret.TYPE, name, {}, opts);
    const { ref } = args;
    const stringData: Record<string, pulumi.Input<string>> = { [ref.passwordKey]: pulumi.secret(args.password) };
    if (ref.userKey !== undefined) stringData[ref.userKey] = args.user ?? 'admin';
    this.secret = new k8s.core.v1.Secret(name, {
      metadata: { name: ref.name, namespace: ref.namespace, labels: { 'app.kubernetes.io/part-of': 'chaos-stack' } },
      type: 'Opaque',
      stringData,
    }, { parent: this, provider: args.provider, ...(opts?.dependsOn === undefined ? {} : { dependsOn: opts.dependsOn }) });
    this.resources = pulumi.output([this.secret as pulumi.Resource]);
    this.registerOutputs({ secretName: ref.name });
  }
}
