import { type k8s } from 'cdk8s-plus-27';

export interface RestrictedPodOptions {
  /**
   * Primary group of the processes.
   * @default - the uid
   */
  readonly gid?: number;
  /**
   * Give writable volumes (emptyDirs) to the group (`fsGroup`).
   * @default true
   */
  readonly fsGroup?: boolean;
}

/**
 * Pod-level security context that meets the `restricted` Pod Security level: a fixed non-root user, the
 * RuntimeDefault seccomp profile and, by default, an fsGroup for writable volumes. Every construct that runs a pod
 * uses it, so the level is declared once.
 */
export function restrictedPod(uid: number, opts: RestrictedPodOptions = {}): k8s.PodSecurityContext {
  const gid = opts.gid ?? uid;
  return {
    runAsNonRoot: true, runAsUser: uid, runAsGroup: gid,
    ...(opts.fsGroup ?? true ? { fsGroup: gid } : {}),
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** Container security context of the `restricted` level, with a read-only root filesystem and no capabilities. */
export const RESTRICTED_CONTAINER: k8s.SecurityContext = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  runAsNonRoot: true,
  capabilities: { drop: ['ALL'] },
};
