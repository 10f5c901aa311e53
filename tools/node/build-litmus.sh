#!/usr/bin/env bash
# Builds the real Litmus binaries from the upstream source trees in $LITMUS_SRC (default ../shared/src beside the
# repository; read-only: -mod=readonly, output into the cache, nothing written to the sources):
#   experiments, helpers  litmus-go $LITMUS_GO_VERSION (./bin/experiment, ./bin/helper: the go-runner image)
#   chaos-operator        chaos-operator $CHAOS_OPERATOR_VERSION (./main.go)
#   chaos-runner          chaos-runner $CHAOS_RUNNER_VERSION (./bin)
# Idempotent: "warm" when all are cached, else "cold: built in N s".
build_name=build-litmus.sh
source "$(dirname "$0")/lib.sh"

all_built() {
  [ -x "$(path_of experiments "$LITMUS_GO_VERSION")" ] && [ -x "$(path_of helpers "$LITMUS_GO_VERSION")" ] &&
    [ -x "$(path_of chaos-operator "$CHAOS_OPERATOR_VERSION")" ] && [ -x "$(path_of chaos-runner "$CHAOS_RUNNER_VERSION")" ]
}
if all_built; then log "warm: litmus-go $LITMUS_GO_VERSION, chaos-operator/runner $CHAOS_OPERATOR_VERSION cached ($(elapsed))"; exit 0; fi
start_build litmus-build.lock "the Litmus binaries"
export GOFLAGS="-buildvcs=false -mod=readonly"

# one NAME VERSION SRCDIR PKG
one() {
  local name="$1" ver="$2" src="$3" pkg="$4" t0 tmp
  [ -x "$(path_of "$name" "$ver")" ] && return 0
  [ -d "$src" ] || die "no source folder $src (set LITMUS_SRC to the folder holding litmus-go-$LITMUS_GO_VERSION, chaos-operator-$CHAOS_OPERATOR_VERSION, chaos-runner-$CHAOS_RUNNER_VERSION)"
  t0=$(date +%s); tmp="$(mktemp -d)"
  (cd "$src" && go build -p "$parallel" -trimpath -ldflags "-s -w" -o "$tmp/$name" "$pkg") || die "go build of $name failed"
  install_bin "$name" "$ver" "$tmp/$name"
  rm -rf "$tmp"
  log "$name: $(( $(date +%s) - t0 ))s"
}

one experiments "$LITMUS_GO_VERSION" "$LITMUS_SRC/litmus-go-$LITMUS_GO_VERSION" ./bin/experiment
one helpers "$LITMUS_GO_VERSION" "$LITMUS_SRC/litmus-go-$LITMUS_GO_VERSION" ./bin/helper
one chaos-operator "$CHAOS_OPERATOR_VERSION" "$LITMUS_SRC/chaos-operator-$CHAOS_OPERATOR_VERSION" ./main.go
one chaos-runner "$CHAOS_RUNNER_VERSION" "$LITMUS_SRC/chaos-runner-$CHAOS_RUNNER_VERSION" ./bin
log "cold: built in $(elapsed)"
