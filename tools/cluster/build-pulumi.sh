#!/usr/bin/env bash
# Builds the Pulumi engine pieces that the Automation API needs, from their Go modules, at pinned versions:
#   pulumi                      github.com/pulumi/pulumi/pkg/v3/cmd/pulumi                          @ v3.274.1
#   pulumi-resource-kubernetes  github.com/pulumi/pulumi-kubernetes/provider/v4/cmd/pulumi-resource-kubernetes
#                               @ v4.0.0-20260115033456-f47bc2d6f199 (the commit tagged v4.25.0), linked as 4.25.0
# into ${CHAOS_STACK_CACHE:-$HOME/.cache/chaos-stack}/bin/<name>-<version>/<name>, then installs the provider as a
# plugin into PULUMI_HOME=<cache>/pulumi-home (so nothing is downloaded at run time):
#   pulumi plugin install resource kubernetes v4.25.0 --file <binary>
# No language host is built: the Automation API with an inline program hosts the Node.js runtime in the calling
# process and the CLI connects to it (`pulumi up --client=<address>`), so pulumi-language-nodejs is never started.
#
# Does nothing (and says so) when everything is there. Safe to run concurrently: one build at a time under
# <cache>/build-pulumi.lock (flock); a waiter that finds everything built meanwhile exits 0. Every module is
# checked with `go mod download -json` before anything is built, and every refused one is named.
#
#   build-pulumi.sh               build what is missing; prints the paths
#   build-pulumi.sh --print-env   prints PATH and PULUMI_HOME lines to use
#   build-pulumi.sh --check       exit 0 when everything is built, 1 when not; builds nothing
#
# Versions can be overridden from the environment (e.g. to try another release):
#   PULUMI_CLI_VERSION, K8S_PROVIDER_MODULE_VERSION, K8S_PROVIDER_VERSION, K8S_SDK_VERSION.
#
# How each piece is built:
# - pkg/v3's go.mod has `replace github.com/pulumi/pulumi/sdk/v3 => ../sdk` (a sibling in the same repository) and
#   non-relative replaces (github.com/atotto/clipboard => github.com/tgummerer/clipboard ...). Go applies replaces
#   only in the main module, so the CLI is built from a throwaway main module that requires pkg/v3, requires the
#   published sibling sdk/v3 at the same version instead of ../sdk, and copies the non-relative replaces (read
#   from the downloaded go.mod, not hand-listed). The version is linked with
#   -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v<version>.
# - The provider embeds schema-embed.json and terraform-mapping-embed.json (generated, absent from the module
#   zip). Its source is copied out of the read-only module cache and built inside the copy, so its own go.mod is
#   the main module; `replace .../sdk/v4 => ../sdk` is dropped for the published sdk/v4, and the embed files are
#   made by running the module's own generate.go (`VERSION=<v> go run generate.go` in cmd/pulumi-resource-kubernetes).
#   The version is linked with -X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=<v>.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
t_start=$EPOCHREALTIME

build_name=build-pulumi.sh
# shellcheck source=build-lib.sh
source "$here/build-lib.sh"

# --- pinned versions -------------------------------------------------------------------------------------------
# shellcheck source=pulumi-versions.env
source "$here/pulumi-versions.env"
PULUMI_VERSION="${PULUMI_CLI_VERSION:-$PINNED_PULUMI_CLI_VERSION}"
K8S_MOD_VERSION="${K8S_PROVIDER_MODULE_VERSION:-$PINNED_K8S_PROVIDER_MODULE_VERSION}" # = the tagged commit
K8S_PROVIDER_VERSION="${K8S_PROVIDER_VERSION:-$PINNED_K8S_PROVIDER_VERSION}"         # linked and installed as
K8S_SDK_VERSION="${K8S_SDK_VERSION:-$K8S_PROVIDER_VERSION}"                           # published sdk/v4 for ../sdk

PKG_MOD=github.com/pulumi/pulumi/pkg/v3
SDK_MOD=github.com/pulumi/pulumi/sdk/v3
K8S_MOD=github.com/pulumi/pulumi-kubernetes/provider/v4
K8S_SDK_MOD=github.com/pulumi/pulumi-kubernetes/sdk/v4
CLI_VERSION_VAR=github.com/pulumi/pulumi/sdk/v3/go/common/version.Version
K8S_VERSION_VAR=$K8S_MOD/pkg/version.Version

pulumi_home="$cache/pulumi-home"
CLI="$(path_of pulumi "$PULUMI_VERSION")"
PROVIDER="$(path_of pulumi-resource-kubernetes "$K8S_PROVIDER_VERSION")"
PLUGIN_DIR="$pulumi_home/plugins/resource-kubernetes-$K8S_PROVIDER_VERSION"

if [ "${1:-}" = "--print-env" ]; then
  echo "PATH=$(dirname "$CLI"):\$PATH"
  echo "PULUMI_HOME=$pulumi_home"
  exit 0
fi

elapsed() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2fs", b - a }'; }

# The plugin is installed when its binary is there and pulumi's own in-progress marker is not.
plugin_installed() { [ -x "$PLUGIN_DIR/pulumi-resource-kubernetes" ] && [ ! -e "$PLUGIN_DIR.partial" ]; }
all_built() { [ -x "$CLI" ] && [ -x "$PROVIDER" ] && plugin_installed; }

if [ "${1:-}" = "--check" ]; then all_built; exit; fi

report() {
  echo "$CLI"
  echo "$PROVIDER"
  echo "$PLUGIN_DIR/pulumi-resource-kubernetes"
}

if all_built; then
  log "pulumi $PULUMI_VERSION and pulumi-resource-kubernetes $K8S_PROVIDER_VERSION already built; nothing to do ($(elapsed "$t_start"))"
  report
  exit 0
fi

# start_build waits for <cache>/build-pulumi.lock and exits 0 if another run built everything meanwhile: say so.
holding_lock=
trap 'rc=$?; if [ "$rc" = 0 ] && [ -z "$holding_lock" ]; then
  log "another run built everything while this one waited for the lock ($(elapsed "$t_start"))"; report; fi' EXIT
log "waiting for the build lock $cache/build-pulumi.lock (if another run holds it)"
start_build build-pulumi.lock "the Pulumi CLI and the Kubernetes provider"
holding_lock=1
log "build lock taken after $(elapsed "$t_start")"

# go_errors TEXT: the module proxy's refusals in go's output, one `module@version: reason` per line.
go_errors() {
  sed -n -E 's#.*reading https?://[^/ ]+/(.+)/@v/([^/ ]+)\.(zip|mod|info): (.*)$#\1@\2: \4#p' <<<"$1" | sort -u
}

# download MOD VERSION FIELD: `go mod download -json` of one module; prints FIELD (GoMod or Dir). Dies with the
# module proxy's own answer when the module cannot be had (e.g. `403 Forbidden ... not available`).
download() {
  local mod="$1" ver="$2" field="$3" scratch json value err
  scratch="$cache/build/download"
  mkdir -p "$scratch"
  # written aside then renamed: a kill between the truncation and the write would leave an empty go.mod for good
  [ -s "$scratch/go.mod" ] || { printf 'module chaos-stack.local/download\n\ngo %s\n' "$go_version" >"$scratch/go.mod.tmp" &&
    mv -f "$scratch/go.mod.tmp" "$scratch/go.mod"; }
  json="$(cd "$scratch" && go mod download -json "$mod@$ver" 2>&1)" || true
  err="$(printf '%s\n' "$json" | sed -n -E 's/^[[:space:]]*"Error": "(.*)",?$/\1/p' | head -1)"
  [ -z "$err" ] || die "the Go module $mod@$ver is not available: $(printf '%b' "$err" | tr '\n\t' '  ')"
  value="$(printf '%s\n' "$json" | sed -n -E "s/^[[:space:]]*\"$field\": \"(.*)\",?\$/\1/p" | head -1)"
  [ -n "$value" ] || die "go mod download -json $mod@$ver gave no $field: $json"
  echo "$value"
}

# Check every module first, so a refusal is reported in seconds rather than after a long build; name them all.
preflight() {
  local m refused=()
  for m in "$PKG_MOD@$PULUMI_VERSION" "$SDK_MOD@$PULUMI_VERSION" "$K8S_MOD@$K8S_MOD_VERSION" "$K8S_SDK_MOD@$K8S_SDK_VERSION"; do
    ( download "${m%@*}" "${m#*@}" Dir >/dev/null ) || refused+=("$m")
  done
  [ "${#refused[@]}" = 0 ] || die "cannot build the Pulumi CLI and the Kubernetes provider here; refused module(s): ${refused[*]}"
}

# gomod_json GOMOD: `go mod edit -json` of a go.mod file.
gomod_json() { (cd "$(dirname "$1")" && go mod edit -json "$1"); }

# replaces_of GOMOD KIND: KIND=remote: the non-relative replaces as `old => new` lines;
# KIND=local: the module paths replaced with a local path (siblings in the same repository).
replaces_of() {
  gomod_json "$1" | node -e '
    const kind = process.argv[1];
    const j = JSON.parse(require("fs").readFileSync(0, "utf8"));
    for (const r of j.Replace ?? []) {
      const local = r.New.Path.startsWith(".") || r.New.Path.startsWith("/");
      if (kind === "local" && local) console.log(r.Old.Path);
      if (kind === "remote" && !local) {
        const side = (x) => (x.Version ? `${x.Path} ${x.Version}` : x.Path);
        console.log(`${side(r.Old)} => ${side(r.New)}`);
      }
    }' "$2"
}

# go_in DIR WHAT ARGS...: runs `go ARGS` in DIR; on failure dies naming WHAT and every refused module.
go_in() {
  local dir="$1" what="$2" out rc=0 refused
  shift 2
  out="$(cd "$dir" && go "$@" 2>&1)" || rc=$?
  # go's per-module "downloading" lines are noise here; everything else (warnings, errors) is shown
  grep -v '^go: downloading ' <<<"$out" >&2 || true
  if [ "$rc" != 0 ]; then
    refused="$(go_errors "$out")"
    [ -z "$refused" ] || die "$what failed: refused module(s): $(tr '\n' ' ' <<<"$refused")"
    die "$what failed (go $*, exit $rc; output above)"
  fi
}

build_cli() {
  [ -x "$CLI" ] && return 0
  local v="$PULUMI_VERSION" dir="$cache/build/pulumi-$PULUMI_VERSION" gomod sib line t0=$EPOCHREALTIME
  gomod="$(download "$PKG_MOD" "$v" GoMod)"
  rm -rf "$dir"
  mkdir -p "$dir"
  {
    printf 'module chaos-stack.local/build-pulumi\n\ngo %s\n\nrequire %s %s\n' "$go_version" "$PKG_MOD" "$v"
    # each sibling (sdk/v3 => ../sdk) is published with the same tag as pkg/v3
    for sib in $(replaces_of "$gomod" local); do printf 'require %s %s\n' "$sib" "$v"; done
    while IFS= read -r line; do [ -z "$line" ] || printf 'replace %s\n' "$line"; done < <(replaces_of "$gomod" remote)
  } >"$dir/go.mod"
  log "CLI: main module $dir/go.mod requires $PKG_MOD $v; siblings required: $(replaces_of "$gomod" local | tr '\n' ' '); replaces copied: $(replaces_of "$gomod" remote | tr '\n' ';')"
  go_in "$dir" "resolving $PKG_MOD/cmd/pulumi@$v" get "$PKG_MOD/cmd/pulumi@$v"
  log "CLI: go build $PKG_MOD/cmd/pulumi ($v)"
  go_in "$dir" "go build of $PKG_MOD/cmd/pulumi@$v" build -p "$parallel" -trimpath \
    -ldflags "-s -w -X $CLI_VERSION_VAR=$v" -o "$dir/pulumi" "$PKG_MOD/cmd/pulumi"
  install_bin pulumi "$v" "$dir/pulumi"
  log "CLI built in $(elapsed "$t0")"
}

build_provider() {
  [ -x "$PROVIDER" ] && return 0
  local v="$K8S_PROVIDER_VERSION" src dir cmd sib t0=$EPOCHREALTIME
  src="$(download "$K8S_MOD" "$K8S_MOD_VERSION" Dir)"
  dir="$cache/build/pulumi-resource-kubernetes-$v"
  rm -rf "$dir"
  mkdir -p "$dir"
  cp -R "$src/." "$dir/src"
  chmod -R u+w "$dir/src"
  # siblings outside the copy (sdk/v4 => ../sdk): drop the replace, require the published module
  for sib in $(replaces_of "$dir/src/go.mod" local); do
    [ "$sib" = "$K8S_SDK_MOD" ] || die "$K8S_MOD@$K8S_MOD_VERSION replaces $sib with a local path; only $K8S_SDK_MOD is handled"
    (cd "$dir/src" && go mod edit -dropreplace="$sib" -require="$sib@$K8S_SDK_VERSION")
  done
  # the module's go.sum has no entries for the published sdk/v4: add them
  go_in "$dir/src" "resolving $K8S_SDK_MOD@$K8S_SDK_VERSION" get "$K8S_SDK_MOD@$K8S_SDK_VERSION"
  cmd="$dir/src/cmd/pulumi-resource-kubernetes"
  [ -f "$cmd/generate.go" ] && [ -f "$cmd/schema.json" ] && [ -f "$cmd/terraform-mapping.json" ] \
    || die "$K8S_MOD@$K8S_MOD_VERSION lacks cmd/pulumi-resource-kubernetes/{generate.go,schema.json,terraform-mapping.json}"
  log "provider: generating schema-embed.json (version ${v#v}) and terraform-mapping-embed.json with the module's generate.go"
  VERSION="${v#v}" go_in "$cmd" "go run generate.go" run ./generate.go
  [ -s "$cmd/schema-embed.json" ] && [ -s "$cmd/terraform-mapping-embed.json" ] || die "generate.go wrote no embed files"
  log "provider: go build ./cmd/pulumi-resource-kubernetes in $dir/src ($K8S_MOD_VERSION, linked as ${v#v})"
  go_in "$dir/src" "go build of $K8S_MOD/cmd/pulumi-resource-kubernetes@$K8S_MOD_VERSION" build -p "$parallel" -trimpath \
    -ldflags "-s -w -X $K8S_VERSION_VAR=${v#v}" -o "$dir/pulumi-resource-kubernetes" ./cmd/pulumi-resource-kubernetes
  install_bin pulumi-resource-kubernetes "$v" "$dir/pulumi-resource-kubernetes"
  log "provider built in $(elapsed "$t0")"
}

install_plugin() {
  plugin_installed && return 0
  mkdir -p "$pulumi_home"
  PULUMI_HOME="$pulumi_home" PULUMI_SKIP_UPDATE_CHECK=true "$CLI" plugin install resource kubernetes "$K8S_PROVIDER_VERSION" --file "$PROVIDER" \
    || die "pulumi plugin install resource kubernetes $K8S_PROVIDER_VERSION --file $PROVIDER failed"
  plugin_installed || die "pulumi plugin install succeeded but $PLUGIN_DIR/pulumi-resource-kubernetes is not there"
  log "plugin resource kubernetes $K8S_PROVIDER_VERSION installed in PULUMI_HOME=$pulumi_home"
}

log "pulumi $PULUMI_VERSION, pulumi-kubernetes $K8S_MOD_VERSION as $K8S_PROVIDER_VERSION; cache $cache"
preflight
build_cli
build_provider
install_plugin
cli_version="$(PULUMI_HOME="$pulumi_home" PULUMI_SKIP_UPDATE_CHECK=true "$CLI" version)"
[ "$cli_version" = "$PULUMI_VERSION" ] || die "$CLI reports version $cli_version, not $PULUMI_VERSION"
log "done in $(elapsed "$t_start"); disk: $(du -sh "$(dirname "$CLI")" "$(dirname "$PROVIDER")" "$pulumi_home" \
  "$cache/build/pulumi-$PULUMI_VERSION" "$cache/build/pulumi-resource-kubernetes-$K8S_PROVIDER_VERSION" 2>/dev/null \
  | awk '{printf "%s %s; ", $1, $2}')"
report
