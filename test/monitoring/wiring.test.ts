import { JsonPatch, Testing } from 'cdk8s';
import { PodMonitor, ServiceMonitor } from '../../lib/imports/monitoring-monitoring.coreos.com';
import { Dashboard, PanelType } from '../../constructs/monitoring/dashboard';
import { NodeExporter } from '../../constructs/monitoring/exporters';
import { Grafana, GrafanaAdminCredentials, PROMETHEUS_DATASOURCE_UID } from '../../constructs/monitoring/grafana';
import { PrometheusServer } from '../../constructs/monitoring/prometheus';
import { ChaosRules, NodeRules, RuleSet } from '../../constructs/monitoring/rules';
import { ServiceScrape } from '../../constructs/monitoring/scrape';
import { matchesSelector, prometheusSelectionErrors, serviceMonitorErrors } from '../../constructs/monitoring/wiring';
import { fixture, stackFixture } from './fixture';

/** A fixture with a bare Prometheus and node-exporter (no other exporters). */
function minimal() {
  const f = fixture();
  const prometheus = new PrometheusServer(f.chart, 'Prometheus', { namespace: f.monitoring, watchNamespaces: [f.monitoring, f.monitoringNode, f.chaos] });
  const nodeExporter = new NodeExporter(f.chart, 'NodeExporter', { namespace: f.monitoringNode, prometheus });
  return { ...f, prometheus, nodeExporter };
}

describe('label selectors', () => {
  test('match as Kubernetes reads them', () => {
    expect(matchesSelector({}, { a: '1' }, false)).toBe(true);
    expect(matchesSelector(undefined, { a: '1' }, false)).toBe(false);
    expect(matchesSelector(undefined, { a: '1' }, true)).toBe(true);
    expect(matchesSelector({ matchLabels: { a: '1' } }, { a: '1', b: '2' }, false)).toBe(true);
    expect(matchesSelector({ matchLabels: { a: '2' } }, { a: '1' }, false)).toBe(false);
    expect(matchesSelector({ matchExpressions: [{ key: 'a', operator: 'In', values: ['1', '3'] }] }, { a: '1' }, false)).toBe(true);
    expect(matchesSelector({ matchExpressions: [{ key: 'a', operator: 'NotIn', values: ['1'] }] }, { a: '1' }, false)).toBe(false);
    expect(matchesSelector({ matchExpressions: [{ key: 'a', operator: 'Exists' }] }, {}, false)).toBe(false);
    expect(matchesSelector({ matchExpressions: [{ key: 'a', operator: 'DoesNotExist' }] }, {}, false)).toBe(true);
  });
});

describe('rule: every ServiceMonitor selects a Service in a namespace it watches, on a port it has', () => {
  test('the complete stack passes', () => {
    expect(() => Testing.synth(stackFixture().chart)).not.toThrow();
  });

  test('fails when a ServiceMonitor selects no Service', () => {
    // GIVEN a scrape of a Service that no object of the app creates
    const { chart, monitoring, prometheus } = minimal();
    new ServiceScrape(chart, 'Ghost', {
      service: { name: 'ghost', namespace: monitoring, labels: { app: 'ghost' }, ports: [{ name: 'metrics', port: 9000 }] },
      prometheus,
      endpoints: [{ port: 'metrics' }],
    });
    // THEN
    expect(() => Testing.synth(chart)).toThrow(
      'ServiceMonitor monitoring/ghost selects no Service: selector {"matchLabels":{"app":"ghost"}}'
      + ' matches no Service in namespaces [monitoring]');
  });

  test('fails when an endpoint names a port the Service does not have', () => {
    const { chart, prometheus, nodeExporter } = minimal();
    new ServiceScrape(chart, 'WrongPort', {
      service: nodeExporter, name: 'node-exporter-http', prometheus, selectorLabelKeys: ['app.kubernetes.io/name'], endpoints: [{ port: 'http' }],
    });
    expect(() => Testing.synth(chart)).toThrow(
      "ServiceMonitor monitoring-node/node-exporter-http endpoints[0] names port 'http', which no selected Service has (monitoring-node/node-exporter has [metrics])");
  });

  test('fails when the ServiceMonitor watches a namespace without the Service', () => {
    // GIVEN an escape-hatch edit after construction
    const { chart, nodeExporter } = minimal();
    nodeExporter.scrape.apiObject.addJsonPatch(JsonPatch.replace('/spec/namespaceSelector/matchNames', ['litmus']));
    expect(() => Testing.synth(chart)).toThrow(/ServiceMonitor monitoring-node\/node-exporter selects no Service: .* in namespaces \[litmus\]/);
  });

  test('fails for a raw ServiceMonitor too (checked by the Prometheus)', () => {
    const { chart, monitoringNode } = minimal();
    new ServiceMonitor(chart, 'Raw', {
      metadata: { name: 'raw', namespace: monitoringNode.name, labels: { prometheus: 'k8s' } },
      spec: { selector: { matchLabels: { 'app.kubernetes.io/name': 'node-exporter' } }, endpoints: [{ port: 'web' }] },
    });
    expect(() => Testing.synth(chart)).toThrow("ServiceMonitor monitoring-node/raw endpoints[0] names port 'web', which no selected Service has");
  });

  test('fails on an endpoint without a port name (the check on its own)', () => {
    const errors = serviceMonitorErrors(
      { kind: 'ServiceMonitor', metadata: { name: 'x', namespace: 'm' }, spec: { selector: {}, endpoints: [{ path: '/metrics' }] } },
      [{ name: 's', namespace: 'm', labels: {}, ports: ['metrics'] }],
    );
    expect(errors).toEqual(["ServiceMonitor m/x endpoints[0] names no port; give the Service port's name"]);
  });
});

describe('rule: the Prometheus selects every ServiceMonitor and rule of the stack', () => {
  test('fails when a ServiceMonitor lacks the selected label', () => {
    const { chart, monitoring } = minimal();
    new ServiceMonitor(chart, 'Unlabelled', {
      metadata: { name: 'unlabelled', namespace: monitoring.name, labels: { team: 'chaos' } },
      spec: { selector: { matchLabels: { 'app.kubernetes.io/name': 'node-exporter' } }, endpoints: [{ port: 'metrics' }] },
    });
    expect(() => Testing.synth(chart)).toThrow(
      'Prometheus monitoring/k8s does not select ServiceMonitor monitoring/unlabelled: its labels {"team":"chaos"} do not match'
      + ' serviceMonitorSelector {"matchLabels":{"prometheus":"k8s"}}');
  });

  test('fails when a PrometheusRule lives in a namespace the Prometheus does not watch', () => {
    const { chart, testing, prometheus } = minimal();
    new RuleSet(chart, 'Elsewhere', {
      namespace: testing, prometheus, name: 'app-rules', groups: [{ name: 'app', rules: [{ record: 'x:up:sum', expr: 'sum(up)' }] }],
    });
    expect(() => Testing.synth(chart)).toThrow(
      "Prometheus monitoring/k8s does not watch namespace 'testing' of PrometheusRule testing/app-rules: ruleNamespaceSelector is"
      + ' {"matchExpressions":[{"key":"kubernetes.io/metadata.name","operator":"In","values":["monitoring","monitoring-node","litmus"]}]}');
  });

  test('fails on a rule outside the Prometheus namespace when no namespace selector is set (the check on its own)', () => {
    const errors = prometheusSelectionErrors(
      { kind: 'Prometheus', metadata: { name: 'p', namespace: 'mon' }, spec: { ruleSelector: {} } },
      [],
      [{ kind: 'PrometheusRule', metadata: { name: 'r', namespace: 'other' } }],
      (n) => ({ 'kubernetes.io/metadata.name': n }),
    );
    expect(errors).toEqual(["Prometheus mon/p does not watch namespace 'other' of PrometheusRule other/r: ruleNamespaceSelector is unset (only 'mon')"]);
  });
});

describe('rule: the datasource URL is the Prometheus Service\'s', () => {
  test('derives the URL from the Prometheus Service', () => {
    const { stack } = stackFixture();
    expect(stack.grafana.datasourceUrl).toBe('http://prometheus-k8s.monitoring.svc:9090');
    expect(stack.prometheus.url).toBe(stack.grafana.datasourceUrl);
  });

  test('fails when the Prometheus Service port changes after Grafana was wired', () => {
    const { chart, stack } = stackFixture();
    stack.prometheus.serviceObject.addJsonPatch(JsonPatch.replace('/spec/ports/0/port', 9091));
    expect(() => Testing.synth(chart)).toThrow(
      "Grafana datasource 'prometheus' URL is http://prometheus-k8s.monitoring.svc:9090, but the Prometheus Service is at http://prometheus-k8s.monitoring.svc:9091");
  });

  test('fails when the Prometheus Service does not exist', () => {
    const f = fixture();
    new Grafana(f.chart, 'Grafana', {
      namespace: f.monitoring,
      prometheus: {
        name: 'k8s', namespace: f.monitoring, serviceMonitorLabels: {}, ruleLabels: {},
        service: { name: 'prometheus-other', namespace: f.monitoring, ports: [{ name: 'web', port: 9090 }] },
      },
      adminCredentials: GrafanaAdminCredentials.fromExistingSecret('grafana-admin'),
    });
    expect(() => Testing.synth(f.chart)).toThrow(
      "Grafana datasource 'prometheus' points at http://prometheus-other.monitoring.svc:9090, but the app has no Service monitoring/prometheus-other");
  });
});

describe('rule: dashboard queries only use metrics an exporter of the stack provides', () => {
  function grafanaWith(query: string, datasourceUid = PROMETHEUS_DATASOURCE_UID) {
    const m = minimal();
    new Grafana(m.chart, 'Grafana', {
      namespace: m.monitoring,
      prometheus: m.prometheus,
      adminCredentials: GrafanaAdminCredentials.fromExistingSecret('grafana-admin'),
      dashboards: [new Dashboard({
        uid: 'd', title: 'Test', datasourceUid,
        rows: [{ title: 'r', panels: [{ title: 'CPU', type: PanelType.TIMESERIES, width: 12, height: 6, queries: [{ expr: query }] }] }],
      })],
    });
    return m.chart;
  }

  test('accepts metrics of a present exporter', () => {
    expect(() => Testing.synth(grafanaWith('rate(node_cpu_seconds_total{mode="idle"}[5m])'))).not.toThrow();
  });

  test('fails on a metric no exporter provides', () => {
    expect(() => Testing.synth(grafanaWith('sum(rate(http_requests_total[5m]))'))).toThrow(
      "Dashboard 'Test' panel 'CPU' queries metric 'http_requests_total', which no exporter or recording rule of the stack provides"
      + ' (exporters: node-exporter)');
  });

  test('fails on a metric whose exporter is not part of the stack', () => {
    // kube-state-metrics is a known exporter, but this stack has none.
    expect(() => Testing.synth(grafanaWith('kube_deployment_status_replicas_available'))).toThrow(
      "queries metric 'kube_deployment_status_replicas_available', which no exporter or recording rule of the stack provides");
  });

  test('fails when a dashboard queries another datasource', () => {
    expect(() => Testing.synth(grafanaWith('up', 'thanos'))).toThrow(
      "Dashboard 'Test' queries datasource 'thanos', but Grafana provisions only 'prometheus'");
  });
});

describe('rule: the Prometheus selects PodMonitors too', () => {
  test('fails when a PodMonitor lacks the selected label', () => {
    const { chart, monitoring } = minimal();
    new PodMonitor(chart, 'Pods', {
      metadata: { name: 'pods', namespace: monitoring.name },
      spec: { selector: { matchLabels: { app: 'x' } }, podMetricsEndpoints: [{ port: 'metrics' }] },
    });
    expect(() => Testing.synth(chart)).toThrow(
      'Prometheus monitoring/k8s does not select PodMonitor monitoring/pods: its labels {} do not match podMonitorSelector {"matchLabels":{"prometheus":"k8s"}}');
  });
});

describe('rule: alerting and recording rules only read metrics the stack provides', () => {
  test('fails when an alert reads a metric of an exporter the stack lacks', () => {
    // GIVEN node-exporter only, and the app-unavailability alert that needs kube-state-metrics and the chaos-exporter
    const { chart, monitoring, prometheus, target } = minimal();
    new ChaosRules(chart, 'ChaosRules', { namespace: monitoring, prometheus, app: { service: target, deploymentName: target.name } });
    // THEN
    expect(() => Testing.synth(chart)).toThrow(
      "PrometheusRule monitoring/chaos-rules rule 'AppUnavailableDuringChaos' reads metric 'kube_deployment_status_replicas_available',"
      + ' which no exporter or recording rule of the stack provides (exporters: node-exporter)');
  });

  test('accepts a rule reading a recorded series', () => {
    const { chart, monitoring, prometheus } = minimal();
    new NodeRules(chart, 'NodeRules', { namespace: monitoring, prometheus });
    new RuleSet(chart, 'Derived', {
      namespace: monitoring, prometheus, name: 'derived',
      groups: [{ name: 'd', rules: [{ record: 'cluster:node_memory_utilisation:max', expr: 'max(instance:node_memory_utilisation:ratio)' }] }],
    });
    expect(() => Testing.synth(chart)).not.toThrow();
  });
});
