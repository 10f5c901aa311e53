#!/usr/bin/env bash
# Builds the node's own binaries into the cache (bin/<name>-<version>/<name>):
#   kubelet, kube-proxy  k8s.io/kubernetes@$KUBERNETES_VERSION (tools/cluster/versions.env), in a throwaway module
#                        of their own (tools/cluster/build.sh's module is not touched; the Go build cache is shared)
#   pause                build/pause/linux/pause.c of the same release, static (gcc)
# Idempotent: prints "warm" and does nothing when all are there, else "cold: built in N s".
build_name=build-node.sh
source "$(dirname "$0")/lib.sh"
v="$KUBERNETES_VERSION" sv="$KUBERNETES_STAGING_VERSION"
names=(kubelet kube-proxy)

all_built() {
  local n
  for n in "${names[@]}"; do [ -x "$(path_of "$n" "$v")" ] || return 1; done
  [ -x "$(path_of pause "$PAUSE_VERSION")" ]
}
if all_built; then log "warm: kubelet, kube-proxy $v and pause $PAUSE_VERSION cached ($(elapsed))"; exit 0; fi
start_build node-build.lock "kubelet and kube-proxy"

build_k8s() {
  local n missing=0
  for n in "${names[@]}"; do [ -x "$(path_of "$n" "$v")" ] || missing=1; done
  [ "$missing" = 1 ] || return 0
  local dir="$cache/build/node-kubernetes-$v"
  log "building ${names[*]} from k8s.io/kubernetes@$v in $dir"
  rm -rf "$dir"; mkdir -p "$dir/out"
  printf 'module chaos-stack.local/node-build\n\ngo %s\n\nrequire k8s.io/kubernetes %s\n' "$go_version" "$v" >"$dir/go.mod"
  local gomod staging
  gomod="$(cd "$dir" && go mod download -json "k8s.io/kubernetes@$v" | sed -n -E 's/^[[:space:]]*"GoMod": "(.*)",?$/\1/p')"
  [ -f "$gomod" ] || die "could not download the go.mod of k8s.io/kubernetes@$v"
  # the k8s.io/<staging> modules k8s.io/kubernetes requires at v0.0.0 map to their published $sv
  staging="$(sed -n -E 's/^[[:space:]]*(require[[:space:]]+)?(k8s\.io\/[^[:space:]]+)[[:space:]]+v0\.0\.0([[:space:]].*)?$/\2/p' "$gomod" | sort -u)"
  { echo; echo 'replace ('; for n in $staging; do echo "	$n => $n $sv"; done; echo ')'; } >>"$dir/go.mod"
  # kubelet and kube-proxy need modules the API server does not (cadvisor, libcontainer, knftables): importing their
  # app packages and tidying adds them at the versions k8s.io/kubernetes pins.
  printf 'package build\n\nimport (\n\t_ "k8s.io/kubernetes/cmd/kubelet/app"\n\t_ "k8s.io/kubernetes/cmd/kube-proxy/app"\n)\n' >"$dir/tools.go"
  (cd "$dir" && go mod tidy) || die "go mod tidy failed"
  local major minor ld="-s -w" pkg
  major="$(echo "$v" | sed -E 's/^v([0-9]+)\..*/\1/')"; minor="$(echo "$v" | sed -E 's/^v[0-9]+\.([0-9]+)\..*/\1/')"
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld="$ld -X $pkg.gitVersion=$v -X $pkg.gitMajor=$major -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
  done
  (cd "$dir" && go build -p "$parallel" -trimpath -ldflags "$ld" -o "$dir/out/" k8s.io/kubernetes/cmd/kubelet k8s.io/kubernetes/cmd/kube-proxy) \
    || die "go build of kubelet/kube-proxy failed (see above)"
  for n in "${names[@]}"; do install_bin "$n" "$v" "$dir/out/$n"; done
}

build_pause() {
  [ -x "$(path_of pause "$PAUSE_VERSION")" ] && return 0
  command -v gcc >/dev/null || die "gcc is needed to build pause (apt-get install gcc libc6-dev)"
  local src tmp
  src="$(go env GOMODCACHE)/k8s.io/kubernetes@$v/build/pause/linux/pause.c"
  [ -f "$src" ] || (cd "$cache/build" && go mod download "k8s.io/kubernetes@$v") || die "download of k8s.io/kubernetes@$v failed"
  [ -f "$src" ] || die "no $src"
  tmp="$(mktemp -d)"
  gcc -Os -Wall -Werror -static -DVERSION="v$PAUSE_VERSION-chaos-stack" -o "$tmp/pause" "$src" || die "gcc failed"
  strip "$tmp/pause"
  install_bin pause "$PAUSE_VERSION" "$tmp/pause"
  rm -rf "$tmp"
}

build_pause
build_k8s
log "cold: built in $(elapsed)"
