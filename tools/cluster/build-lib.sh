# Shared by tools/cluster/build.sh and tools/cluster/build-pulumi.sh (sourced, not run): the binary cache layout,
# logging, and the start of a Go build. The sourcing script sets `build_name` first and defines `all_built`.

cache="${CHAOS_STACK_CACHE:-$HOME/.cache/chaos-stack}"
bin="$cache/bin"

# path_of NAME VERSION: where a built binary lives in the cache.
path_of() { echo "$bin/$1-$2/$1"; }

log() { echo "$build_name: $*" >&2; }

# install_bin NAME VERSION FILE: moves a built binary into its versioned cache folder atomically.
install_bin() {
  local name="$1" ver="$2" file="$3" dest
  dest="$(path_of "$name" "$ver")"
  mkdir -p "$(dirname "$dest")"
  mv -f "$file" "$dest.tmp"
  mv -f "$dest.tmp" "$dest"
  log "built $dest ($(du -h "$dest" | cut -f1))"
}
die() { log "ERROR: $*"; exit 1; }

# scratch_dir NAME: an emptied folder $cache/build/tmp/NAME that becomes TMPDIR and GOTMPDIR, called under the
# build's lock. A build killed mid-way (CI's budget, tools/node/ci.sh, sends SIGTERM) leaves its temporary files
# behind: `go` only removes its work folder on SIGINT, and mktemp folders are removed by the script's last lines.
# Here they are emptied by the next build of the same lock instead of piling up in /tmp.
scratch_dir() {
  local d="$cache/build/tmp/$1"
  rm -rf "$d"
  mkdir -p "$d"
  export TMPDIR="$d" GOTMPDIR="$d"
}

# start_build LOCK_FILE WHAT: checks for Go, takes the build lock (one build at a time: tests and verify may call a
# build concurrently; exits 0 if another build finished everything meanwhile), and sets the Go build environment.
# Resumable after a kill: the lock is an flock (released with the killed processes), binaries only appear in the
# cache through install_bin's rename (a killed build leaves no half-written binary there), the throwaway modules
# under $cache/build are recreated from scratch, and Go's build cache keeps every package compiled before the kill.
start_build() {
  command -v go >/dev/null 2>&1 || die "the Go toolchain ('go') is not on PATH; install Go >= 1.24 to build $2"
  mkdir -p "$bin" "$cache/build"
  exec 9>"$cache/$1"
  if command -v flock >/dev/null 2>&1; then
    flock 9
    if all_built; then exit 0; fi
  fi
  scratch_dir "${1%.lock}"
  export GOFLAGS="-mod=mod -buildvcs=false"
  export GOTOOLCHAIN=local
  export CGO_ENABLED=0
  go_version="$(go env GOVERSION | sed -E 's/^go([0-9]+\.[0-9]+(\.[0-9]+)?).*/\1/')"
  parallel="${CHAOS_STACK_BUILD_PARALLELISM:-2}"
  started=$(date +%s)
}
