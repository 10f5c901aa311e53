import { Duration, Testing } from 'cdk8s';
import { ChaosNamespace } from '../../constructs/namespace';
import { ServiceType, TargetApplication } from '../../constructs/target-app';
import { find, makeChart } from '../util';

function build(props: Partial<ConstructorParameters<typeof TargetApplication>[2]> = {}) {
  const chart = makeChart();
  const namespace = new ChaosNamespace(chart, 'Ns', { name: 'testing' });
  const app = new TargetApplication(chart, 'App', { namespace, ...props });
  return { chart, app, manifest: Testing.synth(chart) };
}

describe('TargetApplication', () => {
  test('renders the workshop app: Deployment, Service and HPA named app-sample', () => {
    // GIVEN / WHEN
    const { manifest } = build({ serviceType: ServiceType.LOAD_BALANCER });
    // THEN
    expect(manifest.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(expect.arrayContaining([
      'Deployment/app-sample', 'Service/app-sample', 'HorizontalPodAutoscaler/app-sample-ha', 'ServiceAccount/app-sample',
    ]));
    const svc = find(manifest, 'Service', 'app-sample', 'testing');
    expect(svc.spec.type).toBe('LoadBalancer');
    expect(svc.spec.ports).toEqual([{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }]);
    expect(svc.spec.selector).toEqual({ 'app.kubernetes.io/name': 'app-sample' });
  });

  test("keeps the workshop's resources and probe timings", () => {
    const { manifest } = build();
    const container = find(manifest, 'Deployment', 'app-sample').spec.template.spec.containers[0];
    expect(container.resources).toEqual({ requests: { cpu: '200m', memory: '100M' }, limits: { cpu: '500m', memory: '200M' } });
    expect(container.readinessProbe).toMatchObject({ periodSeconds: 1, failureThreshold: 1 });
    expect(container.livenessProbe).toMatchObject({ initialDelaySeconds: 5, periodSeconds: 5, timeoutSeconds: 1, failureThreshold: 1 });
    expect(container.image).toMatch(/^docker\.io\/nginxinc\/nginx-unprivileged:\d+\.\d+\.\d+-alpine$/);
  });

  test('runs non-root with a read-only root filesystem and no token', () => {
    const { manifest } = build();
    const pod = find(manifest, 'Deployment', 'app-sample').spec.template.spec;
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 101, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.containers[0].securityContext).toEqual({
      allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] },
    });
    expect(pod.containers[0].volumeMounts).toEqual([{ name: 'tmp', mountPath: '/tmp' }]);
  });

  test('lets the HPA own the replica count (2..10 at 50 % CPU)', () => {
    const { manifest } = build();
    expect(find(manifest, 'Deployment', 'app-sample').spec.replicas).toBeUndefined();
    const hpa = find(manifest, 'HorizontalPodAutoscaler', 'app-sample-ha');
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.spec).toMatchObject({
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'app-sample' }, minReplicas: 2, maxReplicas: 10,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }],
    });
  });

  test('sets a fixed replica count only without autoscaling', () => {
    const { manifest } = build({ autoscaling: false, replicas: 3 });
    expect(find(manifest, 'Deployment', 'app-sample').spec.replicas).toBe(3);
    expect(manifest.some((o) => o.kind === 'HorizontalPodAutoscaler')).toBe(false);
  });

  test('applies the SLO fix: liveness period 2 s and HPA minimum 4', () => {
    const { manifest } = build({ livenessPeriod: Duration.seconds(2), autoscaling: { minReplicas: 4 } });
    expect(find(manifest, 'Deployment', 'app-sample').spec.template.spec.containers[0].livenessProbe.periodSeconds).toBe(2);
    expect(find(manifest, 'HorizontalPodAutoscaler', 'app-sample-ha').spec.minReplicas).toBe(4);
  });

  test('throws when minReplicas exceeds maxReplicas', () => {
    expect(() => build({ autoscaling: { minReplicas: 11, maxReplicas: 10 } })).toThrow(
      'Invalid TargetApplication.autoscaling.minReplicas: 11; must be less than or equal to maxReplicas (10).');
  });

  test('throws when an autoscaled app also fixes its replicas', () => {
    expect(() => build({ replicas: 3 })).toThrow(
      'Invalid TargetApplication.replicas: 3; a Deployment owned by a HorizontalPodAutoscaler must not fix its replica count; '
      + 'remove replicas or set autoscaling: false.');
  });

  test('throws for a name that is not a DNS-1123 label', () => {
    expect(() => build({ name: 'App.Sample' })).toThrow(/^Invalid TargetApplication.name: 'App.Sample'; must be a DNS-1123 label/);
  });

  test('throws for a liveness period that is not whole seconds', () => {
    expect(() => build({ livenessPeriod: Duration.millis(1500) })).toThrow(
      "Invalid TargetApplication.livenessPeriod: '1500ms'; must be a whole number of seconds greater than zero, as Litmus reads it in seconds.");
  });
});
