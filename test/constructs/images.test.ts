/** Every prop that sets a container image rejects an unpinned one (no tag, or `:latest`), naming the prop. */
import { Duration } from 'cdk8s';
import { ChaosToolkitRunner } from '../../constructs/chaostoolkit/runner';
import { ChaosEngine } from '../../constructs/litmus/engine';
import { ChaosExperiment } from '../../constructs/litmus/experiment';
import { Fault, FaultName } from '../../constructs/litmus/faults';
import { LitmusOperator } from '../../constructs/litmus/operator';
import { NumericCriteria, Probe, ProbeMode } from '../../constructs/litmus/probes';
import { CronChaosTrigger } from '../../constructs/litmus/schedule';
import { AlertmanagerServer, AlertReceiver } from '../../constructs/monitoring/alertmanager';
import { ChaosExporter, KubeStateMetrics, NodeExporter } from '../../constructs/monitoring/exporters';
import { Grafana, GrafanaAdminCredentials } from '../../constructs/monitoring/grafana';
import { PrometheusOperator } from '../../constructs/monitoring/operator';
import { PrometheusServer } from '../../constructs/monitoring/prometheus';
import { ChaosNamespace, PodSecurityLevel } from '../../constructs/namespace';
import { LoadGenerator } from '../../constructs/slo/load-generator';
import { TargetApplication } from '../../constructs/target-app';
import { Bookinfo } from '../../constructs/bookinfo/bookinfo';
import { talkExperiments } from '../../stacks/chaostoolkit/experiments';
import { fixture } from '../util';

type Build = (image: string) => unknown;

function builders(): [string, Build][] {
  const f = () => {
    const base = fixture();
    const monitoring = new ChaosNamespace(base.chart, 'Mon', { name: 'monitoring' });
    const node = new ChaosNamespace(base.chart, 'Node', { name: 'monitoring-node', podSecurity: PodSecurityLevel.PRIVILEGED });
    const prometheus = new PrometheusServer(base.chart, 'Prom', { namespace: monitoring });
    return { ...base, monitoring, node, prometheus };
  };
  const engine = () => {
    const x = f();
    const experiment = new ChaosExperiment(x.chart, 'Exp', { namespace: x.chaos, fault: FaultName.POD_DELETE });
    return { ...x, engine: new ChaosEngine(x.chart, 'Engine', { experiment, target: x.app, fault: Fault.podDelete() }) };
  };
  return [
    ['LitmusOperator.image', (image) => new LitmusOperator(f().chart, 'Op', { namespace: fixture().chaos, image })],
    ['LitmusOperator.runnerImage', (runnerImage) => new LitmusOperator(f().chart, 'Op', { namespace: fixture().chaos, runnerImage })],
    ['ChaosExperiment.image', (image) => { const x = f(); return new ChaosExperiment(x.chart, 'Exp', { namespace: x.chaos, fault: FaultName.POD_DELETE, image }); }],
    ['TargetApplication.image', (image) => { const x = f(); return new TargetApplication(x.chart, 'T', { namespace: x.testing, name: 't', image }); }],
    ['NodeExporter.image', (image) => { const x = f(); return new NodeExporter(x.chart, 'NE', { namespace: x.node, prometheus: x.prometheus, image }); }],
    ['KubeStateMetrics.image', (image) => { const x = f(); return new KubeStateMetrics(x.chart, 'K', { namespace: x.monitoring, prometheus: x.prometheus, image }); }],
    ['ChaosExporter.image', (image) => { const x = f(); return new ChaosExporter(x.chart, 'C', { namespace: x.chaos, prometheus: x.prometheus, image }); }],
    ['PrometheusServer.image', (image) => { const x = f(); return new PrometheusServer(x.chart, 'P2', { namespace: x.monitoring, name: 'other', image }); }],
    ['AlertmanagerServer.image', (image) => {
      const x = f();
      return new AlertmanagerServer(x.chart, 'A', { namespace: x.monitoring, receivers: [AlertReceiver.discard('none')], image });
    }],
    ['Grafana.image', (image) => {
      const x = f();
      return new Grafana(x.chart, 'G', { namespace: x.monitoring, prometheus: x.prometheus, adminCredentials: GrafanaAdminCredentials.fromExistingSecret('g'), image });
    }],
    ['PrometheusOperator.image', (image) => { const x = f(); return new PrometheusOperator(x.chart, 'PO', { namespace: x.monitoring, image }); }],
    ['PrometheusOperator.configReloaderImage', (configReloaderImage) => {
      const x = f();
      return new PrometheusOperator(x.chart, 'PO', { namespace: x.monitoring, configReloaderImage });
    }],
    ["CronChaosTrigger 'app-sample-pod-delete-rearm'.image", (image) => { const x = engine(); return new CronChaosTrigger(x.chart, 'Cron', { engine: x.engine, schedule: '0 10 * * *', image }); }],
    ['LoadGenerator.image', (image) => {
      const x = f();
      return new LoadGenerator(x.chart, 'L', { name: 'l', target: x.app, namespace: x.chaos, prometheus: { url: 'http://p.monitoring.svc:9090' }, image });
    }],
    ["probe 'cmd'.sourceImage", (sourceImage) => Probe.cmd({
      name: 'cmd', mode: ProbeMode.EOT, runProperties: { probeTimeout: Duration.seconds(5), interval: Duration.seconds(5) }, command: 'true',
      comparator: { type: 'int', criteria: NumericCriteria.EQ, value: '0' }, sourceImage,
    })],
    ['ChaosToolkitRunner.prebuiltImage', (prebuiltImage) => {
      const x = f();
      const experiment = talkExperiments({ targets: new Bookinfo(x.chart, 'B').targets })[0];
      return new ChaosToolkitRunner(x.chart, 'R', { namespace: x.testing, experiment, prebuiltImage });
    }],
  ];
}

describe('image props', () => {
  test.each(builders().flatMap(([field, build]) => ['nginx', 'docker.io/library/nginx:latest', 'registry.example:5000/nginx']
    .map((image) => [field, image, build] as const)))('%s rejects %s', (field, image, build) => {
    expect(() => build(image)).toThrow(`Invalid ${field}: '${image}'; must be pinned to a tag or digest (never ':latest').`);
  });

  test.each(builders().filter(([field]) => !/^(PrometheusServer|AlertmanagerServer)/.test(field)))('%s accepts a pinned tag or digest', (_field, build) => {
    expect(() => build('registry.example:5000/team/tool:1.2.3')).not.toThrow();
    expect(() => build(`registry.example/tool@sha256:${'a'.repeat(64)}`)).not.toThrow();
  });
});
