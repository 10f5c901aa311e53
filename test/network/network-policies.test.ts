/**
 * The stack's NetworkPolicies, judged by a pure evaluator (./evaluator.ts) with pods labelled as they are at run time
 * (the labels their controllers add included): every flow the stack needs is allowed, and everything else from or to
 * the app, chaos and monitoring namespaces is denied.
 */
import { App, Testing } from 'cdk8s';
import { ChaosNamespace } from '../../constructs/namespace';
import { AddressBlock, ClusterNetwork, NetworkPolicies } from '../../constructs/network-policy';
import { AlertReceiver } from '../../constructs/monitoring/alertmanager';
import { ChaosStack } from '../../stacks/chaos-stack';
import { type EnvironmentConfig, environmentConfig } from '../../stacks/environments';
import { find, makeChart, ofKind } from '../util';
import { stackFixture } from '../monitoring/fixture';
import { allowed, type Endpoint, type NetworkPolicyJson, type PodEndpoint } from './evaluator';

const pod = (namespace: string, labels: Record<string, string>): PodEndpoint => ({ namespace, labels });

/** Pods as their controllers label them. */
const PODS = {
  app: pod('testing', { 'app': 'app-sample', 'app.kubernetes.io/name': 'app-sample', 'pod-template-hash': '5d4f8b' }),
  // The runner copies the definition's labels and the engine's (whose part-of wins), and adds chaosUID and job-name.
  experiment: pod('litmus', {
    'name': 'pod-delete', 'app.kubernetes.io/component': 'experiment-job', 'app.kubernetes.io/part-of': 'chaos-stack',
    'app.kubernetes.io/version': '3.31.0', 'litmuschaos.io/fault': 'pod-delete', 'chaosUID': 'uid-1', 'job-name': 'pod-delete-abc123',
  }),
  // litmus-go gives helpers the experiment pod's labels (without job-name) and its own `app`.
  helper: pod('litmus', {
    'name': 'pod-network-loss', 'app.kubernetes.io/component': 'experiment-job', 'app.kubernetes.io/part-of': 'chaos-stack',
    'chaosUID': 'uid-2', 'app': 'pod-network-loss-helper-x1',
  }),
  runner: pod('litmus', { 'app': 'app-sample-pod-delete', 'chaosUID': 'uid-1', 'app.kubernetes.io/component': 'chaos-runner', 'app.kubernetes.io/part-of': 'litmus' }),
  operator: pod('litmus', { 'name': 'chaos-operator', 'app.kubernetes.io/name': 'chaos-operator', 'app.kubernetes.io/part-of': 'litmus' }),
  chaosExporter: pod('litmus', { 'app': 'chaos-exporter', 'app.kubernetes.io/name': 'chaos-exporter' }),
  k6: pod('litmus', { 'app.kubernetes.io/name': 'k6', 'app.kubernetes.io/part-of': 'chaos-stack', 'chaos-stack/load-test': 'app-sample-pod-delete-load',
    'batch.kubernetes.io/job-name': 'app-sample-pod-delete-load' }),
  prometheus: pod('monitoring', {
    'app.kubernetes.io/name': 'prometheus', 'prometheus': 'k8s', 'app.kubernetes.io/managed-by': 'prometheus-operator',
    'app.kubernetes.io/instance': 'k8s', 'operator.prometheus.io/shard': '0', 'app.kubernetes.io/part-of': 'chaos-monitoring',
  }),
  alertmanager: pod('monitoring', { 'app.kubernetes.io/name': 'alertmanager', 'alertmanager': 'main', 'app.kubernetes.io/managed-by': 'prometheus-operator' }),
  grafana: pod('monitoring', { 'app.kubernetes.io/name': 'grafana', 'app.kubernetes.io/part-of': 'chaos-monitoring' }),
  kubeStateMetrics: pod('monitoring', { 'app.kubernetes.io/name': 'kube-state-metrics' }),
  promOperator: pod('monitoring', { 'app.kubernetes.io/name': 'prometheus-operator' }),
  dns: pod('kube-system', { 'k8s-app': 'kube-dns' }),
  // Someone else's pods: in each guarded namespace, and elsewhere.
  strangerInLitmus: pod('litmus', { app: 'curl' }),
  strangerInTesting: pod('testing', { app: 'curl' }),
  strangerInMonitoring: pod('monitoring', { app: 'curl' }),
  strangerElsewhere: pod('default', { app: 'curl' }),
};
const API_SERVER: Endpoint = { ip: '172.18.0.2' };
const NODE: Endpoint = { ip: '172.18.0.3' };
const INTERNET: Endpoint = { ip: '93.184.216.34' };

function policiesOf(config: EnvironmentConfig): NetworkPolicyJson[] {
  const stack = new ChaosStack(new App(), config.environment, { config });
  return ofKind(stack.layers.flatMap((l) => l.chart.toJson()), 'NetworkPolicy');
}

describe('NetworkPolicies of the stack', () => {
  const dev = policiesOf(environmentConfig('dev'));
  const staging = policiesOf(environmentConfig('staging'));
  const prod = policiesOf(environmentConfig('prod'));
  const all = { dev, staging, prod };

  test.each(Object.keys(all))('%s denies by default, ingress and egress, in the app, chaos and monitoring namespaces', (env) => {
    const policies = all[env as keyof typeof all];
    for (const ns of ['testing', 'litmus', 'monitoring']) {
      expect(find(policies, 'NetworkPolicy', 'default-deny', ns).spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    }
    expect(policies.filter((p) => p.metadata.namespace === 'monitoring-node')).toEqual([]);
  });

  test.each([
    ['the httpProbe of every engine reaches the app', PODS.experiment, PODS.app, 8080],
    ['the load test reaches the app', PODS.k6, PODS.app, 8080],
    ['the load test writes its metrics to Prometheus', PODS.k6, PODS.prometheus, 9090],
    ['the SLO promProbe queries Prometheus', PODS.experiment, PODS.prometheus, 9090],
    ['Grafana queries Prometheus', PODS.grafana, PODS.prometheus, 9090],
    ['Prometheus scrapes kube-state-metrics', PODS.prometheus, PODS.kubeStateMetrics, 8080],
    ['Prometheus scrapes kube-state-metrics telemetry', PODS.prometheus, PODS.kubeStateMetrics, 8081],
    ['Prometheus scrapes the chaos-exporter', PODS.prometheus, PODS.chaosExporter, 8080],
    ['Prometheus scrapes node-exporter on the host network', PODS.prometheus, NODE, 9100],
    ['Prometheus scrapes the kubelet and cAdvisor', PODS.prometheus, NODE, 10250],
    ['Prometheus scrapes and discovers through the API server', PODS.prometheus, API_SERVER, 6443],
    ['Prometheus sends alerts to Alertmanager', PODS.prometheus, PODS.alertmanager, 9093],
    ['the Litmus operator calls the API server', PODS.operator, API_SERVER, 6443],
    ['the runner calls the API server', PODS.runner, API_SERVER, 443],
    ['the experiment calls the API server', PODS.experiment, API_SERVER, 6443],
    ['the helper pods call the API server', PODS.helper, API_SERVER, 6443],
    ['the chaos-exporter calls the API server', PODS.chaosExporter, API_SERVER, 6443],
    ['prometheus-operator calls the API server', PODS.promOperator, API_SERVER, 6443],
    ['kube-state-metrics calls the API server', PODS.kubeStateMetrics, API_SERVER, 6443],
  ] as [string, Endpoint, Endpoint, number][])('dev and staging allow: %s', (_why, from, to, port) => {
    expect(allowed(dev, from, to, port)).toBe(true);
    expect(allowed(staging, from, to, port)).toBe(true);
  });

  test.each([
    ['experiments', PODS.experiment], ['the load test', PODS.k6], ['Grafana', PODS.grafana],
  ] as [string, PodEndpoint][])('allows DNS to %s', (_who, from) => {
    expect(allowed(dev, from, PODS.dns, 53, 'UDP')).toBe(true);
    expect(allowed(dev, from, PODS.dns, 53, 'TCP')).toBe(true);
  });

  test.each([
    ['any other pod of the chaos namespace forging an SLO verdict (remote write)', PODS.strangerInLitmus, PODS.prometheus, 9090],
    ['the runner writing to Prometheus', PODS.runner, PODS.prometheus, 9090],
    ['the app writing to Prometheus', PODS.app, PODS.prometheus, 9090],
    ['a pod of another namespace writing to Prometheus', PODS.strangerElsewhere, PODS.prometheus, 9090],
    ['a pod of the monitoring namespace writing to Prometheus', PODS.strangerInMonitoring, PODS.prometheus, 9090],
    ['a pod of another namespace calling the app', PODS.strangerElsewhere, PODS.app, 8080],
    ['a stranger in the app namespace calling the app', PODS.strangerInTesting, PODS.app, 8080],
    ['Prometheus calling the app', PODS.prometheus, PODS.app, 8080],
    ['the app calling anything', PODS.app, INTERNET, 443],
    ['the app calling the API server', PODS.app, API_SERVER, 6443],
    ['the app resolving names', PODS.app, PODS.dns, 53],
    ['the load test calling the API server', PODS.k6, API_SERVER, 6443],
    ['Grafana calling the API server', PODS.grafana, API_SERVER, 6443],
    ['Grafana calling the internet', PODS.grafana, INTERNET, 443],
    ['anyone opening Grafana from a pod', PODS.strangerElsewhere, PODS.grafana, 3000],
    ['the experiment calling the internet on port 80', PODS.experiment, INTERNET, 80],
    ['the Litmus operator calling out on any port but the API server\'s', PODS.operator, INTERNET, 80],
    ['Alertmanager calling out with no receiver to notify', PODS.alertmanager, INTERNET, 443],
    ['a stranger scraping kube-state-metrics', PODS.strangerInMonitoring, PODS.kubeStateMetrics, 8080],
    ['a stranger scraping the chaos-exporter', PODS.strangerInLitmus, PODS.chaosExporter, 8080],
    ['a stranger sending alerts', PODS.strangerElsewhere, PODS.alertmanager, 9093],
    ['Prometheus scraping the nodes on another port', PODS.prometheus, NODE, 22],
  ] as [string, Endpoint, Endpoint, number][])('denies %s', (_why, from, to, port) => {
    for (const policies of Object.values(all)) expect(allowed(policies, from, to, port)).toBe(false);
  });

  test('opens the app to clients outside the cluster only where its Service is exposed (dev\'s LoadBalancer)', () => {
    expect(allowed(dev, INTERNET, PODS.app, 8080)).toBe(true);
    expect(allowed(dev, INTERNET, PODS.app, 22)).toBe(false);
    expect(allowed(staging, INTERNET, PODS.app, 8080)).toBe(false);
    expect(allowed(prod, INTERNET, PODS.app, 8080)).toBe(false);
  });

  test('lets nobody write to Prometheus in prod, which runs no load test, and lets its probes query nothing there', () => {
    expect(allowed(prod, PODS.k6, PODS.prometheus, 9090)).toBe(false);
    expect(allowed(prod, PODS.experiment, PODS.prometheus, 9090)).toBe(false);
    expect(allowed(prod, PODS.experiment, PODS.app, 8080)).toBe(true);
    expect(allowed(prod, PODS.grafana, PODS.prometheus, 9090)).toBe(true);
  });

  test('limits the API server and node flows to the addresses an environment gives', () => {
    const policies = policiesOf({ ...environmentConfig('staging'), network: { apiServerCidrs: ['172.18.0.2/32'], nodeCidrs: ['172.18.0.0/24'] } });
    expect(allowed(policies, PODS.experiment, API_SERVER, 6443)).toBe(true);
    expect(allowed(policies, PODS.experiment, INTERNET, 443)).toBe(false);
    // With the API server's address given, even HTTPS out (the operator's usage analytics, off anyway) is denied.
    expect(allowed(policies, PODS.operator, INTERNET, 443)).toBe(false);
    expect(allowed(policies, PODS.operator, API_SERVER, 6443)).toBe(true);
    expect(allowed(policies, PODS.prometheus, NODE, 9100)).toBe(true);
    expect(allowed(policies, PODS.prometheus, INTERNET, 9100)).toBe(false);
  });

  test('fails for an API server address that is not a CIDR', () => {
    expect(() => policiesOf({ ...environmentConfig('prod'), network: { apiServerCidrs: ['api.example.com'] } })).toThrow(
      "Invalid the API server CIDRs[0]: 'api.example.com'; must be an IPv4 or IPv6 address, optionally with a CIDR prefix length (e.g. 10.0.0.0/8).");
  });
});

describe('NetworkPolicies of the monitoring stack', () => {
  test('lets Alertmanager reach its receivers (and DNS) only when it has one to notify', () => {
    const { chart, stack } = stackFixture({ alertReceivers: [AlertReceiver.webhook('team', 'https://hooks.example.invalid/alerts')] });
    new NetworkPolicies(chart, 'Net', { namespaces: [stack.prometheus.namespace], flows: stack.networkFlows(new ClusterNetwork()) });
    const policies = ofKind(Testing.synth(chart), 'NetworkPolicy');
    expect(allowed(policies, PODS.alertmanager, INTERNET, 443)).toBe(true);
    expect(allowed(policies, PODS.alertmanager, INTERNET, 80)).toBe(false);
    expect(allowed(policies, PODS.alertmanager, PODS.dns, 53, 'UDP')).toBe(true);
  });
});

describe('NetworkPolicies construct', () => {
  test('fails for a flow between addresses only, or without ports', () => {
    const chart = makeChart();
    const ns = new ChaosNamespace(chart, 'Ns', { name: 'a' });
    expect(() => new NetworkPolicies(chart, 'N1', {
      namespaces: [ns], flows: [{ from: AddressBlock.any('x'), to: AddressBlock.any('y'), ports: [{ port: 1 }], why: 'nothing' }],
    })).toThrow("Invalid NetworkPolicies flow: 'nothing'; must have pods at one end at least.");
    const group = { name: 'g', namespace: ns, podLabels: { app: 'g' } };
    expect(() => new NetworkPolicies(chart, 'N2', { namespaces: [ns], flows: [{ from: group, to: AddressBlock.any('y'), ports: [], why: 'no port' }] }))
      .toThrow("Invalid NetworkPolicies flow 'no port' ports: []; must list at least one port.");
  });
});
