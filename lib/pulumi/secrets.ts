/**
 * The Secrets a stack expects from outside (`DeployableStack.externalSecrets`), created by the Pulumi program from
 * stack config. The constructs only reference them (e.g. `GrafanaAdminCredentials.fromExistingSecret`), so no
 * credential appears in a chart's JSON; here their data is a Pulumi secret, encrypted in the state.
 */
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { type ExternalSecret, type SecretContent } from '../stack';
import { childOptions, type DeployedLayer } from './components';

export interface ExternalSecretArgs {
  readonly secret: ExternalSecret;
  /**
   * The value of each content the deployment has. A required key without a value is an error; an optional one is
   * left out.
   */
  readonly values: Readonly<Partial<Record<SecretContent, pulumi.Input<string>>>>;
  readonly provider: k8s.Provider;
}

/** One external Secret of the stack, created from stack config; its data stays a Pulumi secret. */
export class ExternalSecretInstall extends pulumi.ComponentResource implements DeployedLayer {
  public static readonly TYPE = 'chaos-stack:k8s:ExternalSecret';
  public readonly secret: k8s.core.v1.Secret;
  public readonly resources: pulumi.Output<pulumi.Resource[]>;

  public constructor(name: string, args: ExternalSecretArgs, opts?: pulumi.ComponentResourceOptions) {
    super(ExternalSecretInstall.TYPE, name, {}, opts);
    const { secret } = args;
    const stringData: Record<string, pulumi.Input<string>> = {};
    for (const k of secret.keys) {
      const value = args.values[k.holds];
      if (value === undefined) {
        if (k.optional) continue;
        throw new Error(`The Secret ${secret.namespace}/${secret.name} (${secret.purpose}) needs a value for its key '${k.key}' (${k.holds})`);
      }
      stringData[k.key] = pulumi.secret(value);
    }
    this.secret = new k8s.core.v1.Secret(name, {
      metadata: { name: secret.name, namespace: secret.namespace, labels: { 'app.kubernetes.io/part-of': 'chaos-stack' } },
      type: 'Opaque',
      stringData,
    }, childOptions(this, args.provider, opts));
    // Through apply, not pulumi.output(): output() would unwrap the Secret into a plain object, which is no Resource.
    this.resources = this.secret.urn.apply(() => [this.secret as pulumi.Resource]);
    this.registerOutputs({ secretName: secret.name });
  }
}
