/**
 * Pinned versions and images of the monitoring stack, in one place (lib/versions.ts holds the Litmus pins and
 * the prometheus-operator release whose CRDs lib/imports is generated from). Every image is pinned to a tag,
 * never `:latest`; bumping one is a one-line change reviewed through the manifest snapshots.
 */
import { IMAGES, LITMUS_VERSION, PROMETHEUS_OPERATOR_VERSION } from '../../lib/versions';

/** Prometheus server version the Prometheus CR runs (the 3.5 long-term-support line). */
export const PROMETHEUS_VERSION = 'v3.5.0';

/** Alertmanager version the Alertmanager CR runs. */
export const ALERTMANAGER_VERSION = 'v0.28.1';

/** Grafana version. */
export const GRAFANA_VERSION = '12.4.0';

/** node-exporter version. */
export const NODE_EXPORTER_VERSION = 'v1.9.1';

/** kube-state-metrics version. */
export const KUBE_STATE_METRICS_VERSION = 'v2.16.0';

/** Container images of the monitoring stack. */
export const MONITORING_IMAGES = {
  prometheusOperator: `quay.io/prometheus-operator/prometheus-operator:${PROMETHEUS_OPERATOR_VERSION}`,
  prometheusConfigReloader: `quay.io/prometheus-operator/prometheus-config-reloader:${PROMETHEUS_OPERATOR_VERSION}`,
  prometheus: `quay.io/prometheus/prometheus:${PROMETHEUS_VERSION}`,
  alertmanager: `quay.io/prometheus/alertmanager:${ALERTMANAGER_VERSION}`,
  grafana: `docker.io/grafana/grafana:${GRAFANA_VERSION}`,
  nodeExporter: `quay.io/prometheus/node-exporter:${NODE_EXPORTER_VERSION}`,
  kubeStateMetrics: `registry.k8s.io/kube-state-metrics/kube-state-metrics:${KUBE_STATE_METRICS_VERSION}`,
  /** Litmus chaos-exporter, same release as the operator. */
  chaosExporter: IMAGES.chaosExporter,
} as const;

export { LITMUS_VERSION, PROMETHEUS_OPERATOR_VERSION };
