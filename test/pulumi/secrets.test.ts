import * as pulumi from '@pulumi/pulumi';
import { App } from 'cdk8s';
import { SecretContent } from '../../lib/stack';
import { ChaosStack } from '../../stacks/chaos-stack';
import { environmentConfig } from '../../stacks/environments';
import { exampleMonitoring } from '../../tools/monitoring/example';
import { stackObjects } from '../util';

jest.setTimeout(30_000);

describe('external Secrets a stack declares', () => {
  test("Grafana's admin Secret, referenced and not defined, is declared with what each key holds", () => {
    const stack = new ChaosStack(new App(), 'staging', { config: environmentConfig('staging') });
    expect(stack.externalSecrets).toEqual([{
      namespace: 'monitoring', name: 'grafana-admin', purpose: "Grafana's admin credentials",
      keys: [
        { key: 'admin-user', holds: SecretContent.GRAFANA_ADMIN_USER, optional: false },
        { key: 'admin-password', holds: SecretContent.GRAFANA_ADMIN_PASSWORD, optional: false },
        { key: 'secret-key', holds: SecretContent.GRAFANA_SECRET_KEY, optional: true },
      ],
    }]);
    // Declared on the layer that runs Grafana, and matching what the Deployment reads.
    expect(stack.layers.find((l) => l.secrets.length > 0)?.name).toBe('workloads');
    const grafana = stackObjects(stack).find((o) => o.kind === 'Deployment' && o.metadata.name === 'grafana');
    const refs = grafana.spec.template.spec.containers[0].env.filter((e: any) => e.valueFrom?.secretKeyRef)
      .map((e: any) => [e.valueFrom.secretKeyRef.name, e.valueFrom.secretKeyRef.key]);
    expect(refs).toEqual([['grafana-admin', 'admin-user'], ['grafana-admin', 'admin-password'], ['grafana-admin', 'secret-key']]);
    expect(stackObjects(stack).filter((o) => o.kind === 'Secret' && o.metadata.name === 'grafana-admin')).toEqual([]);
  });

  test('none when the monitoring creates its Secret itself', () => {
    const app = new App();
    const monitoring = exampleMonitoring(app, { grafanaPassword: 'a-long-enough-password' });
    expect(monitoring.externalSecrets).toEqual([]);
  });
});

describe('ExternalSecretInstall', () => {
  async function install(values: Record<string, pulumi.Input<string>>) {
    const registered: { type: string; name: string; inputs: any }[] = [];
    await pulumi.runtime.setMocks({
      newResource: (args) => { registered.push({ type: args.type, name: args.name, inputs: args.inputs }); return { id: `${args.name}-id`, state: args.inputs }; },
      call: (args) => { throw new Error(`unexpected call to ${args.token}`); },
    }, 'chaos-stack', 'test', false);
    const k8s = await import('@pulumi/kubernetes');
    const { ExternalSecretInstall } = await import('../../lib/pulumi/secrets');
    const provider = new k8s.Provider('k8s', {});
    const stack = new ChaosStack(new App(), 'dev', { config: environmentConfig('dev') });
    const secret = stack.externalSecrets[0];
    if (secret === undefined) throw new Error('the dev stack declares no external Secret');
    const c = new ExternalSecretInstall('monitoring-grafana-admin', { secret, values, provider });
    return { c, registered };
  }

  test('creates the Secret with every value as a Pulumi secret, leaving out an optional key without a value', async () => {
    const { c, registered } = await install({
      [SecretContent.GRAFANA_ADMIN_USER]: 'admin', [SecretContent.GRAFANA_ADMIN_PASSWORD]: pulumi.secret('s3cret-from-config'),
    });
    const data = await new Promise<unknown>((resolve) => c.secret.stringData.apply(resolve));
    expect(await (c.secret.stringData as any).isSecret).toBe(true);
    expect(data).toEqual({ 'admin-password': 's3cret-from-config', 'admin-user': 'admin' });
    const secret = registered.find((r) => r.type === 'kubernetes:core/v1:Secret');
    expect(secret?.inputs.metadata).toEqual({ name: 'grafana-admin', namespace: 'monitoring', labels: { 'app.kubernetes.io/part-of': 'chaos-stack' } });
  });

  test('refuses a required key without a value, naming the Secret and the key', async () => {
    await expect(install({ [SecretContent.GRAFANA_ADMIN_USER]: 'admin' })).rejects.toThrow(
      "The Secret monitoring/grafana-admin (Grafana's admin credentials) needs a value for its key 'admin-password' (grafana-admin-password)");
  });
});
