#!/usr/bin/env bash
# Every build of the real node, in order, each with its time: prerequisites (seconds), the control plane
# (tools/cluster/build.sh), kubelet/kube-proxy/pause, CoreDNS/crictl/metrics-server, the Litmus binaries, the images.
# Each step is a no-op when its outputs are cached (a warm run takes seconds).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
t_all=$(date +%s)
step() { local t0; t0=$(date +%s); bash "$@"; echo "build-all.sh: $(basename "$1") took $(( $(date +%s) - t0 ))s" >&2; }
step "$here/prereqs.sh" ${PREREQS_INSTALL:+--install}
step "$here/../cluster/build.sh"
step "$here/build-node.sh"
step "$here/build-addons.sh"
step "$here/build-litmus.sh"
step "$here/build-images.sh"
echo "build-all.sh: all builds in $(( $(date +%s) - t_all ))s" >&2
