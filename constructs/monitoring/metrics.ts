/**
 * The typed table of metric names each exporter of the stack provides. The wiring checks use it to reject a
 * dashboard query (or rule) that reads a metric nothing scrapes, which would otherwise draw an empty panel.
 * The lists hold the metrics the stack's rules and dashboards use plus the ones most often queried next to them;
 * add a name here when a new query needs it.
 */

/** The exporters (scrape sources) a monitoring stack can contain. */
export enum Exporter {
  NODE_EXPORTER = 'node-exporter',
  KUBE_STATE_METRICS = 'kube-state-metrics',
  /** The kubelet's own /metrics endpoint. */
  KUBELET = 'kubelet',
  /** cAdvisor, served by the kubelet on /metrics/cadvisor: per-container CPU, memory and network. */
  CADVISOR = 'cadvisor',
  API_SERVER = 'apiserver',
  CHAOS_EXPORTER = 'chaos-exporter',
  /** k6 load tests, which push through Prometheus's remote-write receiver (see constructs/slo). */
  K6 = 'k6',
}

/** Series Prometheus itself writes for every scrape target, whatever the exporter. */
export const SCRAPE_METRICS: readonly string[] = [
  'up', 'scrape_duration_seconds', 'scrape_samples_scraped', 'scrape_samples_post_metric_relabeling', 'scrape_series_added',
];

/** Metric names per exporter. */
export const EXPORTER_METRICS: Readonly<Record<Exporter, readonly string[]>> = {
  [Exporter.NODE_EXPORTER]: [
    'node_cpu_seconds_total',
    'node_load1', 'node_load5', 'node_load15',
    'node_memory_MemTotal_bytes', 'node_memory_MemAvailable_bytes', 'node_memory_MemFree_bytes',
    'node_memory_Buffers_bytes', 'node_memory_Cached_bytes',
    'node_network_receive_bytes_total', 'node_network_transmit_bytes_total',
    'node_network_receive_drop_total', 'node_network_transmit_drop_total',
    'node_network_receive_errs_total', 'node_network_transmit_errs_total',
    'node_disk_io_time_seconds_total', 'node_disk_read_bytes_total', 'node_disk_written_bytes_total',
    'node_filesystem_avail_bytes', 'node_filesystem_size_bytes',
    'node_boot_time_seconds', 'node_uname_info',
  ],
  [Exporter.KUBE_STATE_METRICS]: [
    'kube_deployment_spec_replicas', 'kube_deployment_status_replicas', 'kube_deployment_status_replicas_available',
    'kube_deployment_status_replicas_unavailable', 'kube_deployment_status_replicas_ready',
    'kube_horizontalpodautoscaler_spec_min_replicas', 'kube_horizontalpodautoscaler_spec_max_replicas',
    'kube_horizontalpodautoscaler_status_current_replicas', 'kube_horizontalpodautoscaler_status_desired_replicas',
    'kube_pod_info', 'kube_pod_status_phase', 'kube_pod_status_ready', 'kube_pod_container_status_restarts_total',
    'kube_pod_container_status_ready', 'kube_node_info', 'kube_node_status_condition', 'kube_namespace_status_phase',
  ],
  [Exporter.KUBELET]: [
    'kubelet_running_pods', 'kubelet_running_containers', 'kubelet_pod_start_duration_seconds_bucket',
    'kubelet_volume_stats_used_bytes', 'kubelet_volume_stats_capacity_bytes',
  ],
  [Exporter.CADVISOR]: [
    'container_cpu_usage_seconds_total', 'container_cpu_cfs_throttled_periods_total', 'container_cpu_cfs_periods_total',
    'container_memory_working_set_bytes', 'container_memory_usage_bytes', 'container_memory_rss',
    'container_spec_memory_limit_bytes', 'container_spec_cpu_quota',
    'container_network_receive_bytes_total', 'container_network_transmit_bytes_total',
    'container_network_receive_packets_dropped_total', 'container_network_transmit_packets_dropped_total',
  ],
  [Exporter.API_SERVER]: [
    'apiserver_request_total', 'apiserver_request_duration_seconds_bucket', 'apiserver_current_inflight_requests',
  ],
  [Exporter.CHAOS_EXPORTER]: [
    'litmuschaos_passed_experiments', 'litmuschaos_failed_experiments', 'litmuschaos_awaited_experiments',
    'litmuschaos_probe_success_percentage', 'litmuschaos_experiment_verdict',
    'litmuschaos_experiment_start_time', 'litmuschaos_experiment_end_time', 'litmuschaos_experiment_chaos_injected_time',
    'litmuschaos_experiment_total_duration',
    'litmuschaos_namespace_scoped_passed_experiments', 'litmuschaos_namespace_scoped_failed_experiments',
    'litmuschaos_namespace_scoped_awaited_experiments', 'litmuschaos_namespace_scoped_experiments_run_count',
    'litmuschaos_namespace_scoped_experiments_installed_count',
    'litmuschaos_cluster_scoped_passed_experiments', 'litmuschaos_cluster_scoped_failed_experiments',
    'litmuschaos_cluster_scoped_awaited_experiments', 'litmuschaos_cluster_scoped_experiments_run_count',
    'litmuschaos_cluster_scoped_experiments_installed_count',
  ],
  [Exporter.K6]: [
    'k6_http_reqs_total', 'k6_http_req_failed_rate', 'k6_http_req_duration_p95', 'k6_http_req_duration_p99',
    'k6_iterations_total', 'k6_vus', 'k6_data_sent_total', 'k6_data_received_total',
  ],
};

/** Marks a construct as a source of metrics; the wiring checks find sources by this marker in the construct tree. */
export const METRICS_SOURCE = Symbol.for('chaos-stack.monitoring.MetricsSource');

/** Something scraped by the stack's Prometheus that provides metrics of the given exporters. */
export interface IMetricsSource {
  readonly [METRICS_SOURCE]: true;
  /** The exporters this source provides (the kubelet scrape provides both kubelet and cAdvisor metrics). */
  readonly exporters: readonly Exporter[];
}

/** True when `x` is a metrics source (see {@link IMetricsSource}). */
export function isMetricsSource(x: unknown): x is IMetricsSource {
  return typeof x === 'object' && x !== null && (x as Partial<IMetricsSource>)[METRICS_SOURCE] === true;
}

/** PromQL words that look like identifiers but are not metric names. */
const PROMQL_KEYWORDS = new Set([
  'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan',
  'atan2', 'start', 'end',
]);

/**
 * The metric names a PromQL expression reads. A small lexer, enough for the queries of this stack: it drops
 * strings, label matchers (`{...}`), ranges (`[...]`), grouping clauses (`by (...)`, `on (...)`, ...),
 * Grafana variables (`$__rate_interval`, `${x}`), numbers and durations, then keeps identifiers that are not
 * followed by `(` (functions and aggregations) and are not keywords.
 */
export function metricNames(expr: string): string[] {
  let s = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, ' ')
    .replace(/\$\{[^}]*\}|\$[A-Za-z_][A-Za-z0-9_]*/g, ' ')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\boffset\s+-?[0-9a-z.]+/gi, ' ');
  s = s.replace(/(^|[^A-Za-z0-9_:.])[0-9][0-9a-zA-Z._]*/g, '$1 ');
  const names = new Set<string>();
  for (const m of s.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)) {
    const after = s.slice((m.index ?? 0) + m[0].length);
    if (/^\s*\(/.test(after)) continue;
    if (PROMQL_KEYWORDS.has(m[0].toLowerCase())) continue;
    names.add(m[0]);
  }
  return [...names];
}
