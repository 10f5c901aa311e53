import { k8s } from 'cdk8s-plus-27';

/**
 * Pod-level security context that meets the `restricted` Pod Security level: a fixed non-root user, the
 * RuntimeDefault seccomp profile and an fsGroup for writable volumes.
 */
export function restrictedPod(uid: number, gid: number = uid): k8s.PodSecurityContext {
  return { runAsNonRoot: true, runAsUser: uid, runAsGroup: gid, fsGroup: gid, seccompProfile: { type: 'RuntimeDefault' } };
}

/** Container security context of the `restricted` level, with a read-only root filesystem. */
export const RESTRICTED_CONTAINER: k8s.SecurityContext = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  runAsNonRoot: true,
  capabilities: { drop: ['ALL'] },
};

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
