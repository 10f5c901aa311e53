import * as pulumi from '@pulumi/pulumi';
import { App, type Chart } from 'cdk8s';
import { crdSourcesFor, type KubeObject } from '../../lib/pulumi/crds';
import { missingGrafanaAdminSecrets } from '../../lib/pulumi/grafana';
import { exampleMonitoring } from '../../lib/monitoring/example';
import { CRD_SOURCES } from '../../lib/versions';

jest.setTimeout(30_000);

function monitoringObjects(): KubeObject[] {
  const app = new App();
  exampleMonitoring(app);
  return app.charts.flatMap((c: Chart) => c.toJson() as KubeObject[]);
}

describe('missingGrafanaAdminSecrets', () => {
  test('finds the admin Secret Grafana reads when the charts do not define it', () => {
    expect(missingGrafanaAdminSecrets(monitoringObjects())).toEqual([
      { namespace: 'monitoring', name: 'grafana-admin', userKey: 'admin-user', passwordKey: 'admin-password' },
    ]);
  });

  test('finds nothing when the charts define the Secret themselves, or run no Grafana', () => {
    const objs = monitoringObjects();
    const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'grafana-admin', namespace: 'monitoring' } };
    expect(missingGrafanaAdminSecrets([...objs, secret])).toEqual([]);
    expect(missingGrafanaAdminSecrets(objs.filter((o) => o.metadata?.name !== 'grafana'))).toEqual([]);
  });

  test('monitoring objects also need the prometheus-operator CRDs', () => {
    expect(crdSourcesFor(monitoringObjects())).toContain(CRD_SOURCES.prometheusOperator);
  });
});

describe('GrafanaAdminSecret', () => {
  test('creates the Secret with the password as a Pulumi secret and the user name', async () => {
    const registered: { type: string; name: string; inputs: any }[] = [];
    await pulumi.runtime.setMocks({
      newResource: (args) => { registered.push({ type: args.type, name: args.name, inputs: args.inputs }); return { id: `${args.name}-id`, state: args.inputs }; },
      call: (args) => { throw new Error(`unexpected call to ${args.token}`); },
    }, 'chaos-stack', 'test', false);
    const k8s = await import('@pulumi/kubernetes');
    const { GrafanaAdminSecret } = await import('../../lib/pulumi/grafana');
    const provider = new k8s.Provider('k8s', {});
    const c = new GrafanaAdminSecret('monitoring-grafana-admin', {
      ref: { namespace: 'monitoring', name: 'grafana-admin', userKey: 'admin-user', passwordKey: 'admin-password' },
      password: pulumi.secret('s3cret-from-config'), provider,
    });
    const data = await new Promise<unknown>((resolve) => c.secret.stringData.apply(resolve));
    expect(await (c.secret.stringData as any).isSecret).toBe(true);
    expect(data).toEqual({ 'admin-password': 's3cret-from-config', 'admin-user': 'admin' });
    const secret = registered.find((r) => r.type === 'kubernetes:core/v1:Secret');
    expect(secret?.inputs.metadata).toEqual({ name: 'grafana-admin', namespace: 'monitoring', labels: { 'app.kubernetes.io/part-of': 'chaos-stack' } });
  });
});
