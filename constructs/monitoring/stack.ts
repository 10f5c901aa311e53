import { type Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { type ExternalSecret } from '../../lib/stack';
import { ValidationError } from '../../lib/validation';
import { imageOf, type ImageOverrides } from '../../lib/versions';
import { type INamespaceRef } from '../namespace';
import { AddressBlock, type ClusterNetwork, type NetworkFlow } from '../network-policy';
import { type AlertReceiver, AlertmanagerServer } from './alertmanager';
import { chaosDashboard } from './dashboards';
import { ApiServerScrape, ChaosExporter, KubeletScrape, KubeStateMetrics, NodeExporter } from './exporters';
import { Grafana, type GrafanaAdminCredentials, PROMETHEUS_DATASOURCE_UID } from './grafana';
import { PrometheusOperator } from './operator';
import { PrometheusServer } from './prometheus';
import { ChaosRules, type MonitoredApp, NodeRules } from './rules';

export interface MonitoringStackProps {
  /**
   * The monitoring namespace: Prometheus, Alertmanager, Grafana, prometheus-operator and kube-state-metrics, none of
   * which needs more than the `restricted` Pod Security level.
   */
  readonly monitoringNamespace: INamespaceRef;
  /**
   * node-exporter's own namespace; it must enforce the `privileged` Pod Security level (host network, PID and paths),
   * which is why node-exporter is kept out of the monitoring namespace. The Prometheus watches it for its ServiceMonitor.
   */
  readonly nodeExporterNamespace: INamespaceRef;
  /** The chaos namespace (Litmus operator, ChaosEngines, ChaosResults); the chaos-exporter runs there. */
  readonly chaosNamespace: INamespaceRef;
  /** The app under chaos: its Service and Deployment (the pod panels and the unavailability alert read them). */
  readonly app: MonitoredApp;
  /** Grafana's admin credentials: a password from deployment config, or an existing Secret. */
  readonly grafanaAdmin: GrafanaAdminCredentials;
  /** Alertmanager receivers, from deployment config; the first is the default. */
  readonly alertReceivers: readonly AlertReceiver[];
  /**
   * Default scrape and rule evaluation interval.
   * @default Duration.seconds(30)
   */
  readonly scrapeInterval?: Duration;
  /**
   * How long Prometheus keeps samples.
   * @default Duration.days(7)
   */
  readonly retention?: Duration;
  /**
   * Let load generators push their metrics to Prometheus (remote-write receiver), for SLO-aware chaos.
   * @default false
   */
  readonly remoteWriteReceiver?: boolean;
  /**
   * Replacement images by name (prometheusOperator, prometheusConfigReloader, prometheus, alertmanager, grafana,
   * nodeExporter, kubeStateMetrics, chaosExporter); each must be pinned.
   * @default - the pins of lib/versions.ts IMAGES
   */
  readonly images?: ImageOverrides;
}

/**
 * The whole monitoring of a chaos environment: prometheus-operator, a Prometheus and an Alertmanager, the
 * exporters and their ServiceMonitors (node-exporter, kube-state-metrics, kubelet and cAdvisor, API server,
 * Litmus's chaos-exporter in the chaos namespace), the node and chaos rules, and Grafana with the
 * "Node and Pod Chaos Metrics" dashboard.
 *
 * prometheus-operator's CRDs come first, from the pinned release (`PrometheusOperator.crdSource`), like Litmus's.
 * Every wiring check of the parts runs at synth (see wiring.ts, grafana.ts).
 */
export class MonitoringStack extends Construct {
  public readonly operator: PrometheusOperator;
  public readonly prometheus: PrometheusServer;
  public readonly alertmanager: AlertmanagerServer;
  public readonly nodeExporter: NodeExporter;
  public readonly kubeStateMetrics: KubeStateMetrics;
  public readonly chaosExporter: ChaosExporter;
  public readonly kubelet: KubeletScrape;
  public readonly apiServer: ApiServerScrape;
  public readonly nodeRules: NodeRules;
  public readonly chaosRules: ChaosRules;
  public readonly grafana: Grafana;
  /** Secrets its workloads read that it does not define (Grafana's admin Secret, when referenced). */
  public readonly externalSecrets: readonly ExternalSecret[];

  public constructor(scope: Construct, id: string, props: MonitoringStackProps) {
    super(scope, id);
    const mon = props.monitoringNamespace;
    const chaos = props.chaosNamespace;
    if (mon.name === chaos.name) {
      throw new ValidationError('MonitoringStack.chaosNamespace', chaos.name, `must differ from the monitoring namespace '${mon.name}'`);
    }
    const node = props.nodeExporterNamespace;
    if (node.name === mon.name || node.name === chaos.name) {
      throw new ValidationError('MonitoringStack.nodeExporterNamespace', node.name,
        `must be a namespace of its own (not '${mon.name}' or '${chaos.name}'): it is the only one that must allow privileged pods`);
    }
    const image = (name: Parameters<typeof imageOf>[0]): string => imageOf(name, props.images);
    this.operator = new PrometheusOperator(this, 'Operator', {
      namespace: mon, image: image('prometheusOperator'), configReloaderImage: image('prometheusConfigReloader'),
    });
    this.alertmanager = new AlertmanagerServer(this, 'Alertmanager', { namespace: mon, receivers: props.alertReceivers, image: image('alertmanager') });
    this.prometheus = new PrometheusServer(this, 'Prometheus', {
      namespace: mon,
      watchNamespaces: [mon, node, chaos],
      alertmanager: this.alertmanager,
      scrapeInterval: props.scrapeInterval,
      evaluationInterval: props.scrapeInterval,
      retention: props.retention,
      enableRemoteWriteReceiver: props.remoteWriteReceiver,
      image: image('prometheus'),
    });
    const prometheus = this.prometheus;
    this.nodeExporter = new NodeExporter(this, 'NodeExporter', { namespace: node, prometheus, image: image('nodeExporter') });
    this.kubeStateMetrics = new KubeStateMetrics(this, 'KubeStateMetrics', { namespace: mon, prometheus, image: image('kubeStateMetrics') });
    this.chaosExporter = new ChaosExporter(this, 'ChaosExporter', { namespace: chaos, prometheus, image: image('chaosExporter') });
    this.kubelet = new KubeletScrape(this, 'Kubelet', { kubeletService: this.operator.kubeletService, prometheus, namespace: mon });
    this.apiServer = new ApiServerScrape(this, 'ApiServer', { prometheus, namespace: mon });
    this.nodeRules = new NodeRules(this, 'NodeRules', { namespace: mon, prometheus });
    this.chaosRules = new ChaosRules(this, 'ChaosRules', { namespace: mon, prometheus, app: props.app });
    this.grafana = new Grafana(this, 'Grafana', {
      namespace: mon,
      prometheus,
      adminCredentials: props.grafanaAdmin,
      dashboards: [chaosDashboard(props.app, PROMETHEUS_DATASOURCE_UID)],
      image: image('grafana'),
    });
    this.externalSecrets = this.grafana.externalSecrets;
  }

  /**
   * Every connection the monitoring makes or accepts, derived from its parts: the operators and Prometheus to the API
   * server, Prometheus to each target it scrapes (kube-state-metrics and the chaos-exporter as pods; node-exporter,
   * on the host network, and the kubelets as node addresses), Prometheus to Alertmanager, Grafana to Prometheus,
   * Alertmanager to its receivers. Who may write to Prometheus (load generators) and query it (probes) is the
   * composition's to say.
   */
  public networkFlows(cluster: ClusterNetwork): NetworkFlow[] {
    const prometheus = this.prometheus.pods;
    const scrape = (ports: readonly { port: number }[]): { port: number }[] => ports.map((p) => ({ port: p.port }));
    const kubeletPort = this.operator.kubeletService.ports.find((p) => p.name === this.kubelet.portName);
    const flows: NetworkFlow[] = [
      cluster.toApiServer(this.operator.pods, 'prometheus-operator reconciles Prometheus, Alertmanager and the kubelet Service'),
      cluster.toApiServer(this.kubeStateMetrics.pods, 'kube-state-metrics lists and watches the objects it reports on'),
      cluster.toApiServer(prometheus, 'Prometheus discovers its targets and scrapes the API server'),
      cluster.toApiServer(this.chaosExporter.pods, 'the chaos-exporter watches ChaosEngines and ChaosResults'),
      { from: prometheus, to: this.kubeStateMetrics.pods, ports: scrape(this.kubeStateMetrics.ports), why: 'scrapes kube-state-metrics' },
      { from: prometheus, to: this.chaosExporter.pods, ports: scrape(this.chaosExporter.ports), why: 'scrapes the chaos-exporter' },
      { from: prometheus, to: cluster.nodes, ports: scrape(this.nodeExporter.ports), why: 'scrapes node-exporter (host network)' },
      ...(kubeletPort === undefined ? [] : [{ from: prometheus, to: cluster.nodes, ports: [{ port: kubeletPort.port }], why: 'scrapes the kubelets and cAdvisor' }]),
      { from: prometheus, to: this.alertmanager.pods, ports: [{ port: this.alertmanager.webPort }], why: 'sends alerts' },
      { from: this.grafana.pods, to: prometheus, ports: [{ port: this.prometheus.webPort }], why: 'queries its datasource' },
      cluster.toDns(this.grafana.pods),
    ];
    const receiverPorts = [...new Set(this.alertmanager.receivers.flatMap((r) => r.destinationPorts))];
    if (receiverPorts.length > 0) {
      flows.push(
        { from: this.alertmanager.pods, to: AddressBlock.any('the alert receivers'), ports: receiverPorts.map((port) => ({ port })), why: 'notifies its receivers' },
        cluster.toDns(this.alertmanager.pods),
      );
    }
    if (this.alertmanager.replicas > 1) {
      const gossip = [{ port: this.alertmanager.clusterPort }, { port: this.alertmanager.clusterPort, protocol: 'UDP' as const }];
      flows.push({ from: this.alertmanager.pods, to: this.alertmanager.pods, ports: gossip, why: 'replicas gossip to deduplicate notifications' });
    }
    return flows;
  }
}
