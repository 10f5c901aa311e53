#!/usr/bin/env bash
# Builds the Pulumi engine pieces that `npm run e2e` needs, from their Go modules, at the versions of the npm
# packages the project installs (so the CLI, the language host and the provider match the SDKs in node_modules):
#   pulumi                    github.com/pulumi/pulumi/pkg/v3/cmd/pulumi                         @ v<@pulumi/pulumi>
#   pulumi-language-nodejs    github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3  @ v<@pulumi/pulumi>
#   pulumi-resource-kubernetes github.com/pulumi/pulumi-kubernetes/provider/v4/cmd/pulumi-resource-kubernetes
#                                                                                                @ v<@pulumi/kubernetes>
# into ${CHAOS_STACK_CACHE:-$HOME/.cache/chaos-stack}/bin/<name>-<version>/<name> (the keying of build.sh), then
# installs the provider as a plugin into PULUMI_HOME=${CHAOS_STACK_CACHE}/pulumi-home (not ~/.pulumi, so the
# e2e never touches a developer's own Pulumi state and nothing is downloaded at run time):
#   pulumi plugin install resource kubernetes v<version> --file <binary>
# When everything is there it does nothing. Prints the paths on success; `--print-env` prints the PATH and
# PULUMI_HOME lines to use. Exit 1 with a message naming the module when a module cannot be had.
#
# How each piece is built (what the upstream Makefiles do, reproduced from the module source):
# - The three modules carry `replace` directives (pulumi/pkg and the language host replace sdk/v3 with a relative
#   ../sdk; the provider pins k8s.io/* and others), which Go applies only when the module is the main module, so
#   `go install mod/cmd@version` refuses them. The CLI and the language host are built from a throwaway main module
#   in the cache that requires the upstream module; the non-relative replace directives of the upstream go.mod are
#   copied into it (generated from the downloaded go.mod, not hand-listed), and every relative one (a sibling of
#   the same repository, e.g. sdk/v3 => ../sdk) becomes a plain requirement of that sibling at the same version.
# - The version is set at link time as upstream does:
#   -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v<version>  (pulumi Makefile, both binaries).
# - The provider embeds a generated file: cmd/pulumi-resource-kubernetes/main.go has `//go:generate go run
#   ./generate.go`, which reads the committed schema.json, sets its `version` and writes schema-embed.json (git-
#   ignored upstream, so absent from the module zip), which the binary embeds with go:embed. The Makefile target
#   `k8sprovider` runs `VERSION=<v> go generate cmd/pulumi-resource-kubernetes/main.go` and then
#   `CGO_ENABLED=0 go build -ldflags "-X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=<v>"`.
#   We copy the module source out of the read-only module cache (`go mod download -json` gives its Dir), run the
#   same generate step in the copy, and build inside the copy, so the provider's own go.mod (and its replace
#   directives) is the main module; relative replaces that point outside the copy are dropped in favour of the
#   published sibling at the same version.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"

build_name=build-pulumi.sh
# shellcheck source=build-lib.sh
source "$here/build-lib.sh"
pulumi_home="$cache/pulumi-home"

npm_version() { # the version of an installed npm package
  node -e 'process.stdout.write(require(process.argv[1]).version)' "$root/node_modules/$1/package.json" 2>/dev/null \
    || { echo "build-pulumi.sh: ERROR: $1 is not installed in node_modules (run npm ci first)" >&2; exit 1; }
}
PULUMI_VERSION="v$(npm_version @pulumi/pulumi)"
K8S_PROVIDER_VERSION="v$(npm_version @pulumi/kubernetes)"

CLI="$(path_of pulumi "$PULUMI_VERSION")"
LANG_HOST="$(path_of pulumi-language-nodejs "$PULUMI_VERSION")"
PROVIDER="$(path_of pulumi-resource-kubernetes "$K8S_PROVIDER_VERSION")"
PLUGIN_DIR="$pulumi_home/plugins/resource-kubernetes-$K8S_PROVIDER_VERSION"

if [ "${1:-}" = "--print-env" ]; then
  echo "PATH=$(dirname "$CLI"):$(dirname "$LANG_HOST"):\$PATH"
  echo "PULUMI_HOME=$pulumi_home"
  exit 0
fi

plugin_installed() { [ -x "$PLUGIN_DIR/pulumi-resource-kubernetes" ]; }
all_built() { [ -x "$CLI" ] && [ -x "$LANG_HOST" ] && [ -x "$PROVIDER" ] && plugin_installed; }

if all_built; then
  exit 0
fi

start_build build-pulumi.lock "the Pulumi CLI and provider"

PKG_MOD=github.com/pulumi/pulumi/pkg/v3
SDK_MOD=github.com/pulumi/pulumi/sdk/v3
LANG_MOD=github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3
K8S_MOD=github.com/pulumi/pulumi-kubernetes/provider/v4
VERSION_LDFLAG="-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version"

# download MOD VERSION FIELD: `go mod download -json` of one module; prints FIELD (GoMod or Dir). Dies with the
# module proxy's own answer when the module cannot be had (e.g. `403 Forbidden: This module version is not available`).
download() {
  local mod="$1" ver="$2" field="$3" scratch json value err
  scratch="$cache/build/download"
  mkdir -p "$scratch"
  [ -f "$scratch/go.mod" ] || printf 'module chaos-stack.local/download\n\ngo %s\n' "$go_version" >"$scratch/go.mod"
  json="$(cd "$scratch" && go mod download -json "$mod@$ver" 2>&1)" || true
  err="$(printf '%s\n' "$json" | sed -n -E 's/^[[:space:]]*"Error": "(.*)",?$/\1/p' | head -1)"
  [ -z "$err" ] || die "cannot download the Go module $mod@$ver: $(printf '%b' "$err")"
  value="$(printf '%s\n' "$json" | sed -n -E "s/^[[:space:]]*\"$field\": \"(.*)\",?\$/\1/p" | head -1)"
  [ -n "$value" ] || die "go mod download -json $mod@$ver gave no $field: $json"
  echo "$value"
}

# upstream_replaces GOMOD VERSION: the replace directives of an upstream go.mod, one `old => new` per line, for a
# throwaway main module. Relative (local-path) targets are siblings in the same repository: they are left out
# here and required at VERSION by the caller instead (see sibling_requires).
upstream_replaces() {
  local gomod="$1"
  (cd "$(dirname "$gomod")" && go mod edit -json "$gomod") | node -e '
    const j = JSON.parse(require("fs").readFileSync(0, "utf8"));
    for (const r of j.Replace ?? []) {
      if (r.New.Path.startsWith(".") || r.New.Path.startsWith("/")) continue;
      const old = r.Old.Version ? `${r.Old.Path} ${r.Old.Version}` : r.Old.Path;
      const nu = r.New.Version ? `${r.New.Path} ${r.New.Version}` : r.New.Path;
      console.log(`${old} => ${nu}`);
    }'
}

# sibling_requires GOMOD: module paths that the upstream go.mod replaces with a local path (its siblings).
sibling_requires() {
  local gomod="$1"
  (cd "$(dirname "$gomod")" && go mod edit -json "$gomod") | node -e '
    const j = JSON.parse(require("fs").readFileSync(0, "utf8"));
    for (const r of j.Replace ?? []) if (r.New.Path.startsWith(".") || r.New.Path.startsWith("/")) console.log(r.Old.Path);'
}

# new_module DIR MOD VERSION GOMOD: a throwaway main module requiring MOD@VERSION with the upstream replaces.
new_module() {
  local dir="$1" mod="$2" ver="$3" gomod="$4" sib line
  rm -rf "$dir"
  mkdir -p "$dir"
  {
    printf 'module chaos-stack.local/build\n\ngo %s\n\nrequire %s %s\n' "$go_version" "$mod" "$ver"
    for sib in $(sibling_requires "$gomod"); do
      # A sibling of the pulumi repository is published with the same tag (sdk/v3 v3.270.0 beside pkg/v3 v3.270.0).
      printf 'require %s %s\n' "$sib" "$ver"
    done
    echo
    echo 'replace ('
    while IFS= read -r line; do [ -n "$line" ] && printf '\t%s\n' "$line"; done < <(upstream_replaces "$gomod")
    echo ')'
  } >"$dir/go.mod"
  log "$mod@$ver: $(upstream_replaces "$gomod" | wc -l) replace directives copied, siblings required: $(sibling_requires "$gomod" | tr '\n' ' ')"
}

# Check every module first, so a refusal is reported in seconds rather than after a long build.
# Every refused module is named (not only the first).
preflight() {
  local m failed=0
  for m in "$PKG_MOD@$PULUMI_VERSION" "$LANG_MOD@$PULUMI_VERSION" "$SDK_MOD@$PULUMI_VERSION" "$K8S_MOD@$K8S_PROVIDER_VERSION"; do
    ( download "${m%@*}" "${m#*@}" GoMod >/dev/null ) || failed=1
  done
  [ "$failed" = 0 ] || die "the Pulumi CLI, language host and Kubernetes provider cannot be built here: a module they come from is not available (above)"
}

build_pulumi_cli() {
  [ -x "$CLI" ] && return 0
  local v="$PULUMI_VERSION" dir="$cache/build/pulumi-$PULUMI_VERSION" gomod t0
  t0=$(date +%s)
  gomod="$(download "$PKG_MOD" "$v" GoMod)"
  new_module "$dir" "$PKG_MOD" "$v" "$gomod"
  log "building pulumi from $PKG_MOD@$v"
  (cd "$dir" && go build -p "$parallel" -trimpath -ldflags "-s -w $VERSION_LDFLAG=$v" -o "$dir/pulumi" "$PKG_MOD/cmd/pulumi") \
    || die "go build of $PKG_MOD/cmd/pulumi@$v failed (see above)"
  install_bin pulumi "$v" "$dir/pulumi"
  log "pulumi built in $(( $(date +%s) - t0 ))s"
}

build_language_host() {
  [ -x "$LANG_HOST" ] && return 0
  local v="$PULUMI_VERSION" dir="$cache/build/pulumi-language-nodejs-$PULUMI_VERSION" gomod t0
  t0=$(date +%s)
  gomod="$(download "$LANG_MOD" "$v" GoMod)"
  new_module "$dir" "$LANG_MOD" "$v" "$gomod"
  log "building pulumi-language-nodejs from $LANG_MOD@$v"
  (cd "$dir" && go build -p "$parallel" -trimpath -ldflags "-s -w $VERSION_LDFLAG=$v" -o "$dir/pulumi-language-nodejs" "$LANG_MOD") \
    || die "go build of $LANG_MOD@$v failed (see above)"
  install_bin pulumi-language-nodejs "$v" "$dir/pulumi-language-nodejs"
  log "pulumi-language-nodejs built in $(( $(date +%s) - t0 ))s"
}

build_provider() {
  [ -x "$PROVIDER" ] && return 0
  local v="$K8S_PROVIDER_VERSION" src dir t0 rel
  t0=$(date +%s)
  src="$(download "$K8S_MOD" "$v" Dir)"
  dir="$cache/build/pulumi-resource-kubernetes-$v"
  rm -rf "$dir"
  mkdir -p "$dir"
  cp -R "$src/." "$dir/src"
  chmod -R u+w "$dir/src"
  local cmd="$dir/src/cmd/pulumi-resource-kubernetes"
  [ -f "$cmd/schema.json" ] || die "$K8S_MOD@$v has no cmd/pulumi-resource-kubernetes/schema.json to embed"
  # go generate (generate.go): schema.json with .version set, compact, as schema-embed.json.
  node -e '
    const fs = require("fs");
    const [from, to, version] = process.argv.slice(1);
    const spec = JSON.parse(fs.readFileSync(from, "utf8"));
    spec.version = version;
    fs.writeFileSync(to, JSON.stringify(spec), { mode: 0o600 });' "$cmd/schema.json" "$cmd/schema-embed.json" "${v#v}"
  # Relative replaces point at siblings outside the module copy: use their published versions instead.
  for rel in $(sibling_requires "$dir/src/go.mod"); do
    (cd "$dir/src" && go mod edit -dropreplace="$rel" && go mod edit -require="$rel@$v")
  done
  log "building pulumi-resource-kubernetes from $K8S_MOD@$v (schema-embed.json generated, version $v at link time)"
  (cd "$dir/src" && go build -p "$parallel" -trimpath \
    -ldflags "-s -w -X $K8S_MOD/pkg/version.Version=${v#v}" -o "$dir/pulumi-resource-kubernetes" ./cmd/pulumi-resource-kubernetes) \
    || die "go build of $K8S_MOD/cmd/pulumi-resource-kubernetes@$v failed (see above)"
  install_bin pulumi-resource-kubernetes "$v" "$dir/pulumi-resource-kubernetes"
  log "pulumi-resource-kubernetes built in $(( $(date +%s) - t0 ))s"
}

install_plugin() {
  plugin_installed && return 0
  mkdir -p "$pulumi_home"
  PULUMI_HOME="$pulumi_home" PULUMI_SKIP_UPDATE_CHECK=1 "$CLI" plugin install resource kubernetes "$K8S_PROVIDER_VERSION" --file "$PROVIDER" \
    || die "pulumi plugin install resource kubernetes $K8S_PROVIDER_VERSION --file $PROVIDER failed"
  plugin_installed || die "the plugin was installed but $PLUGIN_DIR/pulumi-resource-kubernetes is not there"
  log "plugin resource kubernetes $K8S_PROVIDER_VERSION installed in $PULUMI_HOME=$pulumi_home"
}

log "pulumi $PULUMI_VERSION and pulumi-kubernetes $K8S_PROVIDER_VERSION (from node_modules); cache $cache"
preflight
build_language_host
build_pulumi_cli
build_provider
install_plugin
log "all built in $(( $(date +%s) - started ))s; disk: $(du -sh "$bin"/pulumi*-v* "$pulumi_home" 2>/dev/null | awk '{print $1" "$2}' | tr '\n' ';')"
