import { Duration } from 'cdk8s';
import {
  addDelayFault, allPodsHealthy, countPods, drainNodes, httpProbe, removeDelayFault, terminatePods, uncordonNode,
} from '../../lib/chaostoolkit/activities';
import { Experiment, RollbackStrategy } from '../../lib/chaostoolkit/model';

const probe = allPodsHealthy({ name: 'healthy', ns: 'bookinfo' });
const route = { ns: 'bookinfo', virtualService: 'reviews', routes: [{ host: 'reviews', subset: 'v3' }] };

describe('Experiment', () => {
  test('renders the experiment JSON with an explicit always rollback strategy and no permissions', () => {
    // GIVEN
    const e = new Experiment({
      id: 'x', title: 'T', description: 'D', tags: ['k'],
      steadyStateHypothesis: { title: 'H', probes: [probe] },
      method: [addDelayFault({ name: 'add', ...route, fixedDelay: Duration.millis(1500), percentage: 50, pauseAfter: Duration.seconds(2) })],
      rollbacks: [removeDelayFault({ name: 'remove', ...route })],
    });
    // WHEN
    const json = e.toJson();
    // THEN
    expect(json).toMatchSnapshot();
    expect(json.runtime).toEqual({ rollbacks: { strategy: 'always' } });
    expect(JSON.stringify(json)).not.toContain('permissions');
    expect((json.method as any)[0]).toEqual({
      type: 'action', name: 'add', pauses: { after: 2 },
      provider: {
        type: 'python', module: 'chaosistio.fault.actions', func: 'add_delay_fault',
        arguments: {
          ns: 'bookinfo', virtual_service_name: 'reviews', routes: [{ destination: { host: 'reviews', subset: 'v3' } }],
          version: 'networking.istio.io/v1', fixed_delay: '1500ms', percentage: 50,
        },
      },
    });
    expect(e.toString().endsWith('}\n')).toBe(true);
  });

  test('collects the permissions of every activity', () => {
    const e = new Experiment({
      id: 'x', title: 'T', description: 'D', steadyStateHypothesis: { title: 'H', probes: [probe] },
      method: [drainNodes({ name: 'drain', nodes: { nodeName: 'n1' } })], rollbacks: [uncordonNode({ name: 'uncordon', nodes: { nodeName: 'n1' } })],
    });
    expect(e.permissions).toEqual(expect.arrayContaining([
      { apiGroup: '', resource: 'pods', verbs: ['list'], namespace: 'bookinfo' },
      { apiGroup: '', resource: 'pods/eviction', verbs: ['create'] },
      { apiGroup: '', resource: 'nodes', verbs: ['get', 'list', 'patch'] },
    ]));
  });

  test('throws when rollbacks could be skipped', () => {
    expect(() => new Experiment({
      id: 'x', title: 'T', description: 'D', steadyStateHypothesis: { title: 'H', probes: [probe] },
      method: [drainNodes({ name: 'drain', nodes: { nodeName: 'n1' } })], rollbacks: [uncordonNode({ name: 'u', nodes: { nodeName: 'n1' } })],
      rollbackStrategy: RollbackStrategy.DEFAULT,
    })).toThrow("Invalid Experiment(x).rollbackStrategy: 'default'; must be 'always' when the experiment has rollbacks: "
      + 'any other strategy skips them on some outcome and leaves the fault in place.');
  });

  test('throws on a hypothesis probe without tolerance', () => {
    const noTolerance = { ...probe, tolerance: undefined };
    expect(() => new Experiment({
      id: 'x', title: 'T', description: 'D', steadyStateHypothesis: { title: 'H', probes: [noTolerance] }, method: [probe],
    })).toThrow('Invalid Experiment(x).steadyStateHypothesis.probes[healthy].tolerance: undefined; every hypothesis probe needs a tolerance.');
  });

  test('throws on duplicate activity names', () => {
    expect(() => new Experiment({ id: 'x', title: 'T', description: 'D', steadyStateHypothesis: { title: 'H', probes: [probe] }, method: [probe] }))
      .toThrow("Invalid Experiment(x).activities: 'healthy'; activity names must be unique within an experiment.");
  });

  test('throws without a steady-state hypothesis', () => {
    expect(() => new Experiment({ id: 'x', title: 'T', description: 'D', method: [probe] })).toThrow(
      'Invalid Experiment(x).steadyStateHypothesis: undefined; is required: without it nothing tells whether the system survived '
      + '(set allowNoHypothesis to run a method unchecked).');
  });

  test('throws on an id that cannot name a file', () => {
    expect(() => new Experiment({ id: 'My Exp', title: 'T', description: 'D', method: [probe], allowNoHypothesis: true })).toThrow(
      "Invalid Experiment.id: 'My Exp'; must be a DNS-1123 label (it names the JSON file and the ConfigMap key).");
  });
});

describe('activity builders', () => {
  test('terminate_pods takes the namespace, the selector and a percentage', () => {
    const a = terminatePods({ name: 't', ns: 'bookinfo', labelSelector: 'app=ratings,version=v2', quantity: { mode: 'percentage', qty: 50 } });
    expect(a.provider).toEqual({
      type: 'python', module: 'chaosk8s.pod.actions', func: 'terminate_pods',
      arguments: { ns: 'bookinfo', label_selector: 'app=ratings,version=v2', rand: true, mode: 'percentage', qty: 50 },
    });
    expect(a.permissions).toEqual([{ apiGroup: '', resource: 'pods', verbs: ['list', 'delete'], namespace: 'bookinfo' }]);
  });

  test('count_pods turns min and max into a range tolerance', () => {
    expect(countPods({ name: 'c', ns: 'bookinfo', labelSelector: 'app=x', phase: 'Running', min: 2, max: 3 }).tolerance).toEqual([2, 3]);
  });

  test('the HTTP probe fails on its timeout and expects 200', () => {
    expect(httpProbe({ name: 'h', url: '${u}/p', timeout: Duration.millis(1500) })).toMatchObject({
      provider: { type: 'http', url: '${u}/p', method: 'GET', timeout: 1.5 }, tolerance: 200,
    });
  });

  test('throws on a probe URL that is not http(s), unless it starts with a configuration reference', () => {
    expect(httpProbe({ name: 'h', url: 'https://shop.example/health', timeout: Duration.seconds(1) }).provider).toMatchObject({ url: 'https://shop.example/health' });
    for (const url of ['ftp://shop.example/', 'shop.example/health', '${u}p', 'http://${u}/p', '']) {
      expect(() => httpProbe({ name: 'h', url, timeout: Duration.seconds(1) })).toThrow(`Invalid h.url: '${url}'; must be an absolute http:// or https:// URL, `
        + "or start with a configuration reference such as '${base_url}' followed by a path.");
    }
  });

  test('throws on a node name or selector that Kubernetes would refuse', () => {
    expect(() => drainNodes({ name: 'd', nodes: { nodeName: 'Node_1' } })).toThrow("Invalid d.nodes.nodeName: 'Node_1'; must be a DNS-1123 subdomain: "
      + "at most 253 lower-case letters, digits, '-' or '.', each dot-separated part starting and ending with a letter or digit.");
    expect(() => uncordonNode({ name: 'u', nodes: { labelSelector: 'chaos target=true' } })).toThrow("Invalid u.nodes.labelSelector: 'chaos target=true'; "
      + "must be a label selector (e.g. 'app=web,tier!=db' or 'env in (dev,qa)'); 'chaos target=true' is not a valid requirement.");
    expect(uncordonNode({ name: 'u', nodes: { labelSelector: 'chaos-stack/drain-target=true,zone in (a, b),!spot' } }).provider.arguments)
      .toEqual({ label_selector: 'chaos-stack/drain-target=true,zone in (a, b),!spot' });
    expect(() => terminatePods({ name: 't', ns: 'bookinfo', labelSelector: 'app==', quantity: { mode: 'fixed', qty: 1 } })).not.toThrow();
    expect(() => countPods({ name: 'c', ns: 'bookinfo', labelSelector: 'app=a b', min: 1, max: 2 })).toThrow(/^Invalid c.labelSelector: 'app=a b'; must be a label selector/);
  });

  test('throws on uncordon without a node selection (it would uncordon every node)', () => {
    expect(() => uncordonNode({ name: 'u', nodes: { labelSelector: ' ' } })).toThrow(
      'Invalid u.nodes: {"labelSelector":" "}; must name a node or give a non-empty label selector; without one the action selects every node.');
  });

  test('throws on a delay percentage above 100', () => {
    expect(() => addDelayFault({ name: 'd', ...route, fixedDelay: Duration.seconds(5), percentage: 150 })).toThrow(
      'Invalid d.percentage: 150; must be a percentage greater than 0 and at most 100.');
  });

  test('throws on a percentage of pods above 100', () => {
    expect(() => terminatePods({ name: 't', ns: 'bookinfo', labelSelector: 'a=b', quantity: { mode: 'percentage', qty: 101 } })).toThrow(
      'Invalid t.quantity.qty: 101; must be a whole number of percent from 1 to 100.');
  });

  test('throws on a namespace that is not a DNS label', () => {
    expect(() => allPodsHealthy({ name: 'p', ns: 'Default' })).toThrow(
      "Invalid p.ns: 'Default'; must be a DNS-1123 label: 1 to 63 lower-case letters, digits or '-', starting and ending with a letter or digit.");
  });
});

describe('activity durations', () => {
  test('throws on a pause that is not a whole number of seconds', () => {
    expect(() => allPodsHealthy({ name: 'p', ns: 'bookinfo', pauseAfter: Duration.millis(1500) })).toThrow(
      "Invalid p.pauseAfter: '1500ms'; must be a whole number of seconds, 0 or more.");
  });

  test('throws on a drain timeout that is not a whole number of seconds', () => {
    expect(() => drainNodes({ name: 'd', nodes: { nodeName: 'n' }, timeout: Duration.millis(500) })).toThrow(
      'Invalid d.timeout: 0.5; must be a whole number of seconds from 1 to 3600.');
  });
});
