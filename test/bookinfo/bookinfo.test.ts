import { Testing } from 'cdk8s';
import { Bookinfo, ReviewsVersion } from '../../constructs/bookinfo';
import { ISTIO_VERSION } from '../../lib/versions';
import { find, makeChart, ofKind } from '../util';

function build(props: ConstructorParameters<typeof Bookinfo>[2] = {}) {
  const chart = makeChart();
  const bookinfo = new Bookinfo(chart, 'Bookinfo', props);
  return { bookinfo, manifest: Testing.synth(chart) };
}

describe('Bookinfo', () => {
  test('renders every bookinfo service on 9080 with its ServiceAccount, in the bookinfo namespace', () => {
    // GIVEN / WHEN
    const { manifest } = build();
    // THEN
    expect(manifest).toMatchSnapshot();
    const ns = find(manifest, 'Namespace', 'bookinfo');
    expect(ns.metadata.labels).toMatchObject({ 'istio-injection': 'enabled', 'pod-security.kubernetes.io/enforce': 'baseline' });
    for (const svc of ['productpage', 'details', 'reviews', 'ratings']) {
      const s = find(manifest, 'Service', svc, 'bookinfo');
      expect(s.spec.ports).toEqual([{ port: 9080, name: 'http', targetPort: 9080 }]);
      expect(s.spec.selector).toEqual({ app: svc });
    }
    expect(ofKind(manifest, 'Deployment').map((d) => d.metadata.name).sort()).toEqual([
      'details-v1', 'mongodb-v1', 'productpage-v1', 'ratings-v1', 'ratings-v2', 'reviews-v1', 'reviews-v2', 'reviews-v3',
    ]);
    expect(ofKind(manifest, 'ServiceAccount').map((d) => d.metadata.name).sort()).toEqual([
      'bookinfo-details', 'bookinfo-mongodb', 'bookinfo-productpage', 'bookinfo-ratings', 'bookinfo-ratings-v2', 'bookinfo-reviews',
    ]);
  });

  test('pins every image to the reference tag, never latest', () => {
    const { manifest } = build();
    const images = ofKind(manifest, 'Deployment').flatMap((d) => d.spec.template.spec.containers.map((c: { image: string }) => c.image));
    expect(images).toHaveLength(8);
    for (const image of images) expect(image).toMatch(new RegExp(`^docker\\.io/istio/examples-bookinfo-[a-z0-9-]+:${ISTIO_VERSION.replace(/\./g, '\\.')}$`));
  });

  test('runs ratings-v2 with two replicas reading the MongoDB it needs', () => {
    const { manifest, bookinfo } = build();
    const v2 = find(manifest, 'Deployment', 'ratings-v2', 'bookinfo');
    expect(v2.spec.replicas).toBe(2);
    expect(v2.spec.template.metadata.labels).toEqual({ app: 'ratings', version: 'v2' });
    expect(v2.spec.template.spec.serviceAccountName).toBe('bookinfo-ratings-v2');
    expect(v2.spec.template.spec.containers[0].env).toEqual([{ name: 'MONGO_DB_URL', value: 'mongodb://mongodb.bookinfo.svc.cluster.local:27017/test' }]);
    expect(find(manifest, 'Service', 'mongodb', 'bookinfo').spec.ports).toEqual([{ port: 27017, name: 'mongo', targetPort: 27017 }]);
    expect(bookinfo.targets.ratingsV2).toEqual({
      deployment: 'ratings-v2', podLabelSelector: 'app=ratings', v2LabelSelector: 'app=ratings,version=v2', namePattern: '^ratings-v2-', replicas: 2,
    });
  });

  test('routes reviews to v3 through a v1 VirtualService, with a subset per deployed version', () => {
    const { manifest } = build();
    const vs = find(manifest, 'VirtualService', 'reviews', 'bookinfo');
    expect(vs.apiVersion).toBe('networking.istio.io/v1');
    expect(vs.spec).toEqual({ hosts: ['reviews'], http: [{ route: [{ destination: { host: 'reviews', subset: 'v3' } }] }] });
    expect(find(manifest, 'DestinationRule', 'reviews', 'bookinfo').spec.subsets).toEqual([
      { name: 'v1', labels: { version: 'v1' } }, { name: 'v2', labels: { version: 'v2' } }, { name: 'v3', labels: { version: 'v3' } },
    ]);
    expect(find(manifest, 'DestinationRule', 'ratings', 'bookinfo').spec.subsets.map((s: { name: string }) => s.name)).toEqual(['v1', 'v2']);
    expect(ofKind(manifest, 'DestinationRule').map((d) => d.metadata.name).sort()).toEqual(['details', 'productpage', 'ratings', 'reviews']);
  });

  test('routes reviews to the version asked for', () => {
    const { manifest, bookinfo } = build({ reviewsRoute: ReviewsVersion.V2, namespace: 'shop' });
    expect(find(manifest, 'VirtualService', 'reviews', 'shop').spec.http[0].route[0].destination).toEqual({ host: 'reviews', subset: 'v2' });
    expect(bookinfo.targets.reviews).toEqual({ virtualService: 'reviews', host: 'reviews', subset: 'v2' });
    expect(bookinfo.targets.productpage.url).toBe('http://productpage.shop.svc.cluster.local:9080');
  });

  test('gives every pod a volume and no token, and drops every capability', () => {
    const { manifest } = build();
    for (const d of ofKind(manifest, 'Deployment')) {
      const pod = d.spec.template.spec;
      expect(pod.volumes.length).toBeGreaterThan(0); // chaosk8s drain_nodes crashes on a pod without volumes
      expect(pod.automountServiceAccountToken).toBe(false);
      expect(pod.containers[0].securityContext).toEqual({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    }
  });

  test('throws when ratings-v2 would run a single replica', () => {
    expect(() => build({ ratingsV2Replicas: 1 })).toThrow('Invalid Bookinfo.ratingsV2Replicas: 1; must be a whole number from 2 to 50.');
  });

  test('throws on a namespace that is not a DNS label', () => {
    expect(() => build({ namespace: 'Book_Info' })).toThrow(
      "Invalid Bookinfo.namespace: 'Book_Info'; must be a DNS-1123 label: 1 to 63 lower-case letters, digits or '-', starting and ending with a letter or digit.");
  });
});
