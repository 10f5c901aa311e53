#!/usr/bin/env bash
# Builds the node's add-ons from their Go modules into the cache, each in a throwaway main module:
#   coredns         github.com/coredns/coredns@$COREDNS_VERSION (cluster DNS, no forwarder)
#   crictl          sigs.k8s.io/cri-tools@$CRICTL_VERSION (teardown stops sandboxes through CRI so CNI DEL runs)
#   metrics-server  sigs.k8s.io/metrics-server@$METRICS_SERVER_VERSION (the HPA's resource metrics)
# Idempotent: "warm" when all are cached, else "cold: built in N s".
build_name=build-addons.sh
source "$(dirname "$0")/lib.sh"

all_built() {
  [ -x "$(path_of coredns "$COREDNS_VERSION")" ] && [ -x "$(path_of crictl "$CRICTL_VERSION")" ] &&
    [ -x "$(path_of metrics-server "$METRICS_SERVER_VERSION")" ]
}
if all_built; then log "warm: coredns, crictl, metrics-server cached ($(elapsed))"; exit 0; fi
start_build addons-build.lock "the node add-ons"

# module_build NAME VERSION MODULE PKG IMPORTS LDFLAGS
module_build() {
  local name="$1" ver="$2" mod="$3" pkg="$4" imports="$5" ld="$6" t0 i
  [ -x "$(path_of "$name" "$ver")" ] && return 0
  t0=$(date +%s)
  local dir="$cache/build/$name-$ver"
  rm -rf "$dir"; mkdir -p "$dir/out"
  printf 'module chaos-stack.local/%s-build\n\ngo %s\n\nrequire %s %s\n' "$name" "$go_version" "$mod" "$ver" >"$dir/go.mod"
  if [ -n "$imports" ]; then
    { printf 'package build\n\nimport (\n'; for i in $imports; do printf '\t_ "%s"\n' "$i"; done; printf ')\n'; } >"$dir/tools.go"
    (cd "$dir" && go mod tidy) || die "go mod tidy for $name failed"
  fi
  (cd "$dir" && go build -p "$parallel" -trimpath -ldflags "-s -w $ld" -o "$dir/out/$name" "$pkg") || die "go build of $name failed"
  install_bin "$name" "$ver" "$dir/out/$name"
  log "$name: $(( $(date +%s) - t0 ))s"
}

module_build coredns "$COREDNS_VERSION" github.com/coredns/coredns github.com/coredns/coredns \
  "github.com/coredns/coredns/core/plugin github.com/coredns/coredns/coremain" \
  "-X github.com/coredns/coredns/coremain.GitCommit=$COREDNS_VERSION"
module_build crictl "$CRICTL_VERSION" sigs.k8s.io/cri-tools sigs.k8s.io/cri-tools/cmd/crictl \
  "" "-X sigs.k8s.io/cri-tools/pkg/version.Version=$CRICTL_VERSION"
module_build metrics-server "$METRICS_SERVER_VERSION" sigs.k8s.io/metrics-server sigs.k8s.io/metrics-server/cmd/metrics-server \
  "sigs.k8s.io/metrics-server/cmd/metrics-server/app" "-X sigs.k8s.io/metrics-server/pkg/version.gitVersion=$METRICS_SERVER_VERSION"
log "cold: built in $(elapsed)"
