import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { ChaosEngines, CrdInstall, engineResourceOptions } from '../../lib/pulumi/components';

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
    expect(await settle(c.resources)).toHaveLength(1);
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
