import { App, Chart, Duration } from 'cdk8s';
import { Bookinfo } from '../../constructs/bookinfo';
import { talkExperiments } from '../../stacks/chaostoolkit/experiments';

function experiments(opts: Partial<Parameters<typeof talkExperiments>[0]> = {}) {
  const bookinfo = new Bookinfo(new Chart(new App(), 'c'), 'Bookinfo');
  const list = talkExperiments({ targets: bookinfo.targets, ...opts });
  return Object.fromEntries(list.map((e) => [e.id, e.toJson() as any]));
}

describe('the talk experiments, fixed', () => {
  test('are the three talk experiments, each with rollbacks that always run', () => {
    const e = experiments();
    expect(Object.keys(e)).toEqual(['terminate-half-ratings-v2-pods', 'drain-node', 'reviews-network-latency']);
    for (const x of Object.values(e)) expect(x.runtime).toEqual({ rollbacks: { strategy: 'always' } });
    expect(e['drain-node']).toMatchSnapshot();
  });

  test('terminate-half acts on the ratings-v2 pods only, by label, and checks the Deployment', () => {
    const e = experiments()['terminate-half-ratings-v2-pods'];
    expect(e.method[0].provider.arguments).toEqual({ ns: 'bookinfo', label_selector: 'app=ratings,version=v2', rand: true, mode: 'percentage', qty: 50 });
    expect(e.method[0].pauses).toEqual({ after: 20 });
    expect(e['steady-state-hypothesis'].probes.map((p: any) => [p.provider.func, p.provider.arguments.ns])).toEqual([
      ['deployment_available_and_healthy', 'bookinfo'], ['pods_in_phase', 'bookinfo'],
    ]);
  });

  test('drain-node checks the bookinfo namespace and uncordons exactly the node it drained', () => {
    const e = experiments({ drainNodes: { nodeName: 'worker-3' } })['drain-node'];
    expect(e['steady-state-hypothesis'].probes[0].provider).toMatchObject({ func: 'all_pods_healthy', arguments: { ns: 'bookinfo' } });
    expect(e.method[0].provider.arguments).toEqual({ name: 'worker-3', delete_pods_with_local_storage: true, timeout: 120 });
    expect(e.rollbacks).toEqual([{
      type: 'action', name: 'uncordon-the-drained-node',
      provider: { type: 'python', module: 'chaosk8s.node.actions', func: 'uncordon_node', arguments: { name: 'worker-3' } },
    }]);
  });

  test('reviews-network-latency writes percentage.value through the extension and removes the fault', () => {
    const e = experiments()['reviews-network-latency'];
    expect(e.configuration).toEqual({ product_page_url: { type: 'env', key: 'PRODUCT_PAGE_URL', default: 'http://productpage.bookinfo.svc.cluster.local:9080' } });
    expect(e.method[0].provider).toMatchObject({
      func: 'add_delay_fault', arguments: { ns: 'bookinfo', virtual_service_name: 'reviews', fixed_delay: '5s', percentage: 100, version: 'networking.istio.io/v1' },
    });
    expect(e.rollbacks[0].provider).toMatchObject({ func: 'remove_delay_fault', arguments: { routes: [{ destination: { host: 'reviews', subset: 'v3' } }] } });
    expect(e['steady-state-hypothesis'].probes[0]).toEqual({
      type: 'probe', name: 'product-page-answers-in-time', tolerance: 200,
      provider: { type: 'http', url: '${product_page_url}/productpage', method: 'GET', timeout: 1 },
    });
  });

  test('follows the settle time and the delay asked for', () => {
    const e = experiments({ settleTime: Duration.seconds(5), fixedDelay: Duration.millis(300), delayPercentage: 25 });
    expect(e['drain-node'].method[0].pauses).toEqual({ after: 5 });
    expect(e['reviews-network-latency'].method[0].provider.arguments).toMatchObject({ fixed_delay: '300ms', percentage: 25 });
  });
});
