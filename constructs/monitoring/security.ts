import { k8s } from 'cdk8s-plus-27';

/** CPU and memory requests and limits from strings. */
export function resources(requests: { cpu: string; memory: string }, limits: { cpu?: string; memory: string }): k8s.ResourceRequirements {
  const q = (v: string): k8s.Quantity => k8s.Quantity.fromString(v);
  return {
    requests: { cpu: q(requests.cpu), memory: q(requests.memory) },
    limits: limits.cpu === undefined ? { memory: q(limits.memory) } : { cpu: q(limits.cpu), memory: q(limits.memory) },
  };
}

/** The standard `app.kubernetes.io/*` labels of a monitoring component. */
export function componentLabels(name: string, version: string, component?: string): Record<string, string> {
  return {
    'app.kubernetes.io/name': name,
    'app.kubernetes.io/version': version.replace(/^v/, ''),
    'app.kubernetes.io/part-of': 'chaos-monitoring',
    ...(component === undefined ? {} : { 'app.kubernetes.io/component': component }),
  };
}
