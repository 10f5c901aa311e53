import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { ChaosEngines, CrdInstall, engineResourceOptions, withAwaitPolicy } from '../../lib/pulumi/components';

const registered: { type: string; name: string; inputs: any }[] = [];

beforeAll(async () => {
  await pulumi.runtime.setMocks({
    newResource: (args) => {
      registered.push({ type: args.type, name: args.name, inputs: args.inputs });
      return { id: `${args.name}-id`, state: args.type === 'kubernetes:yaml/v2:ConfigGroup' ? { ...args.inputs, resources: [] } : args.inputs };
    },
    call: (args) => { throw new Error(`unexpected call to ${args.token}`); },
  }, 'chaos-stack', 'test', false);
});

const settle = (o: pulumi.Output<unknown>): Promise<unknown> => new Promise((resolve) => o.apply(resolve));

describe('CrdInstall', () => {
  test('throws when given anything but CustomResourceDefinitions', () => {
    const provider = new k8s.Provider('k8s-crd-test', {});
    expect(() => new CrdInstall('bad', { objs: [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'litmus' } }], provider }))
      .toThrow("CrdInstall 'bad' takes only CustomResourceDefinitions, got Namespace litmus");
  });
});

describe('ChaosEngines', () => {
  test('registers ChaosEngines as custom resources and any other object of the chart in a ConfigGroup', async () => {
    const provider = new k8s.Provider('k8s-engines-test', {});
    const engine = { apiVersion: 'litmuschaos.io/v1alpha1', kind: 'ChaosEngine', metadata: { name: 'e1', namespace: 'litmus' }, spec: { engineState: 'active' } };
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'notes', namespace: 'litmus' } };
    const c = new ChaosEngines('run', { objs: [engine, cm], provider });
    expect(c.engines).toHaveLength(1);
    // The engine, and the group of the other objects (which stands for its children in dependsOn).
    expect(await settle(c.resources)).toEqual([c.engines[0], c.others]);
    await new Promise((r) => setTimeout(r, 50));
    expect(registered.find((r) => r.name === 'run-objs')?.inputs.objs).toEqual([cm]);
    expect(registered.find((r) => r.type === 'kubernetes:litmuschaos.io/v1alpha1:ChaosEngine')?.inputs).toEqual(engine);
  });

  test('an engine ignores changes to spec.engineState and goes through the provider', () => {
    const provider = new k8s.Provider('k8s-opts-test', {});
    const parent = new pulumi.ComponentResource('test:index:Parent', 'p');
    expect(engineResourceOptions(parent, provider)).toEqual({ parent, provider, ignoreChanges: ['spec.engineState'] });
  });
});

describe('withAwaitPolicy', () => {
  test('skips the await of every Service, bounds the wait of a CRD, and leaves the rest (and the input) alone', () => {
    const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'app', annotations: { keep: 'me' } }, spec: { type: 'LoadBalancer' } };
    const crd = { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'x.example.com' } };
    const deploy = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'app' } };
    const out = withAwaitPolicy([svc, crd, deploy]);
    expect(out[0]?.metadata?.annotations).toEqual({ keep: 'me', 'pulumi.com/skipAwait': 'true' });
    expect(out[1]?.metadata?.annotations).toEqual({ 'pulumi.com/waitFor': 'condition=Established', 'pulumi.com/timeoutSeconds': '60' });
    expect(out[2]).toBe(deploy);
    expect(svc.metadata.annotations).toEqual({ keep: 'me' });
  });
});
