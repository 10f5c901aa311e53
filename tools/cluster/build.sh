#!/usr/bin/env bash
# Builds the pinned binaries of the local control plane from their Go modules:
#   kube-apiserver, kube-controller-manager, kube-scheduler, kubectl  (k8s.io/kubernetes)
#   etcd                                                              (go.etcd.io/etcd/server/v3)
#   kwok                                                              (sigs.k8s.io/kwok/cmd/kwok)
# into ${CHAOS_STACK_CACHE:-$HOME/.cache/chaos-stack}/bin/<name>-<version>/<name>.
# Versions come from tools/cluster/versions.env. When every binary is there it does nothing.
# Each tool is built in a throwaway Go module under the cache dir, because the upstream
# modules carry replace directives that only apply when they are the main module.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
source "$here/versions.env"
build_name=build.sh
# shellcheck source=build-lib.sh
source "$here/build-lib.sh"
k8s_names=(kube-apiserver kube-controller-manager kube-scheduler kubectl)

all_built() {
  local n
  for n in "${k8s_names[@]}"; do [ -x "$(path_of "$n" "$KUBERNETES_VERSION")" ] || return 1; done
  [ -x "$(path_of etcd "$ETCD_VERSION")" ] || return 1
  [ -x "$(path_of kwok "$KWOK_VERSION")" ] || return 1
}

if all_built; then
  exit 0
fi

start_build build.lock "the local control plane"

# new_module DIR MODULE@VERSION: a throwaway main module that requires MODULE at VERSION.
new_module() {
  local dir="$1" mod="$2" ver="$3"
  rm -rf "$dir"
  mkdir -p "$dir"
  printf 'module chaos-stack.local/build\n\ngo %s\n\nrequire %s %s\n' "$go_version" "$mod" "$ver" >"$dir/go.mod"
}

build_kubernetes() {
  local v="$KUBERNETES_VERSION" sv="$KUBERNETES_STAGING_VERSION" n missing=0
  for n in "${k8s_names[@]}"; do [ -x "$(path_of "$n" "$v")" ] || missing=1; done
  [ "$missing" = 1 ] || return 0
  local dir="$cache/build/kubernetes-$v"
  log "building ${k8s_names[*]} from k8s.io/kubernetes@$v (staging modules $sv)"
  new_module "$dir" k8s.io/kubernetes "$v"
  local upstream_gomod
  upstream_gomod="$(cd "$dir" && go mod download -json "k8s.io/kubernetes@$v" | sed -n -E 's/^[[:space:]]*"GoMod": "(.*)",?$/\1/p')"
  [ -f "$upstream_gomod" ] || die "could not download the go.mod of k8s.io/kubernetes@$v"
  # Every k8s.io/<staging module> that k8s.io/kubernetes requires at v0.0.0 maps to its published version.
  local staging
  staging="$(sed -n -E 's/^[[:space:]]*(require[[:space:]]+)?(k8s\.io\/[^[:space:]]+)[[:space:]]+v0\.0\.0([[:space:]].*)?$/\2/p' "$upstream_gomod" | sort -u)"
  [ -n "$staging" ] || die "found no k8s.io/* v0.0.0 requirements in $upstream_gomod"
  {
    echo
    echo 'replace ('
    for n in $staging; do echo "	$n => $n $sv"; done
    echo ')'
  } >>"$dir/go.mod"
  log "$(echo "$staging" | wc -l) staging modules replaced by $sv"
  local major minor
  major="$(echo "$v" | sed -E 's/^v([0-9]+)\..*/\1/')"
  minor="$(echo "$v" | sed -E 's/^v[0-9]+\.([0-9]+)\..*/\1/')"
  local ld="-s -w" pkg
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld="$ld -X $pkg.gitVersion=$v -X $pkg.gitMajor=$major -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
    ld="$ld -X $pkg.buildDate=1970-01-01T00:00:00Z"
  done
  local out="$dir/out"
  mkdir -p "$out"
  (cd "$dir" && go build -p "$parallel" -trimpath -ldflags "$ld" -o "$out/" \
    k8s.io/kubernetes/cmd/kube-apiserver \
    k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kube-scheduler \
    k8s.io/kubernetes/cmd/kubectl) || die "go build of k8s.io/kubernetes@$v failed (see above)"
  for n in "${k8s_names[@]}"; do install_bin "$n" "$v" "$out/$n"; done
}

build_etcd() {
  local v="$ETCD_VERSION"
  [ -x "$(path_of etcd "$v")" ] && return 0
  local dir="$cache/build/etcd-$v"
  log "building etcd from go.etcd.io/etcd/server/v3@$v"
  new_module "$dir" go.etcd.io/etcd/server/v3 "$v"
  (cd "$dir" && go build -p "$parallel" -trimpath -ldflags "-s -w" -o "$dir/etcd" go.etcd.io/etcd/server/v3) \
    || die "go build of go.etcd.io/etcd/server/v3@$v failed (see above)"
  install_bin etcd "$v" "$dir/etcd"
}

build_kwok() {
  local v="$KWOK_VERSION"
  [ -x "$(path_of kwok "$v")" ] && return 0
  local dir="$cache/build/kwok-$v"
  log "building kwok from sigs.k8s.io/kwok@$v"
  new_module "$dir" sigs.k8s.io/kwok "$v"
  (cd "$dir" && go build -p "$parallel" -trimpath -ldflags "-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=$v" -o "$dir/kwok" sigs.k8s.io/kwok/cmd/kwok) \
    || die "go build of sigs.k8s.io/kwok@$v failed (see above)"
  install_bin kwok "$v" "$dir/kwok"
}

build_etcd
build_kwok
build_kubernetes
log "all binaries built in $(( $(date +%s) - started ))s under $bin"
